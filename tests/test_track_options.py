"""``tracker track`` as users of other tools expect it: a default output folder, start-up and
progress messages fit for a log file, ``--classes``, ``--labels`` and ``--realtime``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import REPO, run_cli, start_cli
from tests.test_cli_errors import assert_one_line_error


def write_clip(path: Path, frames: int, fps: float = 25.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for i in range(frames):
        writer.write(np.full((48, 64, 3), (i * 5) % 255, np.uint8))
    writer.release()
    return path


@pytest.fixture()
def clip(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "street cam.avi", 50)


def test_default_output_folder_is_numbered_and_printed(tmp_path: Path, clip: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for expected in ("runs/track/street_cam", "runs/track/street_cam-2"):
        process = start_cli("track", str(clip), "--detector", "motion", "--no-video", "-q", cwd=work)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        assert stderr.rstrip().endswith(f"-> {expected}"), stderr
        assert (work / expected / "tracks.txt").is_file()


def test_output_option_still_wins(tmp_path: Path, clip: Path) -> None:
    out = tmp_path / "mine"
    result = run_cli("track", str(clip), "-o", str(out), "--detector", "motion", "--no-video", "-q")
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert {"tracks_per_class", "tracks_lived_1s_per_class", "track_length_median"} <= summary.keys()
    assert not (REPO / "runs" / "track" / "street_cam").exists()


def test_startup_and_progress_in_a_log_file(tmp_path: Path) -> None:
    """SSDLite loads for seconds: stderr says so first; progress to a file is plain lines."""
    clip = write_clip(tmp_path / "long.avi", 300)
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:
        result = subprocess.run(
            [sys.executable, "-m", "tracker", "track", str(clip), "-o", str(tmp_path / "out"), "--no-video"],
            cwd=REPO,
            stderr=stderr,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )
    text = log.read_text()
    assert result.returncode == 0, text
    lines = text.splitlines()  # TensorFlow's own start-up lines kept off it
    assert lines[0].startswith("loaded detector 'ssdlite' and tracker 'bytetrack' in "), text
    assert lines[0].endswith(" s"), text
    progress = [line for line in lines if line.startswith("tracking: ")]
    assert lines[1] == progress[0], text
    assert progress[-1].startswith("tracking: 300/300 frames (100%)"), text
    assert len(progress) <= 20, text  # every 10% (or 5 s), never one per frame
    assert "\r" not in text and len(text) < 4000


def test_quiet_says_only_the_result(tmp_path: Path, clip: Path) -> None:
    result = run_cli("track", str(clip), "-o", str(tmp_path / "out"), "--detector", "motion", "--no-video", "-q")
    assert result.returncode == 0 and result.stderr.count("\n") == 1, result.stderr


def test_classes_flag(tmp_path: Path, clip: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("track", str(clip), "-o", str(out), "--detector", "hog", "--classes", "person", "--no-video")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "summary.json").read_text())["config"]["detector"]["classes"] == ["person"]


def test_unknown_class_lists_the_detectors_classes(tmp_path: Path, clip: Path) -> None:
    result = run_cli("track", str(clip), "-o", str(tmp_path / "out"), "--detector", "hog", "--classes", "person,car")
    assert_one_line_error(result, "has no class car", "it knows: person")


def test_labels_and_line_width_flags(tmp_path: Path, clip: Path) -> None:
    out = tmp_path / "out"
    flags = ("--labels", "id,score", "--line-width", "3", "--detector", "motion", "-q", "--max-frames", "3")
    result = run_cli("track", str(clip), "-o", str(out), *flags)
    assert result.returncode == 0, result.stderr
    output = json.loads((out / "summary.json").read_text())["config"]["output"]
    assert output["labels"] == ["id", "score"] and output["line_width"] == 3


def test_unknown_label_field(tmp_path: Path, clip: Path) -> None:
    result = run_cli("track", str(clip), "-o", str(tmp_path / "out"), "--labels", "id,colour")
    assert_one_line_error(result, "output.labels")


def test_realtime_paces_a_file_at_its_frame_rate(tmp_path: Path, clip: Path) -> None:
    """50 frames at 25 fps: the last frame is due 1.96 s after the first. The upper bound is
    loose: measured 1.967-2.007 s over 6 runs at load average 9 on the 2-core machine
    (2026-11-30); pacing must not add up lateness."""
    walls = []
    for flag in ("--realtime", None):
        out = tmp_path / f"out{flag}"
        flags = ["--realtime"] if flag else []
        result = run_cli("track", str(clip), "-o", str(out), "--detector", "motion", "--no-video", "-q", *flags)
        assert result.returncode == 0, result.stderr
        walls.append(json.loads((out / "summary.json").read_text())["wall_s"])
    assert 1.95 <= walls[0] <= 2.6, walls
    assert walls[1] < 1.0, walls  # without it, as fast as it decodes


def test_bad_codec_fails_before_the_model_loads(tmp_path: Path, clip: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("track", str(clip), "-o", str(out), "--set", "output.codec=ABCD")
    assert_one_line_error(result, "output.codec", "ABCD")  # no "loaded detector" line: it never started
    assert not out.exists()


def test_busy_port_fails_before_the_model_loads(tmp_path: Path, clip: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("track", str(clip), "-o", str(tmp_path / "out"), "--serve", str(port))
    assert_one_line_error(result, f"cannot listen on 127.0.0.1:{port}")


def test_grid_saves_the_first_frame_with_pixel_coordinates(tmp_path: Path, clip: Path) -> None:
    png = tmp_path / "grid.png"
    result = run_cli("track", str(clip), "--grid", str(png))
    assert result.returncode == 0, result.stderr
    assert "loading" not in result.stderr and not (tmp_path / "runs").exists()  # no model, no run
    grid, first = cv2.imread(str(png)), np.zeros((48, 64, 3), np.uint8)
    assert grid.shape == first.shape
    assert (grid[20:, 50] == (0, 255, 0)).all()  # the line at x=50, below its label
    assert (grid[30:, 10] == first[30:, 10]).all()  # off the lines and labels: the frame itself
