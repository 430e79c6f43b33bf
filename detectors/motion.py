"""Moving-blob detector: OpenCV's MOG2 background subtraction, shadows removed, blobs boxed.

Suits fixed cameras (traffic and surveillance) only: a moving camera makes everything move.
It learns the background from the frames it is given, so it works best with a small
``pipeline.detect_every``. Class ``object``; the score is the blob's fill ratio of its box.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import Field

from tracker.core.settings import DetectorSettingsBase
from tracker.core.types import Detections, Frame


class MotionBlobs:
    """MOG2 foreground (shadows removed, opened, dilated) -> one box per blob of at least
    ``min_area`` pixels, with the blob's fill ratio of its box. Keeps the background model
    between calls, so feed it the frames of one camera in order."""

    def __init__(self, min_area: int = 400) -> None:
        self.min_area = min_area
        self._subtractor = cv2.createBackgroundSubtractorMOG2(history=300, detectShadows=True)
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))

    def find(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Boxes (N,4 xyxy float32) and fill ratios (N,) of the moving blobs in ``image``."""
        mask = self._subtractor.apply(image)
        mask = np.where(mask == 255, 255, 0).astype(np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
        mask = cv2.dilate(mask, self._kernel, iterations=2)
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        x, y, w, h, area = stats[1:count].T.astype(np.float32) if count > 1 else np.zeros((5, 0), np.float32)
        keep = w * h >= self.min_area
        boxes = np.stack([x, y, x + w, y + h], axis=1)[keep]
        return boxes.reshape(-1, 4), (area / np.maximum(w * h, 1))[keep]


class MotionDetector:
    class_names: tuple[str, ...] = ("object",)

    def __init__(self, min_area: int = 400, min_score: float = 0.0) -> None:
        self.min_score = min_score
        self._blobs = MotionBlobs(min_area)

    def _detect_one(self, frame: Frame) -> Detections:
        boxes, fill = self._blobs.find(frame.image)
        keep = fill >= self.min_score
        return Detections(boxes[keep], fill[keep], np.zeros(int(keep.sum()), np.int32))

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        return [self._detect_one(frame) for frame in frames]


class MotionSettings(DetectorSettingsBase):
    """``motion``: moving blobs from MOG2 background subtraction (fixed cameras only), class "object"."""

    name: Literal["motion"] = "motion"
    min_score: float = Field(0.0, ge=0, le=1, description="drop blobs scoring below this (the blob's fill ratio)")
    min_area: int = Field(400, ge=1, le=10**8, description="smallest blob area in pixels")

    def build(self, source: Path | None) -> MotionDetector:
        return MotionDetector(self.min_area, self.min_score)
