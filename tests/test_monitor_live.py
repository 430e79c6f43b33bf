"""``tracker monitor`` with live cameras (tests/mjpeg_source.py) beside a file, and its dashboard:
served over HTTP and drawn in headless Chromium; a stream killed and brought back; a clean stop."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import announced_url, decoded_frames, start_cli
from tests.test_live_stream import Camera, clip  # noqa: F401 - the clip fixture
from tests.test_live_view import CHROMIUM, chromium
from tests.test_monitor import write_cameras

MOTION = {
    "detector": {"name": "motion", "min_area": 200},
    "pipeline": {"detect_every": 1},
    "counting": {"lines": [{"name": "gate", "points": [[160, 0], [160, 239]]}], "min_frames_each_side": 2},
    "live": {"open_timeout_s": 1, "read_timeout_s": 1, "reconnect_initial_s": 0.2, "give_up_after_s": 2},
}


@pytest.fixture
def cameras(clip: Path):  # noqa: F811
    started = [Camera(clip).start(), Camera(clip).start()]
    yield started
    for camera in started:
        camera.kill()


def stats(url: str) -> dict[str, Any]:
    return json.loads(urllib.request.urlopen(url + "stats.json", timeout=5).read())["cameras"]


def wait_for(url: str, predicate: Any, timeout: float = 90) -> dict[str, Any]:
    deadline = time.time() + timeout
    while not predicate(current := stats(url)):
        assert time.time() < deadline, f"timed out; cameras: {json.dumps(current)[:2000]}"
        time.sleep(0.2)
    return current


def test_live_cameras_dashboard_stream_restart_and_stop(tmp_path: Path, clip: Path, cameras: list[Camera]) -> None:  # noqa: F811
    entries = [
        {"name": "street", "source": cameras[0].url, "overrides": MOTION},
        {"name": "door", "source": cameras[1].url, "overrides": MOTION},
        {"name": "file", "source": str(clip), "overrides": MOTION},
        {"name": "short", "source": cameras[1].url, "overrides": MOTION, "max_frames": 30},  # ends, no restart
    ]
    out = tmp_path / "out"
    process = start_cli("monitor", str(write_cameras(tmp_path, entries)), "-o", str(out), "--serve", "127.0.0.1:0")
    try:
        url = announced_url(process, "dashboard:")
        now = wait_for(
            url,
            lambda c: (
                c["file"]["state"] == c["short"]["state"] == "ended"
                and all(c[name]["state"] == "running" and c[name]["frames"] > 20 for name in ("street", "door"))
            ),
        )
        assert now["file"]["frames"] == 120 and now["street"]["fps"] > 0
        for name in ("street", "door"):
            stream = urllib.request.urlopen(f"http://127.0.0.1:{now[name]['stream_port']}/stream.mjpg", timeout=5)
            assert stream.read(200).startswith(b"--frame\r\nContent-Type: image/jpeg")
            stream.close()

        if CHROMIUM is not None:
            dom = chromium(url, tmp_path / "profile", "--dump-dom")
            for name, state in (("street", "running"), ("door", "running"), ("file", "ended")):
                assert f'id="camera-{name}"' in dom
                assert f'<span class="state {state}">{state}</span>' in dom
            assert "<td>gate</td>" in dom

        cameras[0].kill()  # the stream dies: the worker gives up after 2 s and is restarted until it is back
        wait_for(url, lambda c: c["street"]["restarts"] and c["street"]["state"] in ("restarting", "running"))
        cameras[0].start()
        back = wait_for(url, lambda c: c["street"]["state"] == "running" and c["street"]["frames"] > 10)
        assert back["door"]["restarts"] == [] and back["street"]["attempt"] >= 1
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    final = json.loads((out / "monitor.json").read_text())["cameras"]
    assert {name: c["state"] for name, c in final.items()} == {
        "street": "stopped",
        "door": "stopped",
        "file": "ended",
        "short": "ended",
    }
    assert final["short"]["restarts"] == [] and final["short"]["frames"] == 30
    restart = out / "street" / f"restart-{final['street']['attempt']}"
    for folder in (out / "street", out / "door", restart):
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["frames"] > 0 and decoded_frames(folder / "annotated.mp4") == summary["frames"]
    assert json.loads((restart / "summary.json").read_text())["stopped_by"] == "interrupt"
