"""``tracker monitor`` and ``tracker events`` on synthetic clips whose crossings are known exactly
(motfile detector reading each clip's exact boxes): several cameras at once, a worker killed and
restarted, a clean stop, the events database against each camera's ``events.jsonl``, bad files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import decoded_frames, run_cli, start_cli
from tests.synthetic import MovingBox, write_clip

COUNTING = {
    "lines": [{"name": "gate", "points": [[160, 0], [160, 239]]}],
    "zones": [{"name": "middle", "polygon": [[120, 0], [200, 0], [200, 239], [120, 239]]}],
    "min_frames_each_side": 3,
}
NOT_A_DATABASE = b"not a database, but long enough to be read as one " * 100


def make_clip(folder: Path, frames: int, speed: float) -> Path:
    """Two boxes crossing x=160 in opposite directions, again and again on long clips."""
    folder.mkdir(parents=True, exist_ok=True)
    scene = [MovingBox((10, 40), (speed, 0), seed=1), MovingBox((270, 130), (-speed, 0), size=(40, 60), seed=2)]
    write_clip(folder / "walk.avi", scene, frames=frames)
    return folder / "walk.avi"


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("short"), frames=120, speed=2.0)


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("long"), frames=240, speed=2.0)


def camera(name: str, clip: Path, **extra: Any) -> dict[str, Any]:
    overrides = {"detector": {"name": "motfile", "det_file": str(clip.parent / "det.txt")}, "counting": COUNTING}
    return {"name": name, "source": str(clip), "overrides": {**overrides, **extra.pop("overrides", {})}, **extra}


def write_cameras(folder: Path, cameras: list[dict[str, Any]]) -> Path:
    path = folder / "cameras.yaml"
    path.write_text(yaml.safe_dump({"cameras": cameras}))
    return path


def jsonl_events(out: Path, name: str) -> set[tuple]:
    lines = (out / name / "events.jsonl").read_text().splitlines()
    return {
        (name, e["frame"], e["track_id"], e["class"], e["event"], e.get("line") or e.get("zone"), e.get("direction"))
        for e in map(json.loads, lines)
    }


def database_events(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "events.sqlite") as connection:
        return connection.execute(
            "SELECT camera, frame, track_id, class, kind, place, direction FROM events"
        ).fetchall()


def status(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / "monitor.json").read_text())
    except (OSError, ValueError):
        return {"cameras": {}}


def wait_for(predicate: Any, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.1)


def test_three_cameras_write_what_track_writes_and_every_event_once(tmp_path: Path, short_clip: Path) -> None:
    cameras = [camera(f"cam{i}", short_clip, overrides={"tracker.name": "centroid"}) for i in range(3)]
    out = tmp_path / "out"
    result = run_cli("monitor", str(write_cameras(tmp_path, cameras)), "-o", str(out), timeout=300)
    assert result.returncode == 0, result.stderr

    single = tmp_path / "single"
    config = tmp_path / "single.yaml"
    config.write_text(yaml.safe_dump({"tracker": {"name": "centroid"}, "counting": COUNTING}))
    track = run_cli(
        "track",
        str(short_clip),
        "-o",
        str(single),
        "-q",
        "-c",
        str(config),
        "--detector",
        "motfile",
        "--det-file",
        str(short_clip.parent / "det.txt"),
    )
    assert track.returncode == 0, track.stderr
    for name in ("cam0", "cam1", "cam2"):
        assert (out / name / "tracks.txt").read_text() == (single / "tracks.txt").read_text()
        assert (out / name / "events.jsonl").read_text() == (single / "events.jsonl").read_text()
        assert decoded_frames(out / name / "annotated.mp4") == 120
        assert json.loads((out / name / "summary.json").read_text())["stopped_by"] == "end_of_source"
    rows = database_events(out)
    assert len(rows) == len(set(rows)) == 18  # per camera: 2 crossings, 2 zone entries, 2 exits
    assert set(rows) == set().union(*(jsonl_events(out, f"cam{i}") for i in range(3)))
    assert {c["state"] for c in status(out)["cameras"].values()} == {"ended"}
    again = run_cli("monitor", str(tmp_path / "cameras.yaml"), "-o", str(out))
    assert again.returncode == 2
    assert (
        again.stderr
        == f"error: {out} already holds outputs of camera cam0, cam1, cam2; use --overwrite or another -o\n"
    )

    table = run_cli("events", str(out), "--every", "1d", "--csv", "--camera", "cam1")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "start,end,camera,place,event,class,count"
    assert [line.split(",")[2:] for line in lines[1:]] == [
        ["cam1", "gate", "in", "person", "1"],
        ["cam1", "gate", "out", "person", "1"],
        ["cam1", "middle", "enter", "person", "2"],
        ["cam1", "middle", "exit", "person", "2"],
    ]
    assert run_cli("events", str(out), "--class", "car").stdout.splitlines() == [
        "start  end  camera  place  event  class  count"
    ]


def test_a_killed_worker_is_restarted_and_its_events_are_stored_once(tmp_path: Path, long_clip: Path) -> None:
    # the victim reads its file at 25 fps (realtime), so it is still running when it is killed,
    # however fast the machine decodes and tracks
    victim = camera("victim", long_clip, overrides={"tracker.name": "dlib"}, realtime=True)
    cameras = [victim, camera("bystander", long_clip)]
    out = tmp_path / "out"
    process = start_cli("monitor", str(write_cameras(tmp_path, cameras)), "-o", str(out))
    wait_for(lambda: status(out)["cameras"].get("victim", {}).get("frames", 0) >= 100 or process.poll() is not None)
    assert status(out)["cameras"]["victim"]["frames"] < 200, "the victim was not paced"
    assert process.poll() is None, "the run ended before the kill"
    stored = [row for row in database_events(out) if row[0] == "victim"]
    assert len(stored) == 6  # all of the victim's events are in already: its restart counts them again
    os.kill(status(out)["cameras"]["victim"]["pid"], signal.SIGKILL)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr

    final = status(out)["cameras"]
    victim, bystander = final["victim"], final["bystander"]
    assert victim["state"] == bystander["state"] == "ended"
    assert [r["reason"] for r in victim["restarts"]] == ["killed by signal 9"]
    assert victim["attempt"] == 1 and bystander["restarts"] == []
    assert json.loads((out / "victim" / "summary.json").read_text())["frames"] == 240
    rows = database_events(out)
    assert len(rows) == len(set(rows))
    assert set(rows) == jsonl_events(out, "victim") | jsonl_events(out, "bystander")
    assert len(jsonl_events(out, "victim")) == 6


def test_sigterm_stops_every_camera_with_valid_outputs(tmp_path: Path, long_clip: Path) -> None:
    cameras = [camera(f"cam{i}", long_clip, overrides={"tracker.name": "dlib"}, realtime=True) for i in range(2)]
    out = tmp_path / "out"
    process = start_cli("monitor", str(write_cameras(tmp_path, cameras)), "-o", str(out))
    wait_for(lambda: all(c["frames"] >= 30 for c in status(out)["cameras"].values()) and len(status(out)["cameras"]))
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    for name in ("cam0", "cam1"):
        summary = json.loads((out / name / "summary.json").read_text())
        assert summary["stopped_by"] == "interrupt" and 0 < summary["frames"] < 240
        assert decoded_frames(out / name / "annotated.mp4") == summary["frames"]
        assert status(out)["cameras"][name]["state"] == "stopped"


@pytest.mark.parametrize(
    ("cameras", "message"),
    [
        ([{"name": "a", "source": "CLIP", "colour": "red"}], "unknown key 'cameras.0.colour'"),
        ([{"name": "a", "source": "CLIP"}, {"name": "a", "source": "CLIP"}], "duplicate camera name 'a'"),
        ([{"name": "a/b", "source": "CLIP"}], "cameras.0.name: must be"),
        ([{"name": "a", "source": "missing.avi"}], "camera 'a': source not found"),
        ([{"name": "a", "source": "CLIP", "overrides": {"tracker.max_dissapeared": 5}}], "camera 'a': overrides:"),
        ([{"name": "a", "source": "CLIP", "config": "no-such-config"}], "camera 'a': config 'no-such-config'"),
        ([], "cameras: List should have at least 1 item"),
    ],
)
def test_bad_camera_files_are_one_error_naming_the_file(
    tmp_path: Path, short_clip: Path, cameras: list[dict[str, Any]], message: str
) -> None:
    for entry in cameras:
        entry["source"] = entry["source"].replace("CLIP", str(short_clip))
    path = write_cameras(tmp_path, cameras)
    result = run_cli("monitor", str(path), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}: ") and len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_monitor_refuses_a_corrupt_events_database(tmp_path: Path, short_clip: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "events.sqlite").write_bytes(NOT_A_DATABASE)
    result = run_cli("monitor", str(write_cameras(tmp_path, [camera("a", short_clip)])), "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot use the events database {out / 'events.sqlite'}: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--every", "15x"], "interval '15x'"),
        (["--since", "yesterday"], "time 'yesterday'"),
        ([], "no events database"),
        ([], "not a database"),
    ],
)
def test_events_refuses_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    if message == "not a database":
        (tmp_path / "events.sqlite").write_bytes(NOT_A_DATABASE)
    result = run_cli("events", str(tmp_path), *args)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1
