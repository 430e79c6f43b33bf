"""``tracker track`` with counting lines and zones and output rotation on a synthetic clip
whose motion is known exactly (motfile detector reading the clip's exact boxes)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
import yaml

from tests.conftest import decoded_frames, run_cli
from tests.synthetic import MovingBox, write_clip


@pytest.fixture(scope="module")
def crossing_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crossing")
    # box A walks right across x=160 (bottom at y=120); box B walks left across it lower down
    scene = [MovingBox((10, 40), (2.0, 0), seed=1), MovingBox((270, 130), (-2.0, 0), size=(40, 60), seed=2)]
    write_clip(folder / "walk.avi", scene, frames=120)
    return folder / "walk.avi"


def write_config(folder: Path, output: dict | None = None) -> Path:
    config = {
        "detector": {"name": "motfile"},
        "tracker": {"name": "centroid"},
        "pipeline": {"detect_every": 2},
        "counting": {
            "lines": [
                {"name": "gate", "points": [[160, 0], [160, 239]]},
                {"name": "short", "points": [[160, 0], [160, 60]]},
            ],  # only its extension is crossed
            "zones": [{"name": "middle", "polygon": [[120, 0], [200, 0], [200, 239], [120, 239]]}],
            "min_frames_each_side": 3,
        },
        "output": output or {},
    }
    path = folder / "count.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def track_crossing(folder: Path, clip: Path, output: dict | None = None) -> Path:
    """``tracker track`` on the crossing clip with the counting config; returns the output folder."""
    out = folder / "out"
    result = run_cli(
        "track",
        str(clip),
        "-o",
        str(out),
        "-q",
        "-c",
        str(write_config(folder, output)),
        "--det-file",
        str(clip.parent / "det.txt"),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_track_counts_lines_and_zones(tmp_path: Path, crossing_clip: Path) -> None:
    out = track_crossing(tmp_path, crossing_clip)
    summary = json.loads((out / "summary.json").read_text())
    gate = summary["counts"]["lines"]["gate"]
    # A moves left to right on a line drawn top to bottom: right-hand side is -x, so "out"
    assert (gate["in_total"], gate["out_total"]) == (1, 1)
    assert summary["counts"]["lines"]["short"]["in_total"] + summary["counts"]["lines"]["short"]["out_total"] == 0
    zone = summary["counts"]["zones"]["middle"]
    assert zone["entries_total"] == 2 and zone["exits_total"] == 2 and zone["inside_now"] == 0
    # the 80 px wide zone at 2 px/frame and 25 fps: about 1.6 s inside
    assert 1.2 < zone["dwell_s"]["mean"] < 2.0

    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    kinds = sorted((e["event"], e.get("line") or e.get("zone")) for e in events)
    assert kinds == [("line_crossing", "gate")] * 2 + [("zone_enter", "middle")] * 2 + [("zone_exit", "middle")] * 2
    assert all({"frame", "time_s", "track_id", "class"} <= e.keys() for e in events)
    assert [e["frame"] for e in events] == sorted(e["frame"] for e in events)

    # the counts are drawn: the gate line's amber pixels are in the video
    video = cv2.VideoCapture(str(out / "annotated.mp4"))
    ok, image = video.read()
    assert ok
    b, g, r = (int(v) for v in image[200, 160])
    assert r > 200 and g > 150 and b < 100, (b, g, r)


def test_rotation_by_time_splits_outputs_into_numbered_segments(tmp_path: Path, crossing_clip: Path) -> None:
    # 120 frames at 25 fps = 4.8 s; a segment per 1.2 s (0.02 min) -> 4 segments
    out = track_crossing(tmp_path, crossing_clip, {"rotate_minutes": 0.02})
    summary = json.loads((out / "summary.json").read_text())
    assert summary["output_segments"] == 4
    frames = 0
    for index in range(4):
        count = decoded_frames(out / f"annotated.{index:04d}.mp4")
        assert count == 30
        frames += count
        assert (out / f"tracks.{index:04d}.csv").read_text().startswith("frame,time_s")
    assert frames == 120
    assert not (out / "tracks.txt").exists() and not list(out.glob("*.partial*"))
    events = [json.loads(line) for path in sorted(out.glob("events.*.jsonl")) for line in path.read_text().splitlines()]
    assert len(events) == 6


def test_rotation_by_size(tmp_path: Path, crossing_clip: Path) -> None:
    out = track_crossing(tmp_path, crossing_clip, {"rotate_mb": 0.02})
    segments = sorted(out.glob("annotated.*.mp4"))
    assert len(segments) >= 2
    rows = sum(
        len((out / p.name.replace("annotated", "tracks").replace(".mp4", ".txt")).read_text().splitlines())
        for p in segments
    )
    # every detection shows: the output lag shows each track from its first detection, none lost at a rollover
    assert rows == len((crossing_clip.parent / "det.txt").read_text().splitlines())
