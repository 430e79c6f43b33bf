"""Detector names -> implementations, imported only when chosen (TensorFlow is slow to import)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tracker.core.protocols import Detector
from tracker.config import DetectorSettings
from tracker.core.errors import UserError
from tracker.core.types import Detections, Frame

# name -> "module:Class"; each class has ``from_settings(settings, source) -> Detector``.
_IMPLEMENTATIONS: dict[str, str] = {
    "ssdlite": "detectors.ssdlite:SSDLiteDetector",
    "hog": "detectors.hog:HOGDetector",
    "motfile": "detectors.motfile:MOTFileDetector",
    "motion": "detectors.motion:MotionDetector",
    "smallervgg": "detectors.smallervgg:SmallerVGGDetector",
    "mobilenet": "detectors.mobilenet:MobileNetDetector",
}


def detector_names() -> list[str]:
    return sorted(_IMPLEMENTATIONS)


def build_detector(settings: DetectorSettings, source: Path | None = None) -> Detector:
    """Build the detector named ``settings.name``; ``source`` is the video or image folder
    being processed (``motfile`` finds its ``det.txt`` beside it)."""
    target = _IMPLEMENTATIONS.get(settings.name)
    if target is None:
        raise UserError(f"unknown detector '{settings.name}' (choose from: {', '.join(detector_names())})")
    module_name, class_name = target.split(":")
    detector_class = getattr(importlib.import_module(module_name), class_name)
    detector = detector_class.from_settings(settings, source)
    if settings.classes is None:
        return detector
    unknown = sorted(set(settings.classes) - set(detector.class_names))
    if unknown:
        raise UserError(f"detector '{settings.name}' has no class {', '.join(unknown)} "
                        f"(it knows: {', '.join(detector.class_names)})")
    return ClassFilter(detector, settings.classes)


class ClassFilter:
    """Wraps a detector and keeps only the detections of the named classes."""

    def __init__(self, detector: Detector, classes: list[str]) -> None:
        self.detector = detector
        self.class_names = detector.class_names
        self._keep = np.array([self.class_names.index(name) for name in classes], np.int32)

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        return [d[np.isin(d.class_ids, self._keep)] for d in self.detector.detect(frames)]
