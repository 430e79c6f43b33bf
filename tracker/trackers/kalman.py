"""``kalman``: a Kalman filter per object predicts between detections; one Hungarian matching."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracker.trackers.association import OneStage
from tracker.trackers.costs import iou_distance_cost
from tracker.trackers.motion import KalmanModel
from tracker.trackers.multi_object import MultiObjectTracker, TrackerSettingsBase

MAX_COST_HELP = (
    "match gate on 1 - IoU + (centre distance / enclosing box diagonal)^2; under 1 the boxes must "
    "overlap, up to 2 they may be apart"
)


class KalmanSettings(TrackerSettingsBase):
    """SORT-like: constant-velocity Kalman filters, matched on IoU plus centre distance."""

    name: Literal["kalman"] = "kalman"
    max_cost: float = Field(1.0, gt=0, lt=2, description=MAX_COST_HELP)

    def build(self) -> MultiObjectTracker:
        return MultiObjectTracker(KalmanModel(), OneStage(iou_distance_cost, self.max_cost), **self.life_cycle())
