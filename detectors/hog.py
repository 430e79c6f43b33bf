"""OpenCV's HOG + linear SVM people detector (Dalal-Triggs): a classical, no-network baseline."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from tracker.config import DetectorSettings
from tracker.types import Detections, Frame


class HOGDetector:
    """People detector; frames are scaled to ``width`` pixels wide before the multi-scale scan.

    HOG's SVM margins are squashed to (0, 1) with a logistic so that ``min_score`` means the
    same kind of thing as for the CNN detectors (0.5 = on the decision boundary).
    """

    class_names = ("person",)

    def __init__(self, width: int = 640, min_score: float = 0.5) -> None:
        self.width = width
        self.min_score = min_score
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())

    @classmethod
    def from_settings(cls, settings: DetectorSettings, source: Path | None = None) -> HOGDetector:
        return cls(settings.hog_width, settings.min_score)

    def _detect_one(self, frame: Frame) -> Detections:
        scale = min(1.0, self.width / frame.width)
        image = frame.image if scale == 1.0 else cv2.resize(
            frame.image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        rects, weights = self._hog.detectMultiScale(
            image, winStride=(8, 8), padding=(8, 8), scale=1.05, groupThreshold=2)
        if len(rects) == 0:
            return Detections.empty()
        rects = np.asarray(rects, np.float32) / scale
        xyxy = np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:]], axis=1)
        scores = 1.0 / (1.0 + np.exp(-np.asarray(weights, np.float32).reshape(-1)))
        keep = scores >= self.min_score
        return Detections(xyxy[keep], scores[keep], np.zeros(int(keep.sum()), np.int32))

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        return [self._detect_one(frame) for frame in frames]
