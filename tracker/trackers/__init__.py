"""Trackers: ``build_tracker(settings)`` composes the one named in the config."""

from __future__ import annotations

from tracker.config import TrackerSettings
from tracker.errors import UserError
from tracker.trackers.association import centroid_cost, iou_cost
from tracker.trackers.base import Tracker
from tracker.trackers.motion import ConstantVelocityModel, CorrelationModel
from tracker.trackers.multi_object import MultiObjectTracker

TRACKER_NAMES = ("centroid", "dlib")


def build_tracker(settings: TrackerSettings) -> Tracker:
    """``centroid``: centre-distance matching, constant-velocity coasting between detections.
    ``dlib``: IoU matching, one dlib correlation tracker per object between detections."""
    common = dict(max_disappeared=settings.max_disappeared, confirm_hits=settings.confirm_hits)
    if settings.name == "centroid":
        return MultiObjectTracker(ConstantVelocityModel(), centroid_cost, settings.max_distance, **common)
    if settings.name == "dlib":
        return MultiObjectTracker(CorrelationModel(settings.downscale), iou_cost, 1.0 - settings.min_iou,
                                  min_confidence=settings.min_confidence, **common)
    raise UserError(f"unknown tracker '{settings.name}' (choose from: {', '.join(TRACKER_NAMES)})")


__all__ = ["Tracker", "build_tracker", "TRACKER_NAMES"]
