"""Detectors: one batched interface, ``detect(frames) -> list[Detections]``.

``build_detector(settings, source)`` builds the implementation the settings name.
"""

from detectors.registry import DETECTOR_SETTINGS, DetectorSettings, build_detector, detector_names, detector_settings

__all__ = ["DETECTOR_SETTINGS", "DetectorSettings", "build_detector", "detector_names", "detector_settings"]
