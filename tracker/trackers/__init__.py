"""Trackers, registered once: each tracker's settings model (tagged by ``name``) builds it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from tracker.core.protocols import Tracker
from tracker.trackers.bytetrack import ByteTrackDlibSettings, ByteTrackSettings
from tracker.trackers.centroid import CentroidSettings
from tracker.trackers.correlation import DlibSettings
from tracker.trackers.kalman import KalmanSettings

TRACKER_SETTINGS = (ByteTrackSettings, ByteTrackDlibSettings, KalmanSettings, DlibSettings, CentroidSettings)
TrackerSettings = Annotated[
    ByteTrackSettings | ByteTrackDlibSettings | KalmanSettings | DlibSettings | CentroidSettings,
    Field(discriminator="name"),
]
DEFAULT_TRACKER = ByteTrackSettings


def tracker_names() -> list[str]:
    return [model.model_fields["name"].default for model in TRACKER_SETTINGS]


def tracker_settings(name: str = DEFAULT_TRACKER().name, **keys: Any) -> TrackerSettings:
    """Validated settings of the tracker ``name``, e.g. ``tracker_settings("dlib", min_iou=0.4)``."""
    return TypeAdapter(TrackerSettings).validate_python({"name": name, **keys})


def build_tracker(settings: TrackerSettings) -> Tracker:
    """The tracker ``settings`` describe."""
    return settings.build()


__all__ = ["TRACKER_SETTINGS", "Tracker", "TrackerSettings", "build_tracker", "tracker_names", "tracker_settings"]
