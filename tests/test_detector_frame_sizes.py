"""Every detector copes with frames smaller than it can use: no crash, no boxes outside the
frame, and at most one warning line for a whole run of frames it cannot scan.

``detect()`` runs in a subprocess, so that a crash in native code (OpenCV's HOG once wrote
past its buffers on frames smaller than its 64x128 window) fails the test instead of
killing pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import REPO, decoded_frames, run_cli
from tracker.core.errors import UserError

TINY_SIZES = [(1, 1), (100, 50), (64, 64)]  # width, height

# Python lines that leave the detector under test in ``detector``; ``det_file`` is a path.
BUILDERS = {
    "hog": "from detectors.hog import HOGDetector\ndetector = HOGDetector()",
    "motion": "from detectors.motion import MotionDetector\ndetector = MotionDetector()",
    "motfile": "from detectors.motfile import MOTFileDetector\ndetector = MOTFileDetector(det_file)",
    "ssdlite": "from detectors.ssdlite import SSDLiteDetector\ndetector = SSDLiteDetector()",
    "mobilenet": (
        "from detectors.keras_runtime import WEIGHTS_DIR\n"
        "from detectors.mobilenet import MobileNetDetector\n"
        "detector = MobileNetDetector(WEIGHTS_DIR / 'mobilenet.tflite')"
    ),
    "smallervgg": (
        "from detectors.keras_runtime import WEIGHTS_DIR\n"
        "from detectors.smallervgg import SmallerVGGDetector\n"
        "detector = SmallerVGGDetector(WEIGHTS_DIR / 'smallervgg.tflite', (480, 270))"
    ),
    "smallervgg-motion": (
        "from detectors.keras_runtime import WEIGHTS_DIR\n"
        "from detectors.smallervgg import SmallerVGGDetector\n"
        "detector = SmallerVGGDetector(WEIGHTS_DIR / 'smallervgg.tflite', (480, 270), "
        "candidates='motion')"
    ),
}

# Runs each size alone, twice, then all sizes as one batch; prints every frame's boxes as JSON.
SCRIPT = """
import json, sys
from pathlib import Path
import numpy as np
from tracker.core.types import Frame
det_file = Path(sys.argv[1])
{build}
sizes = json.loads(sys.argv[2])
frames = [Frame(i, i / 10, np.random.default_rng(i).integers(0, 256, (h, w, 3), dtype=np.uint8))
          for i, (w, h) in enumerate(sizes)]
results = [d for frame in frames * 2 for d in detector.detect([frame])] + detector.detect(frames)
print(json.dumps([d.xyxy.tolist() for d in results]))
"""


def detect_in_subprocess(name: str, sizes: list[tuple[int, int]], tmp_path: Path):
    """Run detector ``name`` on frames of ``sizes``; the finished process and each result's boxes."""
    det_file = tmp_path / "det.txt"
    det_file.write_text("2,-1,10,20,30,60,0.9,-1,-1,-1\n")  # one box on the second frame
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(build=BUILDERS[name]), str(det_file), json.dumps(sizes)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{name} crashed (exit {result.returncode}): {result.stderr[-2000:]}"
    boxes = [np.asarray(b, np.float32).reshape(-1, 4) for b in json.loads(result.stdout.splitlines()[-1])]
    return result, boxes


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


TENSORFLOW_DETECTORS = {"ssdlite", "mobilenet", "smallervgg", "smallervgg-motion"}  # ~10 s+ each to start


@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=pytest.mark.slow) if name in TENSORFLOW_DETECTORS else name for name in sorted(BUILDERS)],
)
def test_tiny_frames_give_boxes_inside_the_frame_and_at_most_one_warning(name: str, tmp_path: Path) -> None:
    result, boxes = detect_in_subprocess(name, TINY_SIZES, tmp_path)
    sizes = TINY_SIZES * 3
    assert len(boxes) == len(sizes)
    if name == "motfile":  # never looks at the image: the file's boxes, whatever the frame size
        assert [len(b) for b in boxes] == [0, 1, 0] * 3
    else:
        for (width, height), xyxy in zip(sizes, boxes):
            assert ((xyxy >= 0) & (xyxy <= [width, height, width, height])).all(), (width, height, xyxy)
    expected_warnings = 1 if name == "hog" else 0
    assert len(warnings_in(result.stderr)) == expected_warnings, result.stderr


def test_hog_cannot_scan_tiny_frames_and_says_so_once(tmp_path: Path) -> None:
    result, boxes = detect_in_subprocess("hog", TINY_SIZES, tmp_path)
    assert all(len(b) == 0 for b in boxes)
    [warning] = warnings_in(result.stderr)
    assert "hog" in warning and "64x128" in warning and "1x1" in warning


def test_hog_judges_the_frame_after_scaling_it_to_its_width(tmp_path: Path) -> None:
    """1280x200 is scaled to 640x100 for the scan: too low for the 128-pixel window."""
    result, boxes = detect_in_subprocess("hog", [(640, 480), (1280, 200)], tmp_path)
    [warning] = warnings_in(result.stderr)
    assert "1280x200" in warning and "640x100" in warning


def test_hog_width_under_its_window_is_a_user_error() -> None:
    from detectors.hog import HOGDetector

    with pytest.raises(UserError, match="64"):
        HOGDetector(width=48)


@pytest.fixture()
def tiny_video(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (100, 50))
    for i in range(8):
        image = np.full((50, 100, 3), 60, np.uint8)
        cv2.rectangle(image, (10 + 5 * i, 5), (30 + 5 * i, 45), (200, 180, 160), -1)
        writer.write(image)
    writer.release()
    assert decoded_frames(path) == 8
    return path


def test_track_with_hog_on_a_video_smaller_than_its_window(tiny_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("track", str(tiny_video), "-o", str(out), "-q", "--detector", "hog", "--detect-every", "1")
    assert result.returncode == 0, result.stderr
    assert len(warnings_in(result.stderr)) == 1, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"] == 8 and summary["stopped_by"] == "end_of_source"
    assert (out / "tracks.txt").read_text() == ""
    video = cv2.VideoCapture(str(out / "annotated.mp4"))
    assert (video.get(cv2.CAP_PROP_FRAME_WIDTH), video.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (100, 50)
    assert decoded_frames(out / "annotated.mp4") == 8
