"""Graceful stop on SIGINT/SIGTERM: while the loop waits for a frame the signal stops it at
once (``KeyboardInterrupt``); while it processes one, the stop waits until that frame has
reached every output, so all outputs end on the same frame. A second signal during the same
frame stops at once. ``with STOP.installed(): ...`` handles the signals inside the block only."""

from __future__ import annotations

import signal
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class GracefulStop:
    def __init__(self) -> None:
        self._in_frame = False
        self._pending = False
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        """Handle SIGINT and SIGTERM (main thread only) until ``uninstall()``; without it, Ctrl-C
        behaves as Python's default. Installing again keeps the handlers to restore."""
        for signum in SIGNALS:
            previous = signal.signal(signum, self._handle)
            # None: a handler set outside Python, which cannot be put back; the default replaces it
            self._previous.setdefault(signum, signal.SIG_DFL if previous is None else previous)

    def uninstall(self) -> None:
        """Put back the handlers ``install()`` replaced."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @contextmanager
    def installed(self) -> Iterator[GracefulStop]:
        """``install()`` for the block, then ``uninstall()``."""
        self.install()
        try:
            yield self
        finally:
            self.uninstall()

    def _handle(self, signum: int, frame: types.FrameType | None) -> None:
        if self._in_frame and not self._pending:
            self._pending = True
            return
        raise KeyboardInterrupt

    def frame_started(self) -> None:
        self._in_frame = True

    def frame_finished(self) -> None:
        """Raises ``KeyboardInterrupt`` when a stop was asked for during the frame."""
        self._in_frame = False
        if self._pending:
            self._pending = False
            raise KeyboardInterrupt

    def reset(self) -> None:
        self._in_frame = self._pending = False


STOP = GracefulStop()
