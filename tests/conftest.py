"""Shared fixtures: the real data in ../shared/data (skip when absent) and CLI helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = next((p for p in (REPO.parent / "shared" / "data", Path("/work/shared/data")) if p.is_dir()),
                   REPO.parent / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (see ../shared/data/README.md)")
    return SHARED_DATA


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
