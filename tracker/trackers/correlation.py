"""``dlib``: IoU matching, one dlib correlation tracker per object between detections."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracker.trackers.association import OneStage
from tracker.trackers.costs import iou_cost
from tracker.trackers.motion import CorrelationModel
from tracker.trackers.multi_object import MultiObjectTracker, TrackerSettingsBase

MIN_CONFIDENCE_HELP = (
    "peak-to-sidelobe ratio under which a correlation tracker counts as lost; on real footage "
    "locked trackers mostly read 6-10"
)


class DlibSettings(TrackerSettingsBase):
    """dlib correlation trackers follow each object between detections (the PyImageSearch design)."""

    name: Literal["dlib"] = "dlib"
    min_iou: float = Field(0.3, ge=0, le=1, description="least IoU to match a detection to a track")
    min_confidence: float = Field(5.0, ge=0, le=1000, description=MIN_CONFIDENCE_HELP)
    redetect_on_low_confidence: bool = Field(
        True, description="run the detector early when a tracker's confidence falls under min_confidence"
    )
    downscale: float = Field(1.0, gt=0, le=1, description="track on frames scaled by this factor (0.5 = half size)")

    def build(self) -> MultiObjectTracker:
        return MultiObjectTracker(
            CorrelationModel(self.downscale),
            OneStage(iou_cost, 1.0 - self.min_iou),
            min_confidence=self.min_confidence,
            redetect_on_low_confidence=self.redetect_on_low_confidence,
            **self.life_cycle(),
        )
