"""A full disk: one error line and exit 1, the track files valid up to their last whole frame,
the video either playable under its name or left under its ``.partial`` name, and a
summary.json that says how the run ended (or a line saying it could not be written)."""

from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, decoded_frames, require, run_cli
from tests.synthetic import MovingBox, write_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clip")
    scene = [MovingBox((10, 40), (0.3, 0), seed=1), MovingBox((250, 120), (-0.3, 0.05), seed=2)]
    write_clip(folder / "walk.avi", scene, frames=400)
    return folder / "walk.avi"


def assert_outputs_valid_after_a_write_error(out: Path, stderr: str, returncode: int) -> dict:
    assert returncode == 1, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot write"), stderr
    text = (out / "tracks.txt").read_text()
    assert text == "" or text.endswith("\n")  # whole rows only
    rows = np.loadtxt(out / "tracks.txt", delimiter=",", ndmin=2) if text else np.zeros((0, 10))
    assert rows.shape[1] == 10
    assert (out / "tracks.csv").read_bytes().endswith(b"\r\n")  # whole rows only
    with (out / "tracks.csv").open(newline="") as file:
        assert all(len(row) == 11 for row in csv.reader(file))
    if (out / "annotated.mp4").exists():
        assert decoded_frames(out / "annotated.mp4") > 0
    summary_path = out / "summary.json"
    if not summary_path.exists():
        assert "summary.json" in lines[0]
        return {}
    summary = json.loads(summary_path.read_text())
    assert summary["stopped_by"] == "error" and summary["error"]
    return summary


def limit_file_size(max_bytes: int) -> Callable[[], None]:
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return limit


@pytest.mark.parametrize("video", ["h264", "mp4v", "none"])
def test_a_write_that_fails_mid_run(tmp_path: Path, clip: Path, video: str) -> None:
    """Files may not grow past 30 kB (RLIMIT_FSIZE): the first output to reach it fails to write,
    as on a full disk."""
    out = tmp_path / "out"
    flags = ["--no-video"] if video == "none" else ["--set", f"output.codec={video}"]
    result = run_cli(
        "track", str(clip), "-o", str(out), "-q", "--detector", "motfile", "--det-file", str(clip.parent / "det.txt"),
        *flags, preexec_fn=limit_file_size(30_000),
    )  # fmt: skip
    summary = assert_outputs_valid_after_a_write_error(out, result.stderr, result.returncode)
    assert "File too large" in summary["error"]
    assert 0 < summary["frames"] < 400


@pytest.fixture()
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs (needs root and permission to mount)."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = shutil.which("mount") is not None and os.geteuid() == 0
    if mounted:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)]).returncode == 0
    require(mounted, "cannot mount a tmpfs here (needs root)")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk(tmpfs: Path) -> None:
    video = REPO / "videos" / "vtest.avi"
    require(video.is_file(), "videos/vtest.avi missing: run scripts/fetch_videos.py")
    out = tmpfs / "out"
    result = run_cli("track", str(video), "-o", str(out), "-q", "--detector", "motion", "--max-frames", "400")
    assert_outputs_valid_after_a_write_error(out, result.stderr, result.returncode)
    assert "No space left on device" in result.stderr
