"""``bytetrack`` and ``bytetrack-dlib``: Kalman filters with ByteTrack's two-stage matching
(low-score boxes keep tracks alive); the ``-dlib`` variant corrects each Kalman filter with a
dlib correlation tracker between detections."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracker.trackers.appearance import AppearanceModel
from tracker.trackers.association import ByteTrack
from tracker.trackers.correlation import MIN_CONFIDENCE_HELP
from tracker.trackers.costs import iou_distance_cost
from tracker.trackers.kalman import MAX_COST_HELP
from tracker.trackers.motion import KalmanCorrelationModel, KalmanModel, MotionModel
from tracker.trackers.multi_object import MultiObjectTracker, TrackerSettingsBase


class ByteTrackSettings(TrackerSettingsBase):
    """The default: ByteTrack's association order over Kalman predictions."""

    name: Literal["bytetrack"] = "bytetrack"
    max_cost: float = Field(1.0, gt=0, lt=2, description=MAX_COST_HELP)
    high_score: float = Field(
        0.5,
        ge=0,
        le=1,
        description="detections scoring at least this are matched first and start tracks; lower "
        "ones (down to detector.min_score) only keep the tracks left over alive",
    )
    appearance_gate: float | None = Field(
        None,
        gt=0,
        le=1,
        description="a lost track only takes a detection whose colour histograms are within this "
        "Bhattacharyya distance of its own (0.4 measured best; off by default: it helps when the detector runs on "
        "every frame, see docs/tracking-benchmark.md)",
    )

    def build(self) -> MultiObjectTracker:
        return MultiObjectTracker(
            KalmanModel(), self._association(), appearance=self._appearance(), **self.life_cycle()
        )

    def _association(self) -> ByteTrack:
        return ByteTrack(iou_distance_cost, self.max_cost, self.high_score, self.appearance_gate)

    def _appearance(self) -> AppearanceModel | None:
        return None if self.appearance_gate is None else AppearanceModel(min_score=self.high_score)


class ByteTrackDlibSettings(ByteTrackSettings):
    """``bytetrack`` whose Kalman filters dlib correlation trackers also correct on every frame where
    they are confident; a confidently followed track survives a missed detection."""

    name: Literal["bytetrack-dlib"] = "bytetrack-dlib"  # type: ignore[assignment]
    min_confidence: float = Field(5.0, ge=0, le=1000, description=MIN_CONFIDENCE_HELP)
    redetect_on_low_confidence: bool = Field(
        True, description="run the detector early when a tracker's confidence falls under min_confidence"
    )
    downscale: float = Field(1.0, gt=0, le=1, description="track on frames scaled by this factor (0.5 = half size)")

    def build(self) -> MultiObjectTracker:
        motion: MotionModel = KalmanCorrelationModel(self.downscale, self.min_confidence)
        return MultiObjectTracker(
            motion,
            self._association(),
            min_confidence=self.min_confidence,
            keep_confident=True,
            redetect_on_low_confidence=self.redetect_on_low_confidence,
            appearance=self._appearance(),
            **self.life_cycle(),
        )
