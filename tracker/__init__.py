"""Real-time video detection and tracking.

Command line: ``tracker track SOURCE -o DIR``. From Python (see the README's "Python API")::

    import tracker

    with tracker.open_pipeline("videos/vtest.avi") as pipeline:
        for result in pipeline:
            print(result.frame.index, result.tracks.ids)

The names below are imported on first use, so ``import tracker`` stays instant.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "open_pipeline": "tracker.api",
    "Pipeline": "tracker.pipeline",
    "Settings": "tracker.config",
    "load_settings": "tracker.config",
    "build_tracker": "tracker.trackers",
    "tracker_settings": "tracker.trackers",
    "build_detector": "detectors",
    "detector_settings": "detectors",
    "Frame": "tracker.core.types",
    "Detections": "tracker.core.types",
    "Tracks": "tracker.core.types",
    "FrameResult": "tracker.core.protocols",
    "UserError": "tracker.core.errors",
}
__all__ = [
    "Detections",
    "Frame",
    "FrameResult",
    "Pipeline",
    "Settings",
    "Tracks",
    "UserError",
    "__version__",
    "build_detector",
    "build_tracker",
    "detector_settings",
    "load_settings",
    "open_pipeline",
    "tracker_settings",
]

if TYPE_CHECKING:
    from detectors import build_detector, detector_settings
    from tracker.api import open_pipeline
    from tracker.config import Settings, load_settings
    from tracker.core.errors import UserError
    from tracker.core.protocols import FrameResult
    from tracker.core.types import Detections, Frame, Tracks
    from tracker.pipeline import Pipeline
    from tracker.trackers import build_tracker, tracker_settings


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'tracker' has no attribute {name!r}")
