"""Ctrl-C or SIGTERM mid-run: the outputs stay valid up to the last processed frame."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import decoded_frames, start_cli
from tests.synthetic import MovingBox, write_clip


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clip")
    scene = [MovingBox((10, 40), (0.3, 0), seed=1), MovingBox((250, 120), (-0.3, 0.05), seed=2)]
    write_clip(folder / "walk.avi", scene, frames=600)
    return folder / "walk.avi"


def rows_in(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_mid_run_leaves_valid_outputs(tmp_path: Path, long_clip: Path, signum: int) -> None:
    out = tmp_path / "out"
    # --tracker dlib keeps each frame slow enough (~ms) to be stopped half-way.
    process = start_cli(
        "track",
        str(long_clip),
        "-o",
        str(out),
        "-q",
        "--detector",
        "motfile",
        "--det-file",
        str(long_clip.parent / "det.txt"),
        "--tracker",
        "dlib",
        "--detect-every",
        "5",
    )
    deadline = time.time() + 60
    while rows_in(out / "tracks.txt") < 100 and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr

    summary = json.loads((out / "summary.json").read_text())
    assert summary["stopped_by"] == "interrupt"
    frames = summary["frames"]
    assert 0 < frames < 600

    rows = np.loadtxt(out / "tracks.txt", delimiter=",", ndmin=2)
    assert rows.shape[1] == 10 and rows[:, 0].max() <= frames
    csv_lines = (out / "tracks.csv").read_text().splitlines()
    assert len(csv_lines) == len(rows) + 1

    assert decoded_frames(out / "annotated.mp4") == frames
    assert not list(out.glob("*.partial*"))
