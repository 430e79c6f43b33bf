"""``scripts/benchmark.py SOURCE --cameras N``: how many 25-fps cameras one machine holds in real
time with ``tracker monitor`` (locally or on a local Ray instance).

N stand-in network cameras (tests/mjpeg_source.py) serve SOURCE, looped, as MJPEG at 25 fps;
``tracker monitor`` runs them all (each with the config, the annotated video on) for a warm-up,
then for ``seconds``, then is stopped with SIGTERM. Per camera: frames processed per second in
that window and their share of the camera's 25 (a live source keeps only the newest frame, so a
camera that cannot keep up drops frames instead of falling behind), whether it kept up (>= 95%),
and the share of frames dropped over the whole run, start included.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
CAMERA = REPO / "tests" / "mjpeg_source.py"
CAMERA_FPS = 25.0
KEPT_UP = 0.95  # share of the camera's frames processed


def start_cameras(source: str, count: int, seconds: float) -> list[tuple[subprocess.Popen, int]]:
    cameras = []
    for _ in range(count):
        process = subprocess.Popen(
            [sys.executable, str(CAMERA), source, "--fps", str(CAMERA_FPS), "--seconds", str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("PORT"):
            raise RuntimeError(f"stand-in camera did not start: {line!r}")
        cameras.append((process, int(line.split()[1])))
    return cameras


def _frames(out: Path) -> dict[str, int]:
    try:
        status = json.loads((out / "monitor.json").read_text())
    except (OSError, ValueError):
        return {}
    return {name: camera["frames"] for name, camera in status["cameras"].items() if camera["state"] == "running"}


def monitor_benchmark(
    source: str, count: int, config: Path | None, seconds: float, ray: bool, warmup_s: float = 20.0
) -> dict[str, Any]:
    """Run ``count`` cameras for ``seconds`` after they all run; figures per camera and overall."""
    cameras = start_cameras(source, count, warmup_s + seconds + 120)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        entries = [
            {"name": f"cam{i}", "source": f"http://127.0.0.1:{port}/stream.mjpg", "num_cpus": 0.5}
            | ({"config": str(config)} if config else {})
            for i, (_, port) in enumerate(cameras)
        ]
        (folder / "cameras.yaml").write_text(yaml.safe_dump({"cameras": entries}))
        out = folder / "out"
        command = [sys.executable, "-m", "tracker", "monitor", str(folder / "cameras.yaml"), "-o", str(out)]
        monitor = subprocess.Popen(command + (["--ray", "local"] if ray else []), cwd=REPO, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 300
            while len(_frames(out)) < count:  # every worker up and processing
                if time.monotonic() > deadline or monitor.poll() is not None:
                    raise RuntimeError("tracker monitor did not start every camera")
                time.sleep(0.5)
            time.sleep(warmup_s)
            load_before = os.getloadavg()[0]
            first, started = _frames(out), time.monotonic()
            time.sleep(seconds)
            last, elapsed = _frames(out), time.monotonic() - started
            monitor.send_signal(signal.SIGTERM)
            monitor.wait(timeout=120)
        finally:
            if monitor.poll() is None:
                monitor.kill()
            for process, _ in cameras:
                process.kill()
        summaries = {name: json.loads((out / name / "summary.json").read_text()) for name in first}
    per_camera = {}
    for name in sorted(first):
        fps = (last.get(name, first[name]) - first[name]) / elapsed
        source_stats = summaries[name]["source"]
        per_camera[name] = {
            "fps": round(fps, 2),
            "processed_fraction": round(fps / CAMERA_FPS, 3),
            "kept_up": fps >= KEPT_UP * CAMERA_FPS,
            # the start (loading the detector) included
            "dropped_whole_run": round(source_stats["dropped_frames"] / max(1, source_stats["frames_received"]), 3),
        }
    return {
        "cameras": count,
        "ray": ray,
        "camera_fps": CAMERA_FPS,
        "seconds": seconds,
        "load_1min": round(load_before, 2),
        "cpus": os.cpu_count(),
        "all_kept_up": all(camera["kept_up"] for camera in per_camera.values()),
        "per_camera": per_camera,
    }
