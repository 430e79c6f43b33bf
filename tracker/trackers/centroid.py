"""``centroid``: centre-distance matching, constant-velocity coasting between detections."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracker.trackers.association import OneStage
from tracker.trackers.costs import centroid_cost
from tracker.trackers.motion import ConstantVelocityModel
from tracker.trackers.multi_object import MultiObjectTracker, TrackerSettingsBase


class CentroidSettings(TrackerSettingsBase):
    """The cheapest tracker: box centres matched by distance, moved at constant velocity."""

    name: Literal["centroid"] = "centroid"
    max_distance: float = Field(0.6, gt=0, le=100, description="match gate, in units of the track box's diagonal")

    def build(self) -> MultiObjectTracker:
        return MultiObjectTracker(
            ConstantVelocityModel(), OneStage(centroid_cost, self.max_distance), **self.life_cycle()
        )
