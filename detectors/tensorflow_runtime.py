"""Import TensorFlow once, and start its runtimes, without their start-up lines on the terminal.

TensorFlow 2.21 writes absl/CUDA messages to file descriptor 2 during ``import`` (before
``TF_CPP_MIN_LOG_LEVEL`` applies), and TensorFlow Lite announces its XNNPACK delegate there;
both would bury our own one-line messages. No setting reaches those lines (measured with 2.21:
``TF_CPP_MIN_LOG_LEVEL``, ``TF_CPP_MAX_VLOG_LEVEL``, ``GLOG_minloglevel``, ``ABSL_MIN_LOG_LEVEL``;
TensorFlow Lite's log level is C++-only), so the descriptor is redirected, but only while no
other thread runs: their errors would vanish with it.
"""

from __future__ import annotations

import os
from types import ModuleType

from tracker.core.quiet import quiet_stderr


def import_tensorflow() -> ModuleType:
    """``import tensorflow`` with stderr silenced for the import only."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with quiet_stderr():
        import tensorflow
    return tensorflow
