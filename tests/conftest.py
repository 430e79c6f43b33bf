"""Shared fixtures: the real data in ../shared/data, ``require`` (skip locally, fail under
CI=true) for everything a test needs from outside the repository, and CLI helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.training.paths import shared_data_dir

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = shared_data_dir()  # None when absent: tests that need it go through require()
# .ci/run sets CI=true and provides the shared data, chromium, Ray and the demo clip.
CI = os.environ.get("CI", "").lower() == "true"


def require(present: bool, missing: str) -> None:
    """The one gate for what a test needs from outside the repository: when it is not
    ``present``, skip with ``missing`` as the reason locally, but fail under CI=true, where
    a missing piece is a broken setup and a skip would hide the test."""
    if present:
        return
    if CI:
        pytest.fail(f"CI=true but {missing}", pytrace=False)
    pytest.skip(missing)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    require(SHARED_DATA is not None, "real data not found in ../shared/data (see its README.md)")
    return SHARED_DATA


def decoded_frames(video_path: Path) -> int:
    """How many frames OpenCV can decode from ``video_path`` (a finalised, playable file)."""
    video = cv2.VideoCapture(str(video_path))
    count = 0
    while video.read()[0]:
        count += 1
    video.release()
    return count


@pytest.fixture(scope="session")
def tud_campus(shared_data: Path) -> Path:
    sequence = shared_data / "mot" / "TUD-Campus"
    require((sequence / "img1").is_dir(), f"MOT clip not found: {sequence}")
    return sequence


def run_cli(*args: str, timeout: float = 600, **popen: object) -> subprocess.CompletedProcess:
    """Run ``python -m tracker ARGS`` as a user would, from the repository root."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        **popen,
    )


def start_cli(*args: str, **popen: object) -> subprocess.Popen:
    """Start ``python -m tracker ARGS`` from the repository root, stdout and stderr piped as text
    (for runs a test stops or watches while they go)."""
    options: dict = {"cwd": REPO, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
    return subprocess.Popen([sys.executable, "-m", "tracker", *args], **options)


@pytest.fixture()
def tiny_clip(tmp_path: Path) -> Path:
    """A 5-frame 64x48 MJPG clip."""
    path = tmp_path / "tiny.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for i in range(5):
        writer.write(np.full((48, 64, 3), i * 40, np.uint8))
    writer.release()
    return path


def announced_url(process: subprocess.Popen, marker: str) -> str:
    """Read ``process``'s stderr up to the line ``... MARKER URL`` and return the URL."""
    line = ""
    while marker not in line:
        line = process.stderr.readline()
        assert line, f"the run ended before announcing '{marker}'"
    return line.split(marker)[1].strip()
