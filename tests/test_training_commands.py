"""Each training command runs one short epoch on a tiny subset of the real data and writes
a trained model (the best checkpoint, moved away from its initial weights), its metadata, its
curves and TensorBoard logs, and a model that the detector loads."""

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.conftest import REPO, require
from tracker.cli import main
from tracker.core.types import Frame


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _quick_run(tmp_path: Path, *sets: str) -> list[str]:
    common = ["epochs=1", f"output_dir={tmp_path / 'out'}", f"log_dir={tmp_path / 'runs'}", "export_tflite=false"]
    return [arg for value in (*common, *sets) for arg in ("--set", value)]


def _traffic_frame(shared_data: Path) -> np.ndarray:
    return cv2.imread(str(min((shared_data / "train" / "traffic-voc" / "test").glob("*.jpg"))))


def _weights(path: Path) -> list[np.ndarray]:
    return keras.models.load_model(path, compile=False).get_weights()


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def _epochs_logged(run_dir: Path) -> int:
    """Epochs whose training loss TensorBoard logged under ``run_dir``."""
    events = EventAccumulator(str(run_dir / "tensorboard" / "train"))
    events.Reload()
    return len(events.Tensors("epoch_loss"))


def _curves_panels(png: Path) -> int:
    """Panels in a curves PNG (save_curves: one 5x3.5 inch panel per metric, 80 dpi)."""
    image = cv2.imread(str(png))
    assert image is not None and image.shape[0] == 280 and image.shape[1] % 400 == 0, png
    return image.shape[1] // 400


def test_train_smallervgg_one_short_epoch(tmp_path, shared_data):
    from detectors.nets import smaller_vgg
    from detectors.smallervgg import SmallerVGGDetector
    from detectors.training.patches import PATCH_CLASSES

    config = REPO / "configs" / "training" / "train_smallervgg.yaml"
    args = [
        "--config",
        str(config),
        *_quick_run(
            tmp_path,
            "subset=6",
            "batch_size=8",
            "hard_negative_epochs=1",
            "hard_negative_min_score=0.0",
            "hard_negative_per_frame=4",
        ),
    ]
    assert _script("train_smallervgg").main(args) == 0
    out, runs = tmp_path / "out", tmp_path / "runs" / "smallervgg"
    assert {p.name for p in out.iterdir()} == {"smallervgg.keras", "smallervgg.json", "smallervgg_curves.png"}
    metadata = json.loads((out / "smallervgg.json").read_text())
    assert metadata["classes"] == list(PATCH_CLASSES) and metadata["patch_size"] == 32
    assert metadata["trained_with"]["epochs"] == metadata["trained_with"]["hard_negative_epochs"] == 1
    assert _epochs_logged(runs / "round1") == _epochs_logged(runs / "round2") == 1
    assert _curves_panels(out / "smallervgg_curves.png") == 2  # loss, accuracy

    # Exported: round 2's best checkpoint, trained on from round 1, itself trained from the seeded start.
    exported, round1 = _weights(out / "smallervgg.keras"), _weights(runs / "round1" / "best.keras")
    keras.utils.set_random_seed(7)  # the config's seed, as the script sets it before building
    initial = smaller_vgg(32, len(PATCH_CLASSES)).get_weights()
    assert _same(exported, _weights(runs / "round2" / "best.keras"))
    assert not _same(exported, round1) and not _same(round1, initial)

    detector = SmallerVGGDetector(out / "smallervgg.keras", (160, 90), min_score=0.0)
    assert detector.class_names == ("person", "car", "motorcycle", "truck")
    detections = detector.detect([Frame(0, 0.0, _traffic_frame(shared_data))])[0]
    assert len(detections) > 0


def test_train_mobilenet_one_short_epoch(tmp_path, shared_data):
    """One step from SSDLite's backbone: the frozen blocks keep the graph's weights exactly,
    every trained weight moves by at most one Adam step (the learning rate)."""
    from detectors.mobilenet import MobileNetDetector
    from detectors.nets import mobilenet_centernet
    from detectors.ssdlite_graph import find_graph
    from detectors.training.ssdlite_backbone import load_into
    from detectors.training.train_mobilenet import is_frozen

    config = REPO / "configs" / "training" / "train_mobilenet.yaml"
    args = [
        "train",
        str(config),
        *_quick_run(
            tmp_path,
            "subset=2",
            "batch_size=2",
            "steps_per_epoch=1",
            "input_width=128",
            "input_height=64",
            "train_crop=64",
            "warmup_steps=0",
            "learning_rate=0.001",
        ),
    ]
    assert main(args) == 0  # `tracker train CONFIG --set ...`
    out, runs = tmp_path / "out", tmp_path / "runs" / "mobilenet"
    assert {p.name for p in out.iterdir()} == {"mobilenet.keras", "mobilenet.json", "mobilenet_curves.png"}
    metadata = json.loads((out / "mobilenet.json").read_text())
    assert metadata["classes"] == ["car", "bus", "truck", "motorcycle", "bicycle", "person"]
    assert (metadata["input_width"], metadata["input_height"], metadata["output_stride"]) == (128, 64, 8)
    assert metadata["trained_with"]["epochs"] == 1
    assert _epochs_logged(runs) == 1
    assert _curves_panels(out / "mobilenet_curves.png") == 1  # loss
    assert set(json.loads((runs / "history.json").read_text())) == {"loss", "val_loss"}

    exported = _weights(out / "mobilenet.keras")
    assert _same(exported, _weights(runs / "best.keras"))
    keras.utils.set_random_seed(7)  # the config's seed, as the trainer sets it before building
    initial = mobilenet_centernet(None, None, 6, 1.0, 64, 8)
    load_into(initial, find_graph())
    trained = keras.models.load_model(out / "mobilenet.keras", compile=False)
    frozen = [layer.name for layer in initial.layers if is_frozen(layer.name, 6) and layer.get_weights()]
    assert len(frozen) == 36  # stem (2), block 0 (4: depthwise, project), blocks 1-5 (6 each: + expand)
    for name in frozen:
        assert _same(trained.get_layer(name).get_weights(), initial.get_layer(name).get_weights()), name
    moved = [  # layers in the same order in both (only the backbone's names are fixed)
        np.abs(t.numpy() - i.numpy()).max()
        for trained_layer, layer in zip(trained.layers, initial.layers, strict=True)
        if not is_frozen(layer.name, 6)
        for t, i in zip(trained_layer.trainable_weights, layer.trainable_weights, strict=True)
    ]
    assert moved and 0 < max(moved) <= 0.001 * 1.001

    detector = MobileNetDetector(out / "mobilenet.keras", min_score=0.0)
    assert detector.class_names == tuple(metadata["classes"]) and detector.input_size == (128, 64)
    detections = detector.detect([Frame(0, 0.0, _traffic_frame(shared_data))])[0]
    assert len(detections) > 0


def test_tracker_train_refuses_a_config_of_no_model_we_train(tmp_path, capsys):
    config = tmp_path / "odd.yaml"
    config.write_text("name: yolo\nepochs: 1\n")
    assert main(["train", str(config)]) == 2
    assert capsys.readouterr().err.strip().startswith(f"error: {config}: name 'yolo' is not a model we train")


def test_bad_training_config_is_one_line_error(tmp_path, capsys):
    config = tmp_path / "bad.yaml"
    config.write_text("epochs: 1\nwidth_multiplier: 2\n")
    assert _script("train_mobilenet").main(["--config", str(config)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {config}: unknown key 'width_multiplier'"


@pytest.fixture(scope="module")
def gpu_pack(shared_data, tmp_path_factory) -> Path:
    """``scripts/prepare_gpu_training.py`` on the first 3 images of each split."""
    pack = tmp_path_factory.mktemp("gpu") / "pack"
    assert _script("prepare_gpu_training").main([str(pack), "--max-images", "3"]) == 0
    return pack


def _gpu_recipe_run(tmp_path: Path, pack: Path) -> list[str]:
    config = REPO / "configs" / "training" / "train_mobilenet_gpu.yaml"
    sets = (f"init_weights={pack / 'ssdlite_init.keras'}", "batch_size=2", "steps_per_epoch=1", "data_workers=0")
    return ["train", str(config), *_quick_run(tmp_path, *sets, "train_crop=64")]


def test_the_packed_copy_is_the_data_at_the_network_scale(gpu_pack):
    from detectors.ssdlite_graph import find_graph
    from detectors.training.ssdlite_backbone import backbone_weights

    with (gpu_pack / "train" / "detection" / "annotations.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {row["split"] for row in rows} == {"train", "val"} and len({row["image"] for row in rows}) == 6
    for row in rows:
        assert cv2.imread(str(gpu_pack / "train" / "detection" / row["image"])).shape == (288, 512, 3)
        if row["class"]:
            assert 0 <= float(row["x1"]) < float(row["x2"]) <= 512 and 0 <= float(row["y1"]) < float(row["y2"]) <= 288
    initial = keras.models.load_model(gpu_pack / "ssdlite_init.keras", compile=False)
    assert _same(initial.get_layer("block_5_expand").get_weights(), backbone_weights(find_graph())["block_5_expand"])


def test_gpu_recipe_trains_from_the_packed_copy_and_converts_here(tmp_path, shared_data, gpu_pack, monkeypatch, capsys):
    """The GPU path on this CPU: train the GPU config on the packed copy alone, convert here."""
    from detectors.mobilenet import MobileNetDetector

    monkeypatch.setenv("TRACKER_SHARED_DATA", str(gpu_pack))
    assert main(_gpu_recipe_run(tmp_path, gpu_pack)) == 0
    assert "3 training images" in capsys.readouterr().out
    trained = tmp_path / "out" / "mobilenet.keras"
    assert not (tmp_path / "out" / "mobilenet.tflite").exists()
    assert (tmp_path / "runs" / "mobilenet" / "epochs.csv").read_text().startswith("epoch,")
    assert _script("export_tflite").main([str(trained)]) == 0
    detector = MobileNetDetector(trained.with_suffix(".tflite"), min_score=0.0)
    assert detector.input_size == (512, 288)
    assert len(detector.detect([Frame(0, 0.0, _traffic_frame(shared_data))])[0]) > 0


def test_mobilenet_trains_on_keras_jax_backend(tmp_path, gpu_pack):
    """As on the GPU machine: KERAS_BACKEND=jax; the result loads here and has moved."""
    require(importlib.util.find_spec("jax") is not None, "jax not installed (pip install -e '.[dev]')")
    env = {**os.environ, "KERAS_BACKEND": "jax", "TRACKER_SHARED_DATA": str(gpu_pack), "JAX_PLATFORMS": "cpu"}
    result = subprocess.run(
        [sys.executable, "-m", "tracker", *_gpu_recipe_run(tmp_path, gpu_pack)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "3 training images" in result.stdout and "Keras backend: jax" in result.stdout
    trained = _weights(tmp_path / "out" / "mobilenet.keras")
    initial = _weights(gpu_pack / "ssdlite_init.keras")
    assert len(trained) == len(initial) and not _same(trained, initial)


def test_export_refuses_what_is_not_a_keras_model(tmp_path, capsys):
    assert _script("export_tflite").main([str(tmp_path / "missing.keras")]) == 2
    assert capsys.readouterr().err.strip() == f"error: not a .keras file: {tmp_path / 'missing.keras'}"


def test_a_keras_backend_that_is_not_installed_is_one_line_error(monkeypatch, capsys):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed here: the error cannot occur")
    config = REPO / "configs" / "training" / "train_mobilenet_gpu.yaml"
    assert main(["train", str(config)]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: training on Keras' torch backend needs torch: pip install -e '.[train]'"
    )
