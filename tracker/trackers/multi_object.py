"""The multi-object tracker: track life cycle and association, with the motion model and
the matching cost passed in as strategies (as norfair does)."""

from __future__ import annotations

import itertools
import math
from typing import TypedDict

import numpy as np
from pydantic import Field

from tracker.core.settings import StrictSettings
from tracker.core.types import Detections, Frame, TrackSnapshot
from tracker.trackers.appearance import AppearanceModel
from tracker.trackers.association import Association, TrackTable
from tracker.trackers.costs import preload_solver
from tracker.trackers.motion import MotionModel
from tracker.trackers.track import Track

AGE_TOLERANCE_S = 1e-6  # frame times are index / fps: a track aged exactly max_age_s survives


class MultiObjectTracker:
    """Follows many objects: on detection frames, the ``association`` assigns detections to
    the tracks' predicted boxes (Hungarian, gated, same class only); between them, each
    track's motion model moves it. Tracks get a public id after ``confirm_hits`` detections,
    so one-frame noise never consumes an id; they are dropped by the first detector call
    more than ``max_age_s`` seconds of video (frame times, so the same value serves 7 and 30
    fps) after their last match, or when their centre leaves the frame. A confirmed track the
    detector missed is hidden until it is matched again, unless ``keep_confident`` and its
    motion model's confidence is at least ``min_confidence`` (a correlation tracker still
    locked on it); a track whose confidence falls under ``min_confidence`` asks for an early
    detection when ``redetect_on_low_confidence``. With an ``appearance`` model, each track also learns its colours, which the
    association may use."""

    def __init__(
        self,
        motion: MotionModel,
        association: Association,
        *,
        max_age_s: float = 1.2,
        confirm_hits: int = 3,
        min_confidence: float | None = None,
        keep_confident: bool = False,
        redetect_on_low_confidence: bool = True,
        appearance: AppearanceModel | None = None,
    ) -> None:
        self.motion = motion
        self.association = association
        self.appearance = appearance
        self.max_age_s = max_age_s
        self.confirm_hits = confirm_hits
        self.min_confidence = min_confidence
        self.keep_confident = keep_confident and min_confidence is not None
        self.redetect_on_low_confidence = redetect_on_low_confidence and min_confidence is not None
        self.tracks: list[Track] = []
        preload_solver()
        self._next_public_id = itertools.count(1)
        self._next_key = itertools.count(1)
        self._redetect_reason: str | None = "no_tracks"
        self._begun: tuple[int, object] | None = None

    def reset(self) -> None:
        """Forget every track (a gap in a live stream); public ids keep counting up, never reused."""
        self.tracks = []
        self._redetect_reason = "no_tracks"

    @property
    def redetect_reason(self) -> str | None:
        return self._redetect_reason

    def begin(self, frame: Frame) -> None:
        """Prepare the motion model's view of ``frame`` now (a pooled dlib model sends it to
        its workers, which update their trackers while the detector runs)."""
        self._begun = (frame.index, self.motion.prepare(frame))

    def update(self, detections: Detections | None, frame: Frame) -> list[TrackSnapshot]:
        begun, self._begun = self._begun, None
        prepared = begun[1] if begun is not None and begun[0] == frame.index else self.motion.prepare(frame)
        for track in self.tracks:
            track.box, track.confidence = track.motion.predict(prepared)
            track.from_detector = False
        left = self._drop_tracks_outside(frame)
        if detections is not None:
            self._associate(detections, prepared, frame)
            # Aged out only when the detector looked again: a gap between detector calls
            # longer than max_age_s must not drop every track before it is looked for.
            self.tracks = [t for t in self.tracks if frame.time_s - t.last_seen_s <= self.max_age_s + AGE_TOLERANCE_S]
        self._redetect_reason = self._reason_to_redetect(left)
        return [track.snapshot() for track in self.tracks]

    def _drop_tracks_outside(self, frame: Frame) -> bool:
        def inside(track: Track) -> bool:
            cx, cy = (track.box[0] + track.box[2]) / 2, (track.box[1] + track.box[3]) / 2
            return 0 <= cx < frame.width and 0 <= cy < frame.height

        before = len(self.tracks)
        self.tracks = [t for t in self.tracks if inside(t)]
        return len(self.tracks) < before

    def _associate(self, detections: Detections, prepared: object, frame: Frame) -> None:
        features = (
            None
            if self.appearance is None
            else self.appearance.describe(frame.image, detections.xyxy, detections.scores)
        )
        state = TrackTable(
            np.array([t.box for t in self.tracks], np.float32).reshape(-1, 4),
            np.array([t.class_id for t in self.tracks], np.int32),
            np.array([not t.missed for t in self.tracks], bool),
            np.array([t.confirmed for t in self.tracks], bool),
            None if features is None else self._track_features(features.shape[1]),
            np.array([t.observed for t in self.tracks], np.float32).reshape(-1, 4),
            np.array([t.direction() for t in self.tracks], np.float32).reshape(-1, 2),
        )
        assignment = self.association.assign(state, detections, features)
        for (track_index, det_index), shared in zip(assignment.pairs, assignment.shared, strict=True):
            track = self.tracks[track_index]
            if not shared:  # a box over two people is neither one's position nor colours
                track.box = track.motion.correct(prepared, detections.xyxy[det_index])
            track.observe(detections.xyxy[det_index])
            track.score = float(detections.scores[det_index])
            if features is not None and not shared:
                assert self.appearance is not None  # features come from it
                track.appearance = self.appearance.blend(track.appearance, features[det_index], track.score)
            track.hits += 1
            track.missed, track.from_detector = False, True
            track.last_seen_s = frame.time_s
            if not track.confirmed and track.hits >= self.confirm_hits:
                track.public_id = next(self._next_public_id)
        covered = set(assignment.covered.tolist())
        for track_index in assignment.unmatched_tracks:
            track = self.tracks[track_index]
            track.missed = not (
                track_index in covered  # hidden behind a shared box: still shown, on its prediction
                or (
                    self.keep_confident
                    and track.confirmed
                    and not track.missed
                    and track.confidence >= self.min_confidence
                )
            )
        self.tracks = [t for t in self.tracks if t.confirmed or not t.missed]
        for det_index in assignment.births:
            box = detections.xyxy[det_index]
            track = Track(
                next(self._next_key),
                self.motion.start(prepared, box),
                box,
                float(detections.scores[det_index]),
                int(detections.class_ids[det_index]),
                last_seen_s=frame.time_s,
            )
            track.observe(box)
            if self.confirm_hits <= 1:
                track.public_id = next(self._next_public_id)
            if features is not None:
                assert self.appearance is not None  # features come from it
                track.appearance = self.appearance.blend(None, features[det_index], track.score)
            self.tracks.append(track)

    def _track_features(self, size: int) -> np.ndarray:
        """The tracks' colour histograms (N, size); zeros for a track that has none yet."""
        features = np.zeros((len(self.tracks), size), np.float32)
        for row, track in enumerate(self.tracks):
            if track.appearance is not None:
                features[row] = track.appearance
        return features

    def _reason_to_redetect(self, a_track_left: bool) -> str | None:
        if a_track_left:
            return "left_frame"
        if not self.tracks:
            return "no_tracks"
        if any(not t.confirmed for t in self.tracks):
            return "tentative"
        if (
            self.redetect_on_low_confidence
            and self.min_confidence is not None
            and any(t.confidence < self.min_confidence for t in self.tracks if not t.from_detector)
        ):
            return "low_confidence"
        return None


class LifeCycle(TypedDict):
    """The life-cycle keyword arguments of ``MultiObjectTracker``."""

    max_age_s: float
    confirm_hits: int


class TrackerSettingsBase(StrictSettings):
    """What every tracker takes; each implementation adds its own keys and a ``name`` tag."""

    name: str
    max_age_s: float = Field(
        1.2, ge=0, le=3600, description="seconds of video a track survives without a matching detection"
    )
    confirm_hits: int = Field(3, ge=1, le=1000, description="detections a track needs before it gets a public id")

    def build(self) -> MultiObjectTracker:
        """The tracker these settings describe."""
        raise NotImplementedError

    def life_cycle(self) -> LifeCycle:
        """The constructor arguments of ``MultiObjectTracker`` shared by every tracker."""
        return {"max_age_s": self.max_age_s, "confirm_hits": self.confirm_hits}

    def max_age_frames(self, fps: float) -> int:
        """``max_age_s`` in frames of a ``fps`` source (rounded up)."""
        return math.ceil(self.max_age_s * fps - AGE_TOLERANCE_S)
