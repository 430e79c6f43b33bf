"""Moving-blob detector: OpenCV's MOG2 background subtraction, shadows removed, blobs boxed.

Suits fixed cameras (traffic and surveillance) only: a moving camera makes everything move.
It learns the background from the frames it is given, so it works best with a small
``pipeline.detect_every``. Class ``object``; the score is the blob's fill ratio of its box.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from tracker.config import DetectorSettings
from tracker.types import Detections, Frame

SHADOW = 127  # MOG2 marks shadows with this value


class MotionDetector:
    class_names = ("object",)

    def __init__(self, min_area: int = 400, min_score: float = 0.0) -> None:
        self.min_area = min_area
        self.min_score = min_score
        self._subtractor = cv2.createBackgroundSubtractorMOG2(history=300, detectShadows=True)
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))

    @classmethod
    def from_settings(cls, settings: DetectorSettings, source: Path | None = None) -> MotionDetector:
        return cls(settings.min_area, settings.min_score)

    def _detect_one(self, frame: Frame) -> Detections:
        mask = self._subtractor.apply(frame.image)
        mask = np.where(mask == 255, 255, 0).astype(np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
        mask = cv2.dilate(mask, self._kernel, iterations=2)
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        boxes, scores = [], []
        for x, y, w, h, area in stats[1:count]:
            if w * h < self.min_area:
                continue
            fill = area / float(w * h)
            if fill >= self.min_score:
                boxes.append((x, y, x + w, y + h))
                scores.append(fill)
        if not boxes:
            return Detections.empty()
        return Detections(np.array(boxes), np.array(scores), np.zeros(len(boxes), np.int32))

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        return [self._detect_one(frame) for frame in frames]
