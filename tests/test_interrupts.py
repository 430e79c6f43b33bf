"""SIGINT/SIGTERM while a frame is processed wait for it to finish; while waiting, they stop at once."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from tracker.interrupts import SIGNALS, GracefulStop, signal_name


def handlers() -> dict[int, object]:
    return {signum: signal.getsignal(signum) for signum in SIGNALS}


@pytest.fixture
def stop() -> Iterator[GracefulStop]:
    graceful = GracefulStop()
    with graceful.installed():
        yield graceful


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_a_frame_waits_for_its_end(stop: GracefulStop, signum: int) -> None:
    stop.frame_started()
    os.kill(os.getpid(), signum)  # handled now, in the main thread: no exception yet
    with pytest.raises(KeyboardInterrupt):
        stop.frame_finished()
    stop.frame_started()
    stop.frame_finished()  # the stop was consumed


def test_signal_between_frames_stops_at_once_and_later_ones_are_noted(stop: GracefulStop) -> None:
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGINT)  # while the stop goes on: no second KeyboardInterrupt
    assert stop.received == signal.SIGTERM


def test_a_second_signal_during_a_frame_waits_for_its_end_too(stop: GracefulStop) -> None:
    """Stopping mid-frame would leave the frame in some outputs and not in others."""
    stop.frame_started()
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        stop.frame_finished()
    os.kill(os.getpid(), signal.SIGINT)  # noted only
    assert signal_name(stop.received) == "SIGTERM"  # the first one names the stop


def test_signals_while_held_are_noted_and_never_interrupt(stop: GracefulStop) -> None:
    stop.hold()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGINT):
        os.kill(os.getpid(), signum)
    stop.frame_started()
    stop.frame_finished()
    assert stop.received == signal.SIGINT
    stop.reset()
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)


def test_installed_restores_the_previous_handlers() -> None:
    before = handlers()
    graceful = GracefulStop()
    with pytest.raises(KeyboardInterrupt), graceful.installed():
        assert all(handler == graceful._handle for handler in handlers().values())
        graceful.install()  # installing again inside keeps the handlers to restore
        os.kill(os.getpid(), signal.SIGTERM)
    assert handlers() == before


def test_uninstall_restores_the_previous_handlers() -> None:
    before = handlers()
    graceful = GracefulStop()
    graceful.install()
    assert handlers() != before
    graceful.uninstall()
    assert handlers() == before


def test_ignore_after_uninstall_leaves_the_signals_ignored() -> None:
    before = handlers()
    graceful = GracefulStop()
    with graceful.installed():
        graceful.ignore_after_uninstall()
    try:
        assert all(handler == signal.SIG_IGN for handler in handlers().values())
        os.kill(os.getpid(), signal.SIGINT)  # nothing happens
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
