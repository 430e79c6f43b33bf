"""Data passed between capture, detectors, trackers and outputs.

Boxes are always ``xyxy`` float32 pixel coordinates in the frame they came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One decoded frame. ``index`` is 0-based; ``time_s`` is seconds since the start
    (from the file's frame rate, or wall-clock for live sources). ``image`` is BGR uint8.
    Live sources also give ``wall_time`` (seconds since the epoch, when the frame arrived) and
    mark the first frame after a lost stream came back with ``after_gap``: tracks do not
    continue across it."""

    index: int
    time_s: float
    image: np.ndarray
    wall_time: float | None = None
    after_gap: bool = False

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])


def _as_boxes(xyxy: np.ndarray) -> np.ndarray:
    return np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)


@dataclass
class Detections:
    """The detector's output for one frame: N boxes with a score and a class id each."""

    xyxy: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray

    def __post_init__(self) -> None:
        self.xyxy = _as_boxes(self.xyxy)
        self.scores = np.asarray(self.scores, dtype=np.float32).reshape(-1)
        self.class_ids = np.asarray(self.class_ids, dtype=np.int32).reshape(-1)
        if not (len(self.xyxy) == len(self.scores) == len(self.class_ids)):
            raise ValueError("xyxy, scores and class_ids must have the same length")

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int32))

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: np.ndarray | slice | list[int]) -> Detections:
        return Detections(self.xyxy[index], self.scores[index], self.class_ids[index])


@dataclass
class Tracks:
    """The tracker's output for one frame: the confirmed tracks, each with a public id.

    ``from_detector`` tells whether a box is a detection matched on this frame (True)
    or the tracker's own estimate (False); ``confidence`` is the motion model's confidence
    in its estimate for this frame (dlib's peak-to-sidelobe ratio; 1.0 for models that
    cannot tell).
    """

    ids: np.ndarray
    xyxy: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray
    from_detector: np.ndarray
    confidence: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    def __post_init__(self) -> None:
        self.ids = np.asarray(self.ids, dtype=np.int64).reshape(-1)
        self.xyxy = _as_boxes(self.xyxy)
        self.scores = np.asarray(self.scores, dtype=np.float32).reshape(-1)
        self.class_ids = np.asarray(self.class_ids, dtype=np.int32).reshape(-1)
        self.from_detector = np.asarray(self.from_detector, dtype=bool).reshape(-1)
        if len(self.confidence) == 0 and len(self.ids):
            self.confidence = np.ones(len(self.ids), np.float32)
        self.confidence = np.asarray(self.confidence, dtype=np.float32).reshape(-1)
        n = len(self.ids)
        if not all(len(a) == n for a in (self.xyxy, self.scores, self.class_ids, self.from_detector, self.confidence)):
            raise ValueError("all Tracks arrays must have the same length")

    @classmethod
    def empty(cls) -> Tracks:
        return cls(
            np.zeros(0, np.int64),
            np.zeros((0, 4), np.float32),
            np.zeros(0, np.float32),
            np.zeros(0, np.int32),
            np.zeros(0, bool),
            np.zeros(0, np.float32),
        )

    @classmethod
    def from_snapshots(cls, snapshots: list[TrackSnapshot]) -> Tracks:
        """The tracks among ``snapshots`` shown on their frame (each has a public id)."""
        snapshots = [s for s in snapshots if s.shown]
        if not snapshots:
            return cls.empty()
        return cls(
            ids=np.array([s.public_id for s in snapshots], np.int64),
            xyxy=np.array([s.box for s in snapshots]),
            scores=np.array([s.score for s in snapshots], np.float32),
            class_ids=np.array([s.class_id for s in snapshots], np.int32),
            from_detector=np.array([s.detected for s in snapshots], bool),
            confidence=np.array([s.confidence for s in snapshots], np.float32),
        )

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class TrackSnapshot:
    """One live track on one frame as the tracker holds it, tentative and hidden tracks
    included, for outputs that revise recent frames (``tracker.smoothing``). ``key`` is the
    tracker's own serial for the track (stable from its first detection; the public id only
    comes with confirmation); ``detected`` tells a detection corrected it on this frame;
    ``shown`` tells the tracker reports it on this frame."""

    key: int
    public_id: int | None
    box: np.ndarray
    score: float
    class_id: int
    detected: bool
    confidence: float
    shown: bool
