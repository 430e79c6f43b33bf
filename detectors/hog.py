"""OpenCV's HOG + linear SVM people detector (Dalal-Triggs): a classical, no-network baseline."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import Field

from tracker.core.errors import UserError
from tracker.core.settings import DetectorSettingsBase
from tracker.core.types import Detections, Frame

WINDOW = (64, 128)  # width, height of the default people detector's window (cv2.HOGDescriptor())

# The 64x128 HOG window holds the person with a margin around them. Median ground-truth box /
# HOG box, measured on the first halves of the MOT clips (72 matches, the halves that
# scripts/eval_detector.py does not score): width 0.50, height 0.68, centres aligned.
PERSON_WIDTH_IN_WINDOW = 0.50
PERSON_HEIGHT_IN_WINDOW = 0.68


class HOGDetector:
    """People detector; frames wider than ``width`` pixels are scaled down to it (aspect kept)
    before the multi-scale scan, and each window is cut down to the person inside it. A scaled
    frame smaller than the 64x128 window cannot be scanned: it gives no detections.

    HOG's SVM margins are squashed to (0, 1) with a logistic so that ``min_score`` means the
    same kind of thing as for the CNN detectors (0.5 = on the decision boundary).
    """

    class_names: tuple[str, ...] = ("person",)

    def __init__(self, width: int = 640, min_score: float = 0.5) -> None:
        if width < WINDOW[0]:
            raise UserError(f"hog: scan width {width} is narrower than the {WINDOW[0]}x{WINDOW[1]} HOG window")
        self.width = width
        self.min_score = min_score
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())  # type: ignore[attr-defined]
        self._warned_small = False

    def _detect_one(self, frame: Frame) -> Detections:
        scale = min(1.0, self.width / frame.width)
        image = (
            frame.image
            if scale == 1.0
            else cv2.resize(frame.image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        if not self._fits_window(frame, image):
            return Detections.empty()
        found, weights = self._hog.detectMultiScale(
            image, winStride=(8, 8), padding=(8, 8), scale=1.05, groupThreshold=2
        )
        if len(found) == 0:
            return Detections.empty()
        rects = np.asarray(found, np.float32) / scale
        centres = rects[:, :2] + rects[:, 2:] / 2
        half_sizes = rects[:, 2:] * np.array([PERSON_WIDTH_IN_WINDOW, PERSON_HEIGHT_IN_WINDOW], np.float32) / 2
        xyxy = np.concatenate([centres - half_sizes, centres + half_sizes], axis=1)
        scores = 1.0 / (1.0 + np.exp(-np.asarray(weights, np.float32).reshape(-1)))
        keep = scores >= self.min_score
        return Detections(xyxy[keep], scores[keep], np.zeros(int(keep.sum()), np.int32))

    def _fits_window(self, frame: Frame, image: np.ndarray) -> bool:
        """Whether the scaled ``image`` holds one whole window (OpenCV's scan corrupts memory on
        images much smaller than that); says so on stderr the first time it does not."""
        height, width = image.shape[:2]
        if width >= WINDOW[0] and height >= WINDOW[1]:
            return True
        if not self._warned_small:
            self._warned_small = True
            print(
                f"warning: hog: frame {frame.width}x{frame.height} (scanned at {width}x{height}) is smaller "
                f"than the {WINDOW[0]}x{WINDOW[1]} HOG window; no detections on such frames",
                file=sys.stderr,
            )
        return False

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        return [self._detect_one(frame) for frame in frames]


class HOGSettings(DetectorSettingsBase):
    """``hog``: OpenCV's HOG + linear SVM people detector (no network)."""

    name: Literal["hog"] = "hog"
    min_score: float = Field(
        0.5, ge=0, le=1, description="drop detections scoring below this (0.5 = the SVM's decision boundary)"
    )
    width: int = Field(640, ge=64, le=8192, description="frames are resized to this width before the scan")

    def build(self, source: Path | None) -> HOGDetector:
        return HOGDetector(self.width, self.min_score)
