"""SIGINT/SIGTERM while a frame is processed wait for it to finish; while waiting, they stop at once."""

from __future__ import annotations

import os
import signal

import pytest

from tracker.interrupts import GracefulStop


@pytest.fixture
def stop():
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    graceful = GracefulStop()
    graceful.install()
    yield graceful
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_a_frame_waits_for_its_end(stop: GracefulStop, signum: int) -> None:
    stop.frame_started()
    os.kill(os.getpid(), signum)  # handled now, in the main thread: no exception yet
    with pytest.raises(KeyboardInterrupt):
        stop.frame_finished()
    stop.frame_started()
    stop.frame_finished()  # the stop was consumed


def test_signal_between_frames_or_twice_stops_at_once(stop: GracefulStop) -> None:
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGTERM)
    stop.frame_started()
    os.kill(os.getpid(), signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
