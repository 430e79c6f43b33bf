"""Detectors: one batched interface, ``detect(frames) -> list[Detections]``.

``build_detector(settings, source)`` picks the implementation named in the config.
"""

from tracker.core.protocols import Detector
from detectors.registry import build_detector, detector_names

__all__ = ["Detector", "build_detector", "detector_names"]
