"""Graceful stop on SIGINT/SIGTERM: while the loop waits for a frame the signal stops it at
once (``KeyboardInterrupt``); while it processes one, the stop waits until that frame has
reached every output (a second signal meanwhile waits too), so all outputs end on the same
frame. Once the stop has begun, or the loop is finishing its outputs (``hold()``), signals are
only noted: nothing cuts the flush and close short. ``with STOP.installed(): ...`` handles the signals inside the
block only; ``received`` is the first signal that came."""

from __future__ import annotations

import signal
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def signal_name(signum: int | None) -> str:
    """``SIGTERM``; ``SIGINT`` for ``None`` (a ``KeyboardInterrupt`` from Python's own handler)."""
    return signal.Signals(signum if signum is not None else signal.SIGINT).name


class GracefulStop:
    def __init__(self) -> None:
        self._in_frame = False
        self._pending = False
        self._holding = False
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        """Handle SIGINT and SIGTERM (main thread only) until ``uninstall()``; without it, Ctrl-C
        behaves as Python's default. Installing again keeps the handlers to restore."""
        for signum in SIGNALS:
            previous = signal.signal(signum, self._handle)
            # None: a handler set outside Python, which cannot be put back; the default replaces it
            self._previous.setdefault(signum, signal.SIG_DFL if previous is None else previous)

    def uninstall(self) -> None:
        """Put back the handlers ``install()`` replaced, and forget the state."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
        self.reset()

    def ignore_after_uninstall(self) -> None:
        """Make ``uninstall()`` put ``SIG_IGN`` in place of the old handlers: for a process whose
        run is over and that only has to exit, which a late signal would otherwise interrupt
        (exit 130, or a traceback from the interpreter's shutdown)."""
        for signum in self._previous:
            self._previous[signum] = signal.SIG_IGN

    @contextmanager
    def installed(self) -> Iterator[GracefulStop]:
        """``install()`` for the block, then ``uninstall()``."""
        self.install()
        try:
            yield self
        finally:
            self.uninstall()

    def _handle(self, signum: int, frame: types.FrameType | None) -> None:
        if self.received is None:
            self.received = signum
        if self._holding:
            return
        if self._in_frame:
            self._pending = True
            return
        self._holding = True  # the stop has begun: a second signal must not cut it short
        raise KeyboardInterrupt

    def frame_started(self) -> None:
        self._in_frame = True

    def frame_finished(self) -> None:
        """Raises ``KeyboardInterrupt`` when a stop was asked for during the frame."""
        self._in_frame = False
        if self._pending:
            self._pending, self._holding = False, True
            raise KeyboardInterrupt

    def hold(self) -> None:
        """From now until ``reset()``, signals are noted in ``received`` and never interrupt."""
        self._holding = True

    def reset(self) -> None:
        self._in_frame = self._pending = self._holding = False
        self.received = None


STOP = GracefulStop()
