"""Trackers: ``build_tracker(settings)`` composes the one named in the config."""

from __future__ import annotations

from tracker.config import TrackerSettings
from tracker.core.errors import UserError
from tracker.trackers.appearance import AppearanceModel
from tracker.trackers.association import OneStage, ByteTrack
from tracker.trackers.costs import centroid_cost, iou_cost, iou_distance_cost
from tracker.core.protocols import Tracker
from tracker.trackers.motion import ConstantVelocityModel, CorrelationModel, KalmanCorrelationModel, KalmanModel
from tracker.trackers.multi_object import MultiObjectTracker

TRACKER_NAMES = ("centroid", "dlib", "kalman", "bytetrack", "bytetrack-dlib")


def build_tracker(settings: TrackerSettings) -> Tracker:
    """``centroid``: centre-distance matching, constant-velocity coasting between detections.
    ``dlib``: IoU matching, one dlib correlation tracker per object between detections.
    ``kalman``: IoU-plus-distance matching, a Kalman filter per object predicts between detections.
    ``bytetrack``: ``kalman`` with ByteTrack's two-stage matching (low-score boxes keep tracks alive).
    ``bytetrack-dlib``: ``bytetrack`` whose Kalman filters are also corrected by dlib correlation
    trackers between detections, and whose well-locked tracks survive a missed detection.
    ``tracker.appearance_gate`` adds a colour-histogram check for lost tracks to both ByteTracks."""
    common = dict(max_disappeared=settings.max_disappeared, confirm_hits=settings.confirm_hits)
    if settings.name == "centroid":
        return MultiObjectTracker(ConstantVelocityModel(), OneStage(centroid_cost, settings.max_distance), **common)
    if settings.name == "dlib":
        return MultiObjectTracker(CorrelationModel(settings.downscale), OneStage(iou_cost, 1.0 - settings.min_iou),
                                  min_confidence=settings.min_confidence, **common)
    if settings.name == "kalman":
        return MultiObjectTracker(KalmanModel(), OneStage(iou_distance_cost, settings.max_cost), **common)
    if settings.name in ("bytetrack", "bytetrack-dlib"):
        association = ByteTrack(iou_distance_cost, settings.max_cost, settings.high_score, settings.appearance_gate)
        if settings.appearance_gate is not None:
            common["appearance"] = AppearanceModel(min_score=settings.high_score)
        if settings.name == "bytetrack":
            return MultiObjectTracker(KalmanModel(), association, **common)
        motion = KalmanCorrelationModel(settings.downscale, settings.min_confidence)
        return MultiObjectTracker(motion, association, min_confidence=settings.min_confidence,
                                  keep_confident=True, **common)
    raise UserError(f"unknown tracker '{settings.name}' (choose from: {', '.join(TRACKER_NAMES)})")


__all__ = ["Tracker", "build_tracker", "TRACKER_NAMES"]
