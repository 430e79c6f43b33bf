"""Shared fixtures: the real data in ../shared/data (skip when absent) and CLI helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from detectors.training.paths import shared_data_dir

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = shared_data_dir()  # None when absent: tests that need it skip


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if SHARED_DATA is None:
        pytest.skip("real data not found in ../shared/data (see its README.md)")
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
    if not (sequence / "img1").is_dir():
        pytest.skip(f"MOT clip not found: {sequence}")
    return sequence


def run_cli(*args: str, timeout: float = 600, **popen: object) -> subprocess.CompletedProcess:
    """Run ``python -m tracker ARGS`` as a user would, from the repository root."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, **popen)
