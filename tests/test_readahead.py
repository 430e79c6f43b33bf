"""Decoding ahead on a reader thread: frames come out in order and unchanged, a stop mid-run
stops the reader and closes the source, and a reader error reaches the consumer (and the CLI
user as one error line, with the frames before it written)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_cli
from tests.synthetic import MovingBox, write_clip, write_image_folder
from tracker.builder import build_pipeline
from tracker.capture import ImageFolderSource, VideoCaptureSource
from tracker.config import load_settings
from tracker.core.errors import UserError
from tracker.readahead import ReadAheadSource


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "walk.avi"
    write_clip(path, [MovingBox((10, 40), (1.5, 0), seed=1), MovingBox((250, 120), (-1.0, 0.2), seed=2)], frames=60)
    return path


def test_frames_come_out_in_order_and_unchanged(clip: Path) -> None:
    with VideoCaptureSource(clip) as plain:
        expected = [(frame.index, frame.time_s, frame.image) for frame in plain]
    with ReadAheadSource(VideoCaptureSource(clip), depth=2) as ahead:  # a small queue: the reader waits often
        got = [(frame.index, frame.time_s, frame.image) for frame in ahead]
        assert ahead.stats()["frames_read"] == len(expected)
    assert [g[:2] for g in got] == [e[:2] for e in expected]
    assert all(np.array_equal(g[2], e[2]) for g, e in zip(got, expected))


def test_close_mid_run_stops_the_reader_then_closes_the_source(clip: Path) -> None:
    source = VideoCaptureSource(clip)
    ahead = ReadAheadSource(source, depth=2)
    frames = iter(ahead)
    assert [next(frames).index for _ in range(3)] == [0, 1, 2]
    ahead.close()
    ahead.close()  # idempotent
    assert not any(thread.name == "frame-reader" and thread.is_alive() for thread in threading.enumerate())
    assert not source._capture.isOpened()


def test_a_reader_error_is_raised_where_its_frame_would_have_come(tmp_path: Path) -> None:
    with ReadAheadSource(ImageFolderSource(write_image_folder(tmp_path / "frames", 6, broken=3))) as ahead:
        seen = []
        with pytest.raises(UserError, match="cannot read image"):
            for frame in ahead:
                seen.append(frame.index)
    assert seen == [0, 1, 2]


def test_build_pipeline_reads_files_ahead_and_keeps_the_order(clip: Path) -> None:
    settings = load_settings("default", {"detector.name": "motfile", "detector.det_file": str(clip.parent / "det.txt")})
    with build_pipeline(settings, str(clip), draw=False) as pipeline:
        assert isinstance(pipeline.source, ReadAheadSource)
        assert [result.frame.index for result in pipeline] == list(range(60))


def test_a_reader_error_mid_run_is_one_error_line_and_the_frames_before_it_are_written(tmp_path: Path) -> None:
    frames = write_image_folder(tmp_path / "frames", 30, broken=20)
    out = tmp_path / "out"
    result = run_cli("track", str(frames), "-o", str(out), "--detector", "motion", "-q", "--no-video")
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "cannot read image" in lines[0], result.stderr
    assert '"frames": 20' in (out / "summary.json").read_text()


def test_frames_decoded_ahead_but_never_processed_are_not_counted_as_read(tmp_path: Path, clip: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(
        "track", str(clip), "-o", str(out), "--detector", "motion", "-q", "--no-video", "--max-frames", "10"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"] == 10 and summary["source"]["frames_read"] == 10, summary["source"]
