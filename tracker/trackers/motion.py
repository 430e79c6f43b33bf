"""Per-track motion models: how a track's box moves on frames without a detection.

A ``MotionModel`` prepares each frame once (e.g. a downscaled RGB copy) and starts one
``TrackMotion`` per track; the track asks it to ``predict`` every frame and ``correct``s it
with the matched detection box on detection frames.
"""

from __future__ import annotations

import weakref
from typing import Any, Protocol

import cv2
import numpy as np

from tracker.core.geometry import iou_matrix, near_another
from tracker.core.types import Frame
from tracker.trackers.kalman_filter import BoxKalmanFilter


class TrackMotion(Protocol):
    def predict(self, prepared: Any) -> tuple[np.ndarray, float]:
        """Advance to this frame; return the box (xyxy) and the confidence in it."""
        ...

    def correct(self, prepared: Any, box: np.ndarray) -> np.ndarray:
        """Fold in a detected box; return the box to report for this frame (the detection
        itself, or a filter's estimate that also weighs the prediction)."""
        ...


class MotionModel(Protocol):
    def prepare(self, frame: Frame) -> Any: ...

    def start(self, prepared: Any, box: np.ndarray) -> TrackMotion: ...


class CorrelationMotion(TrackMotion, Protocol):
    def follow(self, on: bool) -> None:
        """Whether the tracker is updated on the frames to come (pooled trackers skip the others)."""
        ...


class CorrelationMotionModel(Protocol):
    def prepare(self, frame: Frame) -> Any: ...

    def start(self, prepared: Any, box: np.ndarray) -> CorrelationMotion: ...


class _ConstantVelocity:
    def __init__(self, frame_index: int, box: np.ndarray, smoothing: float) -> None:
        self.box = box.astype(np.float64)
        self.velocity: np.ndarray | None = None  # of the box centre, pixels per frame
        self.frame_index = frame_index
        self.last_detection = (frame_index, self.box.copy())
        self.smoothing = smoothing

    def predict(self, frame_index: int) -> tuple[np.ndarray, float]:
        if self.velocity is not None:
            self.box = self.box + np.tile(self.velocity * (frame_index - self.frame_index), 2)
        self.frame_index = frame_index
        return self.box.astype(np.float32), 1.0

    def correct(self, frame_index: int, box: np.ndarray) -> np.ndarray:
        last_index, last_box = self.last_detection
        if frame_index > last_index:
            shift = (box[:2] + box[2:]) / 2 - (last_box[:2] + last_box[2:]) / 2
            observed = shift / (frame_index - last_index)
            self.velocity = (
                observed
                if self.velocity is None
                else (self.smoothing * self.velocity + (1 - self.smoothing) * observed)
            )
        self.box = box.astype(np.float64)
        self.frame_index = frame_index
        self.last_detection = (frame_index, self.box.copy())
        return box


class ConstantVelocityModel:
    """Moves each box's centre by its velocity, measured between its last two detections and
    smoothed (the first measurement is taken as it is; before it, the box stands still); the
    box keeps the size of its last detection.
    Confidence is always 1: this model has no way to tell it has lost the object."""

    def __init__(self, smoothing: float = 0.5) -> None:
        self.smoothing = smoothing

    def prepare(self, frame: Frame) -> int:
        return frame.index

    def start(self, prepared: int, box: np.ndarray) -> _ConstantVelocity:
        return _ConstantVelocity(prepared, box, self.smoothing)


class _Correlation:
    def __init__(self, image: np.ndarray, box: np.ndarray, scale: float) -> None:
        import dlib

        self.scale = scale
        self._tracker = dlib.correlation_tracker()
        self.correct(image, box)

    def predict(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        psr = self._tracker.update(image)
        rect = self._tracker.get_position()
        box = np.array([rect.left(), rect.top(), rect.right(), rect.bottom()], np.float32) / self.scale
        return box, float(psr)

    def correct(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        import dlib

        x1, y1, x2, y2 = (np.asarray(box, np.float64) * self.scale).tolist()
        self._tracker.start_track(image, dlib.drectangle(x1, y1, x2, y2))
        return box

    def follow(self, on: bool) -> None:
        """Nothing to do: this process updates a tracker only when asked to ``predict``."""


def scaled(image: np.ndarray, scale: float) -> np.ndarray:
    """``image`` scaled by ``scale`` (area averaging), or ``image`` itself at 1."""
    if scale == 1.0:
        return image
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def scaled_rgb(image: np.ndarray, scale: float) -> np.ndarray:
    """The RGB copy of a BGR ``image`` scaled by ``scale`` that dlib's trackers run on."""
    return cv2.cvtColor(scaled(image, scale), cv2.COLOR_BGR2RGB)


class CorrelationModel:
    """One ``dlib.correlation_tracker`` per track on an RGB frame scaled by ``scale``;
    the confidence is dlib's peak-to-sidelobe ratio (about 20 when locked, under 7 when lost)."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def prepare(self, frame: Frame) -> np.ndarray:
        return scaled_rgb(frame.image, self.scale)

    def start(self, prepared: np.ndarray, box: np.ndarray) -> _Correlation:
        return _Correlation(prepared, box, self.scale)


class _Kalman:
    def __init__(self, frame_index: int, box: np.ndarray, reupdate: bool = False) -> None:
        self.filter = BoxKalmanFilter(box)
        self.frame_index = frame_index
        self.reupdate = reupdate
        self._observed = (frame_index, np.asarray(box, np.float64), self.filter.state())

    def predict(self, frame_index: int) -> tuple[np.ndarray, float]:
        for _ in range(frame_index - self.frame_index):
            self.filter.predict()
        self.frame_index = frame_index
        return self.filter.box, 1.0

    @property
    def last_corrected(self) -> int:
        """The frame index of the last detection folded in (the first box's, before any)."""
        return self._observed[0]

    def correct(self, frame_index: int, box: np.ndarray) -> np.ndarray:
        last_index, last_box, state = self._observed
        gap = frame_index - last_index
        box = np.asarray(box, np.float64)
        if self.reupdate and gap > 1:
            # OC-SORT's observation-centric re-update: back to the state of the last
            # observation, then along the straight line to this one, one frame at a time.
            self.filter.restore(state)
            for step in range(1, gap):
                self.filter.predict()
                self.filter.update(last_box + (box - last_box) * step / gap)
            self.filter.predict()
        self.filter.update(box)
        self._observed = (frame_index, box, self.filter.state())
        return self.filter.box


class KalmanModel:
    """A constant-velocity Kalman filter per track in box space (centre, aspect, height):
    detections correct it, and its prediction carries the box between them. On detection
    frames the reported box is the filter's estimate, which weighs the detection against the
    prediction (as SORT and ByteTrack report), so one jittery box moves it less.
    With ``reupdate`` (OC-SORT), a detection that comes more than one frame after the track's
    previous one (a track found again, or the frames between scheduled detector calls)
    re-runs the filter from that previous detection along the straight line between the two,
    so the velocity learnt over the gap is the observed one rather than the coasting guess.
    Confidence is always 1 (the filter cannot see the image)."""

    def __init__(self, reupdate: bool = False) -> None:
        self.reupdate = reupdate

    def prepare(self, frame: Frame) -> int:
        return frame.index

    def start(self, prepared: int, box: np.ndarray) -> _Kalman:
        return _Kalman(prepared, box, self.reupdate)


class _KalmanCorrelation:
    def __init__(
        self,
        frame_index: int,
        correlation: CorrelationMotion,
        box: np.ndarray,
        min_confidence: float,
        reupdate: bool,
        reanchor_iou: float | None,
    ) -> None:
        self.kalman = _Kalman(frame_index, box, reupdate)
        self.correlation = correlation
        self.min_confidence = min_confidence
        self.reanchor_iou = reanchor_iou
        self.following = True  # dlib follows this track on the current frame (else its tracker goes stale)
        self._correlation_box: tuple[int, np.ndarray] | None = None  # dlib's box, on which frame

    def predict(self, prepared: tuple[int, Any]) -> tuple[np.ndarray, float]:
        frame_index, image = prepared
        self.kalman.predict(frame_index)
        if not self.following:
            return self.kalman.filter.box, NO_EVIDENCE
        box, psr = self.correlation.predict(image)
        self._correlation_box = (frame_index, box)
        if psr >= self.min_confidence:
            self.kalman.filter.update(box, noise_scale=CORRELATION_NOISE_SCALE)
        return self.kalman.filter.box, psr

    def correct(self, prepared: tuple[int, Any], box: np.ndarray) -> np.ndarray:
        frame_index, image = prepared
        if self.following and not self._agrees(frame_index, box):
            self.correlation.correct(image, box)
        return self.kalman.correct(frame_index, box)

    def _agrees(self, frame_index: int, box: np.ndarray) -> bool:
        """Whether dlib's box on this frame overlaps ``box`` by at least ``reanchor_iou``."""
        if self.reanchor_iou is None or self._correlation_box is None or self._correlation_box[0] != frame_index:
            return False
        return bool(
            iou_matrix(self._correlation_box[1][None], np.asarray(box, np.float32)[None])[0, 0] >= self.reanchor_iou
        )


# The confidence of a track no image tracker looked at on this frame. NaN compares False both
# ways, so such a track is neither kept shown through a missed detection (confidence >=
# min_confidence) nor a reason for an early detection (confidence < min_confidence).
NO_EVIDENCE = float("nan")
CORRELATION_NOISE_SCALE = 2.0  # a correlation box is a rougher measurement than a detection


class KalmanCorrelationModel:
    """A Kalman filter per track whose prediction is corrected, on every frame, by a dlib
    correlation tracker's box when the tracker is locked on (peak-to-sidelobe ratio at least
    ``min_confidence``). The confidence is that ratio, so the multi-object tracker can keep
    a well-locked track alive through a missed detection. ``correlation`` runs the dlib
    trackers (``CorrelationModel`` in this process, or ``PooledCorrelationModel`` in workers).
    ``reupdate``: as ``KalmanModel``'s (the correlation boxes since the previous detection are
    then replaced by the straight line).

    With ``crowd_margin``, dlib follows a track only where its Kalman prediction is in doubt:
    while its box, grown by ``crowd_margin`` times its size on every side, touches another
    track's box (``near_another``), or once a detector call that matched other tracks missed
    it. The other tracks follow their Kalman filter alone and skip dlib's cost; their
    confidence is ``NO_EVIDENCE``, so, as in ``bytetrack``, the detector missing them hides them,
    and they never ask for an early detection. A track that dlib follows again is first
    re-anchored on the previous frame at its Kalman box.

    With ``reanchor_iou``, a matched detection re-anchors a followed track's dlib tracker only
    when dlib's own box on that frame overlaps it by less than ``reanchor_iou``: a tracker that
    agrees with the detector keeps the template it learned (and dlib's cost of starting anew)."""

    def __init__(
        self,
        correlation: CorrelationMotionModel,
        min_confidence: float = 5.0,
        reupdate: bool = False,
        crowd_margin: float | None = None,
        reanchor_iou: float | None = None,
    ) -> None:
        self.correlation = correlation
        self.min_confidence = min_confidence
        self.reupdate = reupdate
        self.crowd_margin = crowd_margin
        self.reanchor_iou = reanchor_iou
        self._motions: weakref.WeakSet[_KalmanCorrelation] = weakref.WeakSet()
        self._previous: Any = None  # the correlation model's view of the previous frame

    def prepare(self, frame: Frame) -> tuple[int, Any]:
        if self.crowd_margin is not None:
            self._choose_followed(self.crowd_margin)
        self._previous = self.correlation.prepare(frame)
        return frame.index, self._previous

    def _choose_followed(self, margin: float) -> None:
        motions = list(self._motions)
        if not motions:
            return
        crowded = near_another(np.array([m.kalman.filter.box for m in motions], np.float32), margin)
        last_detection = max(m.kalman.last_corrected for m in motions)
        for motion, near in zip(motions, crowded):
            following = bool(near) or motion.kalman.last_corrected < last_detection
            if following and not motion.following:  # dlib skipped the frames since it last looked
                motion.correlation.correct(self._previous, motion.kalman.filter.box)
            motion.following = following
            motion.correlation.follow(following)

    def start(self, prepared: tuple[int, Any], box: np.ndarray) -> _KalmanCorrelation:
        frame_index, image = prepared
        correlation = self.correlation.start(image, box)
        motion = _KalmanCorrelation(
            frame_index, correlation, box, self.min_confidence, self.reupdate, self.reanchor_iou
        )
        self._motions.add(motion)
        return motion
