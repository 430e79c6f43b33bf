"""Import TensorFlow once, without its start-up lines on the terminal.

TensorFlow 2.21 writes absl/CUDA messages to file descriptor 2 during ``import`` (before
``TF_CPP_MIN_LOG_LEVEL`` applies), which would bury our own one-line messages.
"""

from __future__ import annotations

import os
from types import ModuleType


def import_tensorflow() -> ModuleType:
    """``import tensorflow`` with the process's stderr silenced for the import only."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return tensorflow
