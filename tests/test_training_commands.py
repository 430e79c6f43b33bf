"""Each training command runs one short epoch on a tiny subset of the real data and writes
a model that the detector loads."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from detectors.training.paths import shared_data_dir
from tests.conftest import REPO
from tracker.core.types import Frame

DATA = shared_data_dir()
pytestmark = pytest.mark.skipif(DATA is None, reason="shared data (../shared/data) not found")


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _quick_run(tmp_path: Path, *sets: str) -> list[str]:
    common = ["epochs=1", f"output_dir={tmp_path / 'out'}", f"log_dir={tmp_path / 'runs'}", "export_tflite=false"]
    return [arg for value in (*common, *sets) for arg in ("--set", value)]


def _traffic_frame() -> np.ndarray:
    import cv2

    return cv2.imread(str(sorted((DATA / "train" / "traffic-voc" / "test").glob("*.jpg"))[0]))


def test_train_smallervgg_one_short_epoch(tmp_path):
    from detectors.smallervgg import SmallerVGGDetector

    config = REPO / "configs" / "training" / "train_smallervgg.yaml"
    args = ["--config", str(config), *_quick_run(tmp_path, "subset=6", "batch_size=8", "hard_negative_epochs=1",
                                                          "hard_negative_min_score=0.0", "hard_negative_per_frame=4")]
    assert _script("train_smallervgg").main(args) == 0
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} >= {"smallervgg.keras", "smallervgg.json", "smallervgg_curves.png"}
    assert (tmp_path / "runs" / "smallervgg" / "round2" / "best.keras").is_file()  # after hard negatives
    detector = SmallerVGGDetector(out / "smallervgg.keras", (160, 90), min_score=0.0)
    detections = detector.detect([Frame(0, 0.0, _traffic_frame())])[0]
    assert len(detections) > 0 and set(detections.class_ids) <= set(range(len(detector.class_names)))


def test_train_mobilenet_one_short_epoch(tmp_path):
    from detectors.mobilenet import MobileNetDetector

    config = REPO / "configs" / "training" / "train_mobilenet.yaml"
    args = ["--config", str(config),
            *_quick_run(tmp_path, "subset=2", "batch_size=2", "steps_per_epoch=1", "input_width=128",
                        "input_height=64", "cache_width=256", "train_crop=64")]
    assert _script("train_mobilenet").main(args) == 0
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} >= {"mobilenet.keras", "mobilenet.json", "mobilenet_curves.png"}
    detector = MobileNetDetector(out / "mobilenet.keras", (128, 64), min_score=0.0)
    detections = detector.detect([Frame(0, 0.0, _traffic_frame())])[0]
    assert len(detections) > 0 and detections.class_ids.max() < len(detector.class_names)


def test_bad_training_config_is_one_line_error(tmp_path, capsys):
    config = tmp_path / "bad.yaml"
    config.write_text("epochs: 1\nwidth_multiplier: 2\n")
    assert _script("train_mobilenet").main(["--config", str(config)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {config}: unknown key 'width_multiplier'"
