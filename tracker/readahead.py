"""Decode ahead: a file or folder source read on its own thread into a small bounded queue,
so that decoding overlaps detection, tracking and drawing (OpenCV releases the GIL while it
decodes). Frames come out in order; an error of the reader is raised in the consumer's
thread, where the frame it stopped at would have been; ``close()`` stops the reader first,
then closes the source."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from tracker.core.protocols import FrameSource
from tracker.core.types import Frame

DEPTH = 8  # frames decoded ahead at most (768x576: 10 MB)
_END = object()


class _Failure:
    """The reader's exception, carried through the queue to the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class ReadAheadSource:
    """``source`` (a finite file or folder source) iterated on a reader thread, ``depth``
    frames ahead at most. It has ``source``'s ``info``, ``end_reason`` and ``stats()``, whose
    ``frames_read`` counts the frames handed out (not those decoded ahead when a run stops)."""

    def __init__(self, source: FrameSource, depth: int = DEPTH) -> None:
        self.source = source
        self.info = source.info
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames_handed = 0

    def __iter__(self) -> Iterator[Frame]:
        if self._thread is not None:
            raise RuntimeError("a read-ahead source is iterated once")
        self._thread = threading.Thread(target=self._read, name="frame-reader", daemon=True)
        self._thread.start()
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            self.frames_handed += 1
            yield item

    def _read(self) -> None:
        try:
            for frame in self.source:
                if not self._put(frame):
                    return
            self._put(_END)
        except BaseException as error:
            self._put(_Failure(error))

    def _put(self, item: object) -> bool:
        """Hand ``item`` to the consumer, waiting while the queue is full; False once stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    @property
    def end_reason(self) -> str | None:
        return self.source.end_reason

    def close(self) -> None:
        """Stop the reader (it may be waiting on a full queue or inside a decode), then close
        the source; idempotent."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.source.close()

    def stats(self) -> dict[str, Any]:
        stats = self.source.stats()
        if "frames_read" in stats:
            stats["frames_read"] = self.frames_handed
            expected = stats.get("frames_expected")
            stats["truncated"] = stats.get("truncated", False) or (
                expected is not None and self.frames_handed < expected
            )
        return stats

    def __enter__(self) -> ReadAheadSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
