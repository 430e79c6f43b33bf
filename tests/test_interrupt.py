"""Ctrl-C or SIGTERM mid-run, once or many times: the outputs stay valid and all end on the
last processed frame."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import decoded_frames, start_cli
from tests.synthetic import MovingBox, write_clip
from tracker.builder import build_pipeline
from tracker.config import load_settings
from tracker.core.protocols import FrameResult
from tracker.interrupts import STOP
from tracker.outputs.threaded import ThreadedSink
from tracker.outputs.track_files import MOTSink
from tracker.outputs.video import VideoSink


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
    # --realtime reads the clip at its 25 fps, so the run is still going when the signal comes on
    # any machine; --tracker dlib keeps each frame busy for a few ms as well.
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
        "--realtime",
    )
    deadline = time.time() + 60
    while rows_in(out / "tracks.txt") < 100 and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(signum)
    while process.poll() is None and time.time() < deadline:  # more signals, late ones too, until it exits
        time.sleep(0.02)
        process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    name = signal.Signals(signum).name
    assert f"stopped by {name} after" in stderr

    summary = json.loads((out / "summary.json").read_text())
    assert (summary["stopped_by"], summary["signal"]) == ("interrupt", name)
    frames = summary["frames"]
    assert 0 < frames < 600

    rows = np.loadtxt(out / "tracks.txt", delimiter=",", ndmin=2)
    assert rows.shape[1] == 10 and rows[:, 0].max() <= frames
    csv_lines = (out / "tracks.csv").read_text().splitlines()
    assert len(csv_lines) == len(rows) + 1

    assert decoded_frames(out / "annotated.mp4") == frames
    assert not list(out.glob("*.partial*"))


class _SignalsAt:
    """A sink that sends this process SIGINT twice when it gets frame ``at``, again with the
    next frame (the outputs' lag holds it back: it comes in the flush), and when it is closed."""

    wants_image = False

    def __init__(self, at: int) -> None:
        self.at = at
        self.indices: list[int] = []

    def write(self, result: FrameResult) -> None:
        self.indices.append(result.frame.index)
        if result.frame.index == self.at:
            os.kill(os.getpid(), signal.SIGINT)
        if result.frame.index in (self.at, self.at + 1):
            os.kill(os.getpid(), signal.SIGINT)

    def close(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)


def test_signals_close_together_still_end_every_output_on_the_same_frame(tmp_path: Path, long_clip: Path) -> None:
    settings = load_settings(None, {"detector.name": "motfile", "detector.det_file": str(long_clip.parent / "det.txt")})
    signals = _SignalsAt(at=40)
    mot, video = MOTSink(tmp_path / "tracks.txt"), VideoSink(tmp_path / "annotated.mp4", 25.0)
    with build_pipeline(settings, str(long_clip)) as pipeline, STOP.installed():
        assert pipeline.lag_frames >= 1
        stats = pipeline.run([signals, mot, ThreadedSink(video)], progress=False)
    assert (stats.stopped_by, stats.signal) == ("interrupt", "SIGINT")
    assert stats.frames == 41 + pipeline.lag_frames  # the frame being processed when it came
    assert signals.indices == list(range(stats.frames))
    rows = np.loadtxt(tmp_path / "tracks.txt", delimiter=",", ndmin=2)
    assert rows[:, 0].max() == stats.frames
    assert decoded_frames(tmp_path / "annotated.mp4") == stats.frames
