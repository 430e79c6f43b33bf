"""ThreadedSink: in-order delivery on a background thread, errors surfaced, inner sink closed."""

import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from tracker.core.protocols import FrameResult
from tracker.core.types import Frame, Tracks
from tracker.outputs.assemble import ENCODER_NICE
from tracker.outputs.threaded import ThreadedSink


def _result(index: int) -> FrameResult:
    return FrameResult(Frame(index, index / 25, np.zeros((4, 4, 3), np.uint8)), Tracks.empty(), None)


class _Recorder:
    wants_image = True

    def __init__(self, fail_at: int | None = None) -> None:
        self.indices: list[int] = []
        self.closed = False
        self.fail_at = fail_at

    def write(self, result: FrameResult) -> None:
        if result.frame.index == self.fail_at:
            raise OSError("disk full")
        self.indices.append(result.frame.index)

    def close(self) -> None:
        self.closed = True


def test_every_result_arrives_in_order_and_inner_is_closed() -> None:
    inner = _Recorder()
    sink = ThreadedSink(inner, max_queued=2)
    assert sink.wants_image
    for index in range(50):
        sink.write(_result(index))
    sink.close()
    assert inner.indices == list(range(50)) and inner.closed


def test_an_error_in_the_writer_thread_is_raised_in_the_caller() -> None:
    inner = _Recorder(fail_at=3)
    sink = ThreadedSink(inner)
    with pytest.raises(OSError, match="disk full"):
        for index in range(10):
            sink.write(_result(index))
        sink.close()
    sink.close()
    assert inner.indices == [0, 1, 2] and inner.closed


class _InterruptingRecorder(_Recorder):
    """Slow (20 ms a result); sends the process SIGINT when it writes result ``interrupt_at``,
    by then the caller is waiting in ``close``."""

    def __init__(self, interrupt_at: int) -> None:
        super().__init__()
        self.interrupt_at = interrupt_at

    def write(self, result: FrameResult) -> None:
        time.sleep(0.02)
        if result.frame.index == self.interrupt_at:
            os.kill(os.getpid(), signal.SIGINT)
        super().write(result)


def test_ctrl_c_while_closing_still_finishes_and_closes_the_writer() -> None:
    """A KeyboardInterrupt while ``close`` waits for the queue to drain does not cut it short:
    every queued result is written and ``inner`` closed before the interrupt goes on."""
    inner = _InterruptingRecorder(interrupt_at=10)
    # Python's own Ctrl-C, whatever an earlier in-process run left installed
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sink = ThreadedSink(inner, max_queued=20)
        for index in range(20):
            sink.write(_result(index))
        with pytest.raises(KeyboardInterrupt):
            sink.close()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert inner.indices == list(range(20)) and inner.closed


class _PriorityProbe:
    """Records the nice value of the thread that writes, and of a thread started from it (as
    libx264 starts its own)."""

    wants_image = False

    def __init__(self) -> None:
        self.nice: list[int] = []

    def write(self, result: FrameResult) -> None:
        self.nice.append(_own_nice())
        child = threading.Thread(target=lambda: self.nice.append(_own_nice()))
        child.start()
        child.join()

    def close(self) -> None:
        pass


def _own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_writer_thread_and_those_it_starts_run_at_lower_priority() -> None:
    loop_nice = _own_nice()
    expected = min(19, loop_nice + ENCODER_NICE)
    probe = _PriorityProbe()
    sink = ThreadedSink(probe, nice=ENCODER_NICE)
    sink.write(_result(0))
    sink.close()
    assert probe.nice == [expected, expected]
    assert _own_nice() == loop_nice  # the loop's own thread is untouched
