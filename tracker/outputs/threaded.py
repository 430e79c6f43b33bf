"""Runs a slow sink (video encoding) on its own thread, so the frame loop goes on while
it writes. PyAV (H.264) and OpenCV (mp4v) release the GIL while they encode, so this overlaps
with detection and tracking even on CPython."""

from __future__ import annotations

import os
import queue
import sys
import threading

from tracker.core.protocols import FrameResult, FrameSink

_STOP = None


def lower_thread_priority(increment: int) -> None:
    """Let the calling thread yield the CPU to the process's other threads: raise its nice value
    by ``increment`` (at most 19). Linux only, where nice is per thread and the threads it starts
    (libx264's) inherit it; elsewhere, or when the system refuses, nothing changes."""
    if not increment or not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + increment))
    except OSError:
        pass  # only an optimisation


class ThreadedSink:
    """Feeds ``inner`` from a bounded queue on a background thread, in order.

    ``write`` returns as soon as the result is queued; it blocks only while the queue is full,
    so the loop's "write" stage measures the time it waits on the writer. The results handed
    over must not be changed afterwards (the loop never reuses a frame's image). An error in
    ``inner`` is raised again from the next ``write`` or from ``close``, which drains the
    queue, then closes ``inner``; once ``inner`` has failed, it is given nothing more.

    ``nice``: how much lower the thread's CPU priority is than the loop's (``lower_thread_priority``),
    so that on a busy machine it takes the CPU the loop leaves rather than slowing the loop."""

    def __init__(self, inner: FrameSink, max_queued: int = 8, nice: int = 0) -> None:
        self.inner = inner
        self.nice = nice
        self.wants_image = inner.wants_image
        self._queue: queue.Queue[FrameResult | None] = queue.Queue(maxsize=max_queued)
        self._error: BaseException | None = None
        self._failed = False  # after an error, later results are dropped
        self._drained = threading.Event()  # set when the thread has ended
        self._thread = threading.Thread(target=self._drain, name=f"{type(inner).__name__}-writer", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        lower_thread_priority(self.nice)
        try:
            while (result := self._queue.get()) is not _STOP:
                if not self._failed:
                    try:
                        self.inner.write(result)
                    except BaseException as error:  # handed to the loop's thread
                        self._error, self._failed = error, True
        finally:
            self._drained.set()

    def _raise_pending(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def write(self, result: FrameResult) -> None:
        self._raise_pending()
        self._queue.put(result)

    def close(self) -> None:
        """Drain the queue and close ``inner``. A ``KeyboardInterrupt`` meanwhile does not cut
        this short (closing ``inner`` under its thread would corrupt the file): it is raised
        again once ``inner`` is closed."""
        interrupted: KeyboardInterrupt | None = None
        stop_sent = False
        while not self._drained.is_set():  # not Thread.join: on 3.11 an interrupted join forgets the thread
            try:
                if not stop_sent:
                    self._queue.put(_STOP)
                    stop_sent = True
                self._drained.wait()
            except KeyboardInterrupt as interrupt:
                interrupted = interrupt
        try:
            self._raise_pending()
        finally:
            self.inner.close()
        if interrupted is not None:
            raise interrupted
