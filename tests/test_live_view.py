"""The live view (--serve): its HTTP endpoints in-process, and the whole path in headless
Chromium: a local MJPEG camera -> tracker track --serve -> the page shows the stream updating,
the fps and the counts changing. --display without a GUI: one clear line."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from tests.conftest import REPO, announced_url, require, run_cli, start_cli
from tests.test_live_stream import Camera, clip  # noqa: F401 - the clip fixture
from tracker.core.errors import UserError
from tracker.core.protocols import FrameResult
from tracker.core.types import Frame, Tracks
from tracker.outputs.live_view import LiveViewSink, parse_host_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_parse_host_port() -> None:
    assert parse_host_port("8080") == ("127.0.0.1", 8080)
    assert parse_host_port("0.0.0.0:9000") == ("0.0.0.0", 9000)
    assert parse_host_port("[::1]:8080") == ("::1", 8080)
    assert parse_host_port("[::]:0") == ("::", 0)
    for bad in ("::1:8080", "[::1]", "[localhost]:80", "[::1:80", "host:port"):
        with pytest.raises(UserError):
            parse_host_port(bad)


def test_serve_on_ipv6(tmp_path: Path, clip: Path) -> None:  # noqa: F811
    require(socket.has_ipv6, "Python without IPv6")
    result = run_cli(
        "track", str(clip), "-o", str(tmp_path / "out"), "--detector", "motion", "-q", "--serve", "[::1]:0"
    )
    assert result.returncode == 0, result.stderr
    assert "live view: http://[::1]:" in result.stderr


def test_live_view_endpoints_in_process() -> None:
    sink = LiveViewSink("127.0.0.1", 0)
    counts = {"lines": {"gate": {"in_total": 3}}}
    base = sink.server.url
    try:
        page = urllib.request.urlopen(base, timeout=5).read().decode()
        assert '<img id="view" src="/stream.mjpg"' in page
        stream = urllib.request.urlopen(base + "stream.mjpg", timeout=5)
        assert stream.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        image = np.full((48, 64, 3), 200, np.uint8)
        for index in range(5):  # bounded: 5 frames, then read one part
            sink.write(
                FrameResult(Frame(index, index / 25, image), Tracks.empty(), None, counts=counts, annotated=image)
            )
            time.sleep(0.02)
        head = stream.read(200)
        assert head.startswith(b"--frame\r\nContent-Type: image/jpeg") and b"\xff\xd8" in head
        stream.close()
        stats = urllib.request.urlopen(base + "stats.json", timeout=5).read().decode()
        assert '"frame": 5' in stats and '"in_total": 3' in stats
    finally:
        sink.close()


def test_stats_are_served_while_the_loop_changes_the_counts() -> None:
    """The loop's thread changes the counter between writes while /stats.json is requested: the
    page must never read the counts as they change (``dictionary changed size during iteration``)."""
    tallies = {f"line{i}": i for i in range(5000)}  # the counter's state, changed by the loop only
    sink = LiveViewSink("127.0.0.1", 0)
    done = threading.Event()
    image = np.zeros((8, 8, 3), np.uint8)

    def loop() -> None:
        index = 0
        while not done.is_set():
            tallies[f"line{5000 + index}"] = index  # a new key, and an old one gone: the dict changes size
            del tallies[next(iter(tallies))]
            counts = {"lines": {k: {"in_total": v} for k, v in tallies.items()}}  # the counter's summary
            sink.write(FrameResult(Frame(index, index / 25, image), Tracks.empty(), None, counts=counts))
            index += 1

    first = {"lines": {k: {"in_total": v} for k, v in tallies.items()}}
    sink.write(FrameResult(Frame(0, 0.0, image), Tracks.empty(), None, counts=first))  # served before the loop starts
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so the race shows within a few requests
    thread = threading.Thread(target=loop)
    thread.start()
    failures = []
    try:
        for _ in range(100):
            try:
                stats = json.loads(urllib.request.urlopen(sink.server.url + "stats.json", timeout=5).read())
            except (OSError, http.client.HTTPException) as error:  # the server's thread failed
                failures.append(repr(error))
                continue
            if len(stats["counts"]["lines"]) != 5000:  # read in the middle of the loop's change
                failures.append(f"{len(stats['counts']['lines'])} lines")
    finally:
        done.set()
        thread.join()
        sys.setswitchinterval(switch_interval)
        sink.close()
    assert not failures, f"{len(failures)} of 100 requests failed: {failures[0]}"


def test_display_without_gui_is_one_clear_error(tmp_path: Path, clip: Path) -> None:  # noqa: F811
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "track",
            str(clip),
            "-o",
            str(tmp_path / "out"),
            "--detector",
            "motion",
            "--display",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "error: --display needs a graphical session (DISPLAY is not set); use --serve HOST:PORT to watch in a browser"
    ]


def chromium(url: str, profile: Path, *extra: str) -> str:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=3000",
        *extra,
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout


def page_state(dom: str) -> dict[str, float]:
    values = {key: re.search(rf'<span id="{key}">([^<]*)</span>', dom).group(1) for key in ("fps", "frame", "updates")}
    gate = re.search(r"<td>gate</td><td>(\d+)</td><td>(\d+)</td>", dom)
    return {
        **{k: float(v) for k, v in values.items() if v != "-"},
        "counted": sum(map(int, gate.groups())) if gate else -1,
    }


def load_page_until(
    url: str, profiles: Iterator[Path], done: Callable[[dict[str, float]], bool], seconds: float = 45
) -> dict[str, float]:
    """Load the page (each time with a fresh profile) until ``done`` holds for what it shows, or
    ``seconds`` pass. Headless Chromium fast-forwards its virtual time while a page idles, so one
    load sees the picture change only 2-3 times here, and can see it once on a loaded machine."""
    deadline = time.monotonic() + seconds
    while True:
        state = page_state(chromium(url, next(profiles), "--dump-dom"))
        if done(state) or time.monotonic() > deadline:
            return state


def test_live_view_in_headless_chromium(tmp_path: Path, clip: Path) -> None:  # noqa: F811
    require(CHROMIUM is not None, "chromium not installed (apt-get install -y chromium)")
    camera = Camera(clip).start()
    config = tmp_path / "count.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "detector": {"name": "motion", "min_area": 200},
                "pipeline": {"detect_every": 1},
                "counting": {"lines": [{"name": "gate", "points": [[160, 0], [160, 239]]}], "min_frames_each_side": 2},
            }
        )
    )
    process = start_cli(
        "track",
        camera.url,
        "-o",
        str(tmp_path / "out"),
        "-q",
        "-c",
        str(config),
        "--serve",
        "127.0.0.1:0",
        stdout=None,
    )
    try:
        url = announced_url(process, "live view:")
        shot = tmp_path / "view.png"
        chromium(url, tmp_path / "profile0", "--window-size=800,600", f"--screenshot={shot}")
        screenshot = cv2.imread(str(shot))
        assert screenshot is not None and screenshot.shape[:2] == (600, 800)
        assert screenshot[60:300, 16:336].std() > 10  # the streamed picture, not an empty box

        profiles = (tmp_path / f"profile{n}" for n in itertools.count(1))
        first = load_page_until(url, profiles, lambda state: state["updates"] >= 2)
        assert first["updates"] >= 2 and first["fps"] > 0, first
        # a crossing happens every 4.8 s loop of the clip; slower when loaded
        later = load_page_until(url, profiles, lambda state: state["counted"] != first["counted"])
        assert later["frame"] > first["frame"] and later["counted"] > first["counted"] >= 0, (first, later)
        process.send_signal(signal.SIGTERM)  # (SIGINT is tested in test_live_stream.py)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        camera.kill()
