"""Soak of ``tracker monitor``: N looped live cameras (tests/mjpeg_source.py serving a synthetic
crossing scene at 25 fps), ``--frames`` frames each, one worker killed with SIGKILL half-way.
Prints each worker's resident memory over the run, the restarts, and checks that every event
is in ``events.sqlite`` exactly once and equals the cameras' ``events.jsonl`` files.

    python scripts/soak_monitor.py --cameras 4 --frames 20000
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.monitor_bench import start_cameras  # noqa: E402
from tests.synthetic import MovingBox, write_clip  # noqa: E402

SETTINGS = {
    "detector": {"name": "motion", "min_area": 200},
    "pipeline": {"detect_every": 1},
    "counting": {"lines": [{"name": "gate", "points": [[160, 0], [160, 239]]}], "min_frames_each_side": 2},
    "output": {"video": False},
}


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def jsonl_keys(out: Path) -> set[tuple[Any, ...]]:
    """(camera, attempt, frame, track, place, kind) of every events.jsonl (restart-N/ is attempt N)."""
    keys = set()
    for path in out.glob("**/events.jsonl"):
        folder = path.parent
        camera, attempt = (
            (folder.parent.name, int(folder.name[8:])) if folder.name.startswith("restart-") else (folder.name, 0)
        )
        for event in map(json.loads, path.read_text().splitlines()):
            place = event.get("line") or event.get("zone")
            keys.add((camera, attempt, event["frame"], event["track_id"], place, event["event"]))
    return keys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--frames", type=int, default=20000, help="frames per camera (max_frames)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        scene = [MovingBox((10, 40), (2.0, 0), seed=1), MovingBox((270, 130), (-2.0, 0), size=(40, 60), seed=2)]
        write_clip(folder / "walk.avi", scene, frames=150)
        cameras = start_cameras(str(folder / "walk.avi"), args.cameras, args.frames / 25 * 2 + 300)
        entries = [
            {"name": f"cam{i}", "source": f"http://127.0.0.1:{port}/stream.mjpg", "overrides": SETTINGS}
            | {"max_frames": args.frames}
            for i, (_, port) in enumerate(cameras)
        ]
        (folder / "cameras.yaml").write_text(yaml.safe_dump({"cameras": entries}))
        out = folder / "out"
        command = [sys.executable, "-m", "tracker", "monitor", str(folder / "cameras.yaml"), "-o", str(out)]
        monitor = subprocess.Popen(command, cwd=REPO)
        memory: dict[str, list[tuple[int, float]]] = {}
        killed = False
        try:
            while monitor.poll() is None:
                time.sleep(2)
                try:
                    status = json.loads((out / "monitor.json").read_text())["cameras"]
                except (OSError, ValueError):
                    continue
                for name, camera in status.items():
                    if camera["pid"] and (rss := rss_mb(camera["pid"])) is not None:
                        memory.setdefault(f"{name}/attempt{camera['attempt']}", []).append((camera["frames"], rss))
                victim = status.get("cam0", {})
                if not killed and victim.get("frames", 0) >= args.frames // 2 and victim.get("pid"):
                    os.kill(victim["pid"], signal.SIGKILL)
                    killed = True
        finally:
            if monitor.poll() is None:
                monitor.send_signal(signal.SIGTERM)
                monitor.wait(120)
            for process, _ in cameras:
                process.kill()
        status = json.loads((out / "monitor.json").read_text())["cameras"]
        with sqlite3.connect(out / "events.sqlite") as connection:
            rows = connection.execute("SELECT camera, attempt, frame, track_id, place, kind FROM events").fetchall()
        expected = jsonl_keys(out)
    report = {
        "cameras": args.cameras,
        "frames": args.frames,
        "states": {name: camera["state"] for name, camera in status.items()},
        "restarts": {name: [r["reason"] for r in camera["restarts"]] for name, camera in status.items()},
        # (frames, RSS MB) once warm (a tenth of the frames in) and at the last sample
        "rss_mb_warm_last": {
            key: (next((p for p in points if p[0] >= args.frames // 10), points[-1]), points[-1])
            for key, points in memory.items()
        },
        "events_in_database": len(rows),
        "events_duplicated": len(rows) - len(set(rows)),
        "events_missing_from_database": len(expected - set(rows)),
        "events_only_in_database": len(set(rows) - expected),
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
