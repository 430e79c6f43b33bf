"""The detectors, registered once: each implementation's settings model (tagged by ``name``)
builds it. TensorFlow and the models load only when a detector is built."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field, TypeAdapter

from detectors.hog import HOGSettings
from detectors.mobilenet import MobileNetSettings
from detectors.motfile import MOTFileSettings
from detectors.motion import MotionSettings
from detectors.smallervgg import SmallerVGGSettings
from detectors.ssdlite import SSDLiteSettings
from tracker.core.errors import UserError
from tracker.core.protocols import Detector
from tracker.core.types import Detections, Frame

DETECTOR_SETTINGS = (
    SSDLiteSettings,
    MobileNetSettings,
    SmallerVGGSettings,
    HOGSettings,
    MotionSettings,
    MOTFileSettings,
)
DetectorSettings = Annotated[
    SSDLiteSettings | MobileNetSettings | SmallerVGGSettings | HOGSettings | MotionSettings | MOTFileSettings,
    Field(discriminator="name"),
]
DEFAULT_DETECTOR = SSDLiteSettings


def detector_names() -> list[str]:
    return [model.model_fields["name"].default for model in DETECTOR_SETTINGS]


def detector_settings(name: str = DEFAULT_DETECTOR().name, **keys: Any) -> DetectorSettings:
    """Validated settings of the detector ``name``, e.g. ``detector_settings("hog", min_score=0.6)``."""
    return TypeAdapter(DetectorSettings).validate_python({"name": name, **keys})


def build_detector(settings: DetectorSettings, source: Path | None = None) -> Detector:
    """Build the detector ``settings`` describe; ``source`` is the video or image folder being
    processed. ``settings.classes`` keeps only those classes."""
    detector = settings.build(source)
    if settings.classes is None:
        return detector
    unknown = sorted(set(settings.classes) - set(detector.class_names))
    if unknown:
        raise UserError(
            f"detector '{settings.name}' has no class {', '.join(unknown)} "
            f"(it knows: {', '.join(detector.class_names)})"
        )
    return ClassFilter(detector, settings.classes)


class ClassFilter:
    """Wraps a detector and keeps only the detections of the named classes."""

    def __init__(self, detector: Detector, classes: list[str]) -> None:
        self.detector = detector
        self.class_names = detector.class_names
        self._keep = np.array([self.class_names.index(name) for name in classes], np.int32)

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        return [d[np.isin(d.class_ids, self._keep)] for d in self.detector.detect(frames)]
