"""``tracker monitor --ray local``: each camera's attempts as Ray actors on a local Ray instance;
a worker killed with SIGKILL is restarted on a new actor, and every event is stored once."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
from pathlib import Path

import pytest

from tests.conftest import require, start_cli
from tests.test_monitor import (
    camera,
    database_events,
    jsonl_events,
    long_clip,  # noqa: F401 - the clip fixture
    status,
    wait_for,
    write_cameras,
)


@pytest.mark.slow
def test_cameras_as_ray_actors_restart_a_killed_worker(tmp_path: Path, long_clip: Path) -> None:  # noqa: F811
    require(importlib.util.find_spec("ray") is not None, "Ray not installed (pip install 'tracker[ray]')")
    cameras = [
        camera("victim", long_clip, overrides={"tracker.name": "dlib"}, num_cpus=0.5),
        camera("bystander", long_clip, num_cpus=0.5),
    ]
    out = tmp_path / "out"
    process = start_cli("monitor", str(write_cameras(tmp_path, cameras)), "-o", str(out), "--ray", "local")
    try:
        wait_for(
            lambda: status(out)["cameras"].get("victim", {}).get("frames", 0) >= 100 or process.poll() is not None,
            timeout=180,
        )
        assert process.poll() is None, "the run ended before the kill"
        os.kill(status(out)["cameras"]["victim"]["pid"], signal.SIGKILL)
        _, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    final = status(out)["cameras"]
    assert final["victim"]["state"] == final["bystander"]["state"] == "ended"
    assert [r["reason"] for r in final["victim"]["restarts"]] == ["killed by signal 9"]
    assert json.loads((out / "victim" / "summary.json").read_text())["frames"] == 240
    rows = database_events(out)
    assert len(rows) == len(set(rows))
    assert set(rows) == jsonl_events(out, "victim") | jsonl_events(out, "bystander")
