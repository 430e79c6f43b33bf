"""Detector names -> implementations, imported only when chosen (TensorFlow is slow to import)."""

from __future__ import annotations

import importlib
from pathlib import Path

from detectors.base import Detector
from tracker.config import DetectorSettings
from tracker.errors import UserError

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
    return detector_class.from_settings(settings, source)
