"""scripts/soak.py runs the whole pipeline on a looped scene and reports memory; a short run
here checks it works and that memory does not climb (the 20,000-frame figures are in its output)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_short_soak_memory_stays_flat() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/soak.py", "--frames", "400", "--every", "100", "--baseline", "100"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    summary, growth = result.stdout.strip().splitlines()[-2:]
    assert growth.split()[0] == "rss_growth_mb" and float(growth.split()[1]) < 15, result.stdout
    assert int(summary.split("crossings")[1].split()[0]) > 0, summary
