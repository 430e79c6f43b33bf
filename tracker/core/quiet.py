"""Keep a native library's own lines off the terminal: they would bury our one-line messages."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence the process's file descriptor 2 (C++ logging included) inside the block, when the
    process runs one thread; otherwise stderr stays as it is."""
    if threading.active_count() > 1:
        yield
        return
    sys.stderr.flush()  # what Python already wrote goes out first
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
