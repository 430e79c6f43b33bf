"""Black bars around the picture: found to the pixel on real camera frames (letterbox,
pillarbox, JPEG noise), left alone when only one side is dark, and left out by ``mobilenet``
and its training batches, so a letterboxed frame gives the detections of the frame inside."""

import cv2
import numpy as np
import pytest

from detectors import build_detector, detector_settings
from detectors.borders import picture_box
from detectors.training.centernet import read_picture
from detectors.training.detection_csv import read_detection_csv, read_scenes
from tracker.core.types import Frame


@pytest.fixture(scope="module")
def camera_frame(shared_data):
    """A 960x540 night frame of a val camera (``ccc_cam36``), with its labelled boxes."""
    csv_path = shared_data / "train" / "detection" / "annotations.csv"
    scenes = read_scenes(csv_path)
    item = next(i for i in read_detection_csv(csv_path, "val") if scenes[i.image_path] == "ccc_cam36")
    image = item.load()
    assert image.shape[:2] == (540, 960)
    return image, item.xyxy


def _pad(image, top, bottom, left, right):
    return cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(0, 0, 0))


@pytest.mark.parametrize(
    ("top", "bottom", "left", "right"),
    [(0, 0, 0, 0), (130, 130, 0, 0), (131, 129, 0, 0), (0, 0, 60, 61), (40, 40, 80, 80)],
)
def test_bars_are_found_to_the_pixel(camera_frame, top, bottom, left, right):
    image, _ = camera_frame
    padded = _pad(image, top, bottom, left, right)
    assert picture_box(padded) == (left, top, left + 960, top + 540)
    assert picture_box(cv2.cvtColor(padded, cv2.COLOR_BGR2GRAY)) == (left, top, left + 960, top + 540)


def test_bars_are_found_through_jpeg_noise(camera_frame):
    image, _ = camera_frame
    ok, encoded = cv2.imencode(".jpg", _pad(image, 130, 130, 0, 0), [cv2.IMWRITE_JPEG_QUALITY, 50])
    x0, y0, x1, y1 = picture_box(cv2.imdecode(encoded, cv2.IMREAD_COLOR))
    assert ok and (x0, x1) == (0, 960)
    assert abs(y0 - 130) <= 2 and abs(y1 - 670) <= 2, (y0, y1)


@pytest.mark.parametrize(
    ("top", "bottom"),
    [(120, 0), (0, 120), (120, 60), (4, 4)],  # dark sky, dark road, unequal bands, too thin
)
def test_a_dark_band_that_is_not_a_matching_pair_of_bars_stays(camera_frame, top, bottom):
    image, _ = camera_frame
    darkened = image.copy()
    darkened[:top] = 0
    darkened[540 - bottom :] = 0
    assert picture_box(darkened) == (0, 0, 960, 540)


def test_a_black_frame_and_a_tiny_frame_are_whole():
    assert picture_box(np.zeros((540, 960, 3), np.uint8)) == (0, 0, 960, 540)
    assert picture_box(np.full((3, 2, 3), 200, np.uint8)) == (0, 0, 2, 3)


def test_mobilenet_sees_the_frame_inside_a_letterbox(camera_frame):
    image, _ = camera_frame
    letterboxed = _pad(image, 210, 210, 0, 0)  # 960x960, as the square webcam exports
    cropping = build_detector(detector_settings("mobilenet", min_score=0.2))
    inside = cropping.detect([Frame(0, 0.0, image)])[0]
    found = cropping.detect([Frame(0, 0.0, letterboxed)])[0]
    assert len(inside) >= 5
    np.testing.assert_allclose(found.xyxy, inside.xyxy + np.float32([0, 210, 0, 210]), atol=1e-3)
    np.testing.assert_allclose(found.scores, inside.scores, atol=1e-6)
    np.testing.assert_array_equal(found.class_ids, inside.class_ids)

    squashing = build_detector(detector_settings("mobilenet", min_score=0.2, crop_borders=False))
    squashed = squashing.detect([Frame(0, 0.0, letterboxed)])[0]
    assert len(squashed) != len(inside) or not np.allclose(squashed.scores, inside.scores, atol=1e-3)


def test_training_images_leave_the_bars_out_as_the_detector_does(camera_frame, tmp_path):
    image, boxes = camera_frame
    path = tmp_path / "letterboxed.png"
    cv2.imwrite(str(path), _pad(image, 210, 210, 30, 30))
    picture, moved = read_picture(str(path), boxes + np.float32([30, 210, 30, 210]))
    np.testing.assert_array_equal(picture, cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    np.testing.assert_allclose(moved, boxes, atol=1e-3)
