"""``dlib``: IoU matching, one dlib correlation tracker per object between detections."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracker.trackers.association import OneStage
from tracker.trackers.costs import iou_cost
from tracker.trackers.motion import CorrelationModel, CorrelationMotionModel
from tracker.trackers.multi_object import MultiObjectTracker, TrackerSettingsBase

WORKERS_HELP = (
    "processes that run the dlib trackers (0: this one). dlib holds the GIL, so only processes run two "
    "trackers at once; same boxes either way"
)
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
    workers: int = Field(0, ge=0, le=64, description=WORKERS_HELP)

    def build(self) -> MultiObjectTracker:
        return MultiObjectTracker(
            correlation_model(self.downscale, self.workers),
            OneStage(iou_cost, 1.0 - self.min_iou),
            min_confidence=self.min_confidence,
            redetect_on_low_confidence=self.redetect_on_low_confidence,
            **self.life_cycle(),
        )


def correlation_model(downscale: float, workers: int) -> CorrelationMotionModel:
    """dlib correlation trackers on frames scaled by ``downscale``, in this process or in ``workers``."""
    if workers == 0:
        return CorrelationModel(downscale)
    from tracker.trackers.correlation_pool import PooledCorrelationModel

    return PooledCorrelationModel(downscale, workers)
