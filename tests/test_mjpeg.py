"""MjpegServer: clients connect and go away on the server's threads while frames are published;
its count of watching clients stays right."""

from __future__ import annotations

import socket
import threading
import time
import types
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tracker import mjpeg
from tracker.mjpeg import MjpegServer

JPEG = b"\xff\xd8" + bytes(2000) + b"\xff\xd9"
CLIENTS, VISITS = 12, 3


def yield_between_bytecodes(frame: types.FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
    """A trace function that lets other threads run between any two bytecodes of tracker/mjpeg.py,
    so an unguarded read-modify-write there shows its race at once instead of once in a million."""
    if frame.f_code.co_filename != mjpeg.__file__:
        return None
    frame.f_trace_opcodes = True
    if event == "opcode":
        time.sleep(0)  # releases the GIL
    return yield_between_bytecodes


@pytest.fixture
def server() -> Iterator[MjpegServer]:
    # a handler holds its connection until its next write finds the client gone: no cap here
    server = MjpegServer("127.0.0.1", 0, max_connections=CLIENTS * VISITS)
    stop = threading.Event()

    def publish() -> None:
        while not stop.is_set():
            server.publish(JPEG)
            time.sleep(0.002)

    publisher = threading.Thread(target=publish)
    publisher.start()
    yield server
    stop.set()
    publisher.join()
    server.close()


def watch(url: str, frames: list[int]) -> None:
    """Connects VISITS times, each time reading one frame, then hanging up."""
    for _ in range(VISITS):
        with urllib.request.urlopen(url, timeout=10) as stream:
            if stream.read(len(JPEG) + 200).count(b"\xff\xd8"):
                frames.append(1)


def test_client_count_under_concurrent_connects_and_disconnects(server: MjpegServer) -> None:
    frames: list[int] = []
    threading.settrace(yield_between_bytecodes)  # the handler threads started from now on
    try:
        viewers = [threading.Thread(target=watch, args=(server.url + "stream.mjpg", frames)) for _ in range(CLIENTS)]
        for viewer in viewers:
            viewer.start()
        for viewer in viewers:
            viewer.join()
    finally:
        threading.settrace(None)  # type: ignore[arg-type]
    assert len(frames) == CLIENTS * VISITS
    deadline = time.monotonic() + 10  # a handler sees its client gone at its next frame's write
    while server.clients and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.clients == 0


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_serves_on_ipv6() -> None:
    if not ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback")
    server = MjpegServer("::1", 0, page=lambda: "hello")
    try:
        assert server.url.startswith("http://[::1]:")
        assert urllib.request.urlopen(server.url, timeout=10).read() == b"hello"
    finally:
        server.close()


def test_an_idle_connection_is_dropped() -> None:
    server = MjpegServer("127.0.0.1", 0, idle_timeout_s=0.5)
    try:
        with socket.create_connection((server.host, server.port), timeout=10) as idle:
            started = time.monotonic()
            assert idle.recv(100) == b""  # closed by the server, not left holding a thread
            assert time.monotonic() - started < 5
    finally:
        server.close()


def test_connections_beyond_the_cap_get_503() -> None:
    capped = MjpegServer("127.0.0.1", 0, page=lambda: "page", max_connections=2)
    try:
        holders = [socket.create_connection((capped.host, capped.port), timeout=10) for _ in range(2)]
        time.sleep(0.3)  # both admitted and idle in their threads
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(capped.url, timeout=10)
        assert refused.value.code == 503
        for holder in holders:
            holder.close()
        deadline = time.monotonic() + 10
        while True:  # the slots free as the handlers see their clients gone
            try:
                assert urllib.request.urlopen(capped.url, timeout=10).read() == b"page"
                break
            except urllib.error.HTTPError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        capped.close()
