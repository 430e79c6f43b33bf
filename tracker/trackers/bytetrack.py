"""``bytetrack`` and ``bytetrack-dlib``: Kalman filters with ByteTrack's two-stage matching
(low-score boxes keep tracks alive); the ``-dlib`` variant corrects each Kalman filter with a
dlib correlation tracker between detections."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from tracker.trackers.appearance import AppearanceModel
from tracker.trackers.association import BirthRule, ByteTrack
from tracker.trackers.correlation import MIN_CONFIDENCE_HELP, WORKERS_HELP, correlation_model
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
        "Bhattacharyya distance of its own (off by default: it helps neither dev clip with the detector on every "
        "frame, see docs/tracking-benchmark.md)",
    )

    appearance_weight: float | None = Field(
        None,
        gt=0,
        le=2,
        description="add this times the colour-histogram distance to the cost of confident matches, ranking only "
        "the pairs the box cost allows (unset: off)",
    )
    direction_weight: float | None = Field(
        None,
        gt=0,
        le=2,
        description="OC-SORT momentum: add this times the angle (over pi) between a track's recent direction and "
        "the step to a detection to the cost of confident matches, ranking only the pairs the box cost allows "
        "(unset: off)",
    )
    shared_box_iou: float | None = Field(
        0.5,
        gt=0,
        le=1,
        description="a detection matched to one confirmed track that also overlaps, by at least this IoU, the "
        "predicted box of another the detector saw last time and not now is taken as one box over two people "
        "passing each other: it corrects neither track, and both stay shown on their predictions (0.5, ByteTrack's "
        "IoU for the same object; null: off)",
    )
    observation_reupdate: bool = Field(
        True,
        description="OC-SORT: when a detection comes more than one frame after a track's previous one, re-run its "
        "Kalman filter along the straight line between the two (false: coast on the velocity it had)",
    )
    observation_recovery: bool = Field(
        False,
        description="OC-SORT: a confirmed track left unmatched may take a confident detection left over that "
        "overlaps its last detected box (IoU >= 0.3)",
    )
    birth_score: float | None = Field(
        None,
        ge=0,
        le=1,
        description="a confident detection left over starts a track only when it scores at least this (at least "
        "high_score; unset: high_score)",
    )
    birth_max_iou: float | None = Field(
        None,
        gt=0,
        le=1,
        description="a detection overlapping a track's predicted box or a matched detection by more than this IoU "
        "starts no track (unset: no such check)",
    )

    @model_validator(mode="after")
    def _birth_above_matching(self) -> Self:
        if self.birth_score is not None and self.birth_score < self.high_score:
            raise ValueError(f"birth_score ({self.birth_score}) must be at least high_score ({self.high_score})")
        return self

    def build(self) -> MultiObjectTracker:
        return MultiObjectTracker(
            KalmanModel(self.observation_reupdate),
            self._association(),
            appearance=self._appearance(),
            **self.life_cycle(),
        )

    def _association(self) -> ByteTrack:
        birth = BirthRule(self.birth_score or self.high_score, self.birth_max_iou)
        return ByteTrack(
            iou_distance_cost,
            self.max_cost,
            self.high_score,
            self.appearance_gate,
            birth,
            self.observation_recovery,
            self.appearance_weight,
            self.direction_weight,
            self.shared_box_iou,
        )

    def _appearance(self) -> AppearanceModel | None:
        wanted = self.appearance_gate is not None or self.appearance_weight is not None
        return AppearanceModel(min_score=self.high_score) if wanted else None


class ByteTrackDlibSettings(ByteTrackSettings):
    """``bytetrack`` whose Kalman filters dlib correlation trackers also correct on every frame where
    they are confident; a confidently followed track survives a missed detection."""

    name: Literal["bytetrack-dlib"] = "bytetrack-dlib"  # type: ignore[assignment]
    min_confidence: float = Field(5.0, ge=0, le=1000, description=MIN_CONFIDENCE_HELP)
    redetect_on_low_confidence: bool = Field(
        True, description="run the detector early when a tracker's confidence falls under min_confidence"
    )
    downscale: float = Field(1.0, gt=0, le=1, description="track on frames scaled by this factor (0.5 = half size)")
    workers: int = Field(0, ge=0, le=64, description=WORKERS_HELP)
    crowd_margin: float | None = Field(
        None,
        ge=0,
        le=10,
        description="run dlib on a track only while its box, grown by this fraction of its width and height on "
        "every side, touches another track's box, or after a detector call missed it; the other tracks follow "
        "their Kalman filter alone (null: dlib on every track on every frame)",
    )
    reanchor_iou: float | None = Field(
        None,
        gt=0,
        le=1,
        description="re-start a track's dlib tracker on its matched detection only when dlib's box overlaps the "
        "detection by less than this IoU; a tracker that agrees keeps its template (null: re-start on every match)",
    )

    def build(self) -> MultiObjectTracker:
        correlation = correlation_model(self.downscale, self.workers)
        motion: MotionModel = KalmanCorrelationModel(
            correlation, self.min_confidence, self.observation_reupdate, self.crowd_margin, self.reanchor_iou
        )
        return MultiObjectTracker(
            motion,
            self._association(),
            min_confidence=self.min_confidence,
            keep_confident=True,
            redetect_on_low_confidence=self.redetect_on_low_confidence,
            appearance=self._appearance(),
            **self.life_cycle(),
        )
