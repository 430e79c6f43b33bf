"""``tracker detect``: detections of an image, a folder (recursive) and a video in detections.csv."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import run_cli
from tests.test_cli_errors import assert_one_line_error


def rows(out: Path) -> list[dict[str, str]]:
    with (out / "detections.csv").open() as file:
        return list(csv.DictReader(file))


@pytest.fixture
def tud_images(tmp_path: Path, tud_campus: Path) -> Path:
    """Two TUD-Campus frames in nested folders, plus a file that is not an image."""
    folder = tmp_path / "photos"
    (folder / "later").mkdir(parents=True)
    shutil.copy(tud_campus / "img1" / "000001.jpg", folder / "first.jpg")
    shutil.copy(tud_campus / "img1" / "000040.jpg", folder / "later" / "second.jpg")
    (folder / "later" / "broken.jpg").write_text("not a picture")
    return folder


def test_detect_on_one_image_finds_people(tmp_path: Path, tud_images: Path) -> None:
    result = run_cli("detect", str(tud_images / "first.jpg"), "-o", str(tmp_path / "out"), "--min-score", "0.5")
    assert result.returncode == 0, result.stderr
    found = rows(tmp_path / "out")
    assert list(found[0]) == ["image", "frame", "x1", "y1", "x2", "y2", "class", "score"]
    # measured 2026-11-30: 5 people at >= 0.5 on TUD-Campus frame 1 (8 walk through the clip)
    assert 4 <= len(found) <= 8 and {row["class"] for row in found} == {"person"}
    assert all(row["image"] == "first.jpg" and row["frame"] == "" and float(row["score"]) >= 0.5 for row in found)


def test_detect_on_a_folder_is_recursive_names_are_relative_and_images_are_saved(
    tmp_path: Path, tud_images: Path
) -> None:
    out = tmp_path / "out"
    result = run_cli("detect", str(tud_images), "-o", str(out), "--save-images")
    assert result.returncode == 0, result.stderr
    assert "warning: cannot read image" in result.stderr and "broken.jpg" in result.stderr
    assert {row["image"] for row in rows(out)} == {"first.jpg", "later/second.jpg"}
    saved = cv2.imread(str(out / "images" / "later" / "second.jpg"))
    original = cv2.imread(str(tud_images / "later" / "second.jpg"))
    assert saved.shape == original.shape and (saved.astype(int) - original).any()  # boxes drawn on it


def test_detect_on_a_video_numbers_its_frames(tmp_path: Path) -> None:
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    for index in range(12):  # a bright square moving across a dark frame
        image = np.zeros((240, 320, 3), np.uint8)
        image[80:180, 20 * index : 20 * index + 60] = 255
        writer.write(image)
    writer.release()
    out = tmp_path / "out"
    result = run_cli("detect", str(video), "-o", str(out), "--detector", "motion", "--set", "detector.min_area=200")
    assert result.returncode == 0, result.stderr
    frames = [int(row["frame"]) for row in rows(out)]
    assert min(frames) >= 1 and max(frames) == 12 and len(set(frames)) >= 8  # 1-based frame numbers
    assert {row["image"] for row in rows(out)} == {"clip.avi"}


def test_detect_bad_input_is_one_error_line_and_keeps_earlier_results(tmp_path: Path, tud_images: Path) -> None:
    assert_one_line_error(run_cli("detect", str(tmp_path / "nope.jpg"), "-o", str(tmp_path / "o")), "source not found")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(run_cli("detect", str(empty), "-o", str(tmp_path / "o")), "no images")
    out = tmp_path / "out"
    assert run_cli("detect", str(tud_images / "first.jpg"), "-o", str(out)).returncode == 0
    before = (out / "detections.csv").read_bytes()
    assert_one_line_error(run_cli("detect", str(tud_images), "-o", str(out)), "already holds detections.csv")
    assert_one_line_error(run_cli("detect", str(tud_images), "-o", str(out), "--overwrite", "--classes", "car"), "car")
    assert (out / "detections.csv").read_bytes() == before
