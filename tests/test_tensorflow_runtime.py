"""quiet_stderr silences TensorFlow's start-up lines on file descriptor 2, but never while other
threads run: redirecting the process's stderr would swallow their errors too."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import REPO

SCRIPT = textwrap.dedent("""
    import os, sys, threading
    from detectors.tensorflow_runtime import quiet_stderr

    start, wrote = threading.Event(), threading.Event()

    def other_thread():  # e.g. the live source's reader reporting a camera error
        start.wait()
        os.write(2, b"error from another thread\\n")
        wrote.set()

    if sys.argv[1] == "threads":
        threading.Thread(target=other_thread, daemon=True).start()
    with quiet_stderr():
        os.write(2, b"runtime start-up line\\n")
        start.set()
        wrote.wait(5)
""")


def stderr_of(mode: str) -> str:
    """Runs SCRIPT in a fresh process (one thread unless ``mode`` is "threads")."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], cwd=REPO, capture_output=True, text=True, timeout=30, check=True
    )
    return result.stderr


def test_quiet_stderr_silences_a_single_threaded_process() -> None:
    assert stderr_of("alone") == ""


def test_quiet_stderr_leaves_stderr_alone_while_other_threads_run() -> None:
    assert "error from another thread" in stderr_of("threads")
