"""Import TensorFlow once, and start its runtimes, without their start-up lines on the terminal.

TensorFlow 2.21 writes absl/CUDA messages to file descriptor 2 during ``import`` (before
``TF_CPP_MIN_LOG_LEVEL`` applies), and TensorFlow Lite announces its XNNPACK delegate there;
both would bury our own one-line messages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence the process's file descriptor 2 (C++ logging included) inside the block."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow() -> ModuleType:
    """``import tensorflow`` with stderr silenced for the import only."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with quiet_stderr():
        import tensorflow
    return tensorflow
