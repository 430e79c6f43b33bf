"""scripts/dlib_filter_size.py checks its arguments before it downloads or compiles anything
(the download and the 40-s build are measured by hand: docs/speed.md, "dlib's filter size")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "dlib_filter_size.py"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--filter", "48", "--", "-c", "pass"], "48 is not a power of two"),
        (["--levels", "1", "--", "-c", "pass"], "1 is not a power of two"),
        ([], "give the command to run after --"),
    ],
)
def test_bad_arguments_get_one_error_line_and_touch_nothing(tmp_path: Path, arguments: list[str], message: str) -> None:
    cache = tmp_path / "cache"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--cache", str(cache), *arguments], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert not cache.exists()
