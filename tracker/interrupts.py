"""Graceful stop on SIGINT/SIGTERM: while the loop waits for a frame the signal stops it at
once (``KeyboardInterrupt``); while it processes one, the stop waits until that frame has
reached every output, so all outputs end on the same frame. A second signal during the same
frame stops at once."""

from __future__ import annotations

import signal
import types
from collections.abc import Iterator
from contextlib import contextmanager


class GracefulStop:
    def __init__(self) -> None:
        self._in_frame = False
        self._pending = False

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Handle SIGINT and SIGTERM inside the block (main thread only), then put the previous
        handlers back; outside it, Ctrl-C behaves as before."""
        previous = {signum: signal.signal(signum, self._handle) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

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
