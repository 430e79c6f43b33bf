"""How a detector call's boxes are assigned to the tracks: one Hungarian matching over all
detections, or ByteTrack's two stages (confident detections first, then the low-score ones
against the tracks left over)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tracker.core.geometry import iou_matrix
from tracker.core.types import Detections
from tracker.trackers.appearance import bhattacharyya_distance
from tracker.trackers.costs import indices_not_in, iou_cost, match

CostFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]

# ByteTrack's second stage: a low-score box must overlap the track's prediction by IoU >= 0.5.
LOW_SCORE_MAX_COST = 0.5
# OC-SORT's recovery step: a confident box left over must overlap a track's last detected box by IoU >= 0.3.
RECOVERY_MAX_COST = 0.7


@dataclass(frozen=True)
class TrackTable:
    """What the assignment needs to know of the tracks: predicted boxes (N,4), class ids,
    which tracks were seen by the previous detector call (``active``), which have a
    public id (``confirmed``; the others are tentative), when an appearance cue is on,
    their colour histograms (N,K; all zero for a track with none yet) and, for OC-SORT's
    recovery step, each track's last detected box (``observed``, N,4) and for its momentum
    cue the unit direction its detections moved in lately (``directions``, N,2; zero when
    unknown)."""

    boxes: np.ndarray
    class_ids: np.ndarray
    active: np.ndarray
    confirmed: np.ndarray
    appearance: np.ndarray | None = None
    observed: np.ndarray | None = None
    directions: np.ndarray | None = None


@dataclass(frozen=True)
class Assignment:
    """Matched (track index, detection index) pairs, the tracks left unmatched, and the
    detections that start new tracks. ``shared`` (one flag per pair) marks a detection that
    also covers ``covered``, unmatched tracks it is taken to hide (see ``shared_boxes``)."""

    pairs: np.ndarray
    unmatched_tracks: np.ndarray
    births: np.ndarray
    shared: np.ndarray
    covered: np.ndarray


def shared_boxes(
    tracks: TrackTable, detections: Detections, pairs: np.ndarray, unmatched: np.ndarray, min_iou: float
) -> tuple[np.ndarray, np.ndarray]:
    """One box over two people passing each other: which matched pairs (a confirmed track and
    its detection) have a detection that also overlaps, by IoU >= ``min_iou``, the predicted box
    of a confirmed track of its class that the previous detector call saw and this one matched to
    nothing; and those hidden tracks. Returns (flag per pair, covered track indices)."""
    hidden = unmatched[tracks.confirmed[unmatched] & tracks.active[unmatched]]
    if not len(pairs) or not len(hidden):
        return nothing_shared(pairs)
    overlap = iou_matrix(detections.xyxy[pairs[:, 1]], tracks.boxes[hidden]) >= min_iou
    overlap &= tracks.confirmed[pairs[:, 0]][:, None]
    overlap &= detections.class_ids[pairs[:, 1]][:, None] == tracks.class_ids[hidden][None, :]
    return np.asarray(overlap.any(axis=1)), hidden[overlap.any(axis=0)]


def nothing_shared(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``shared_boxes``'s answer when no detection is shared: no flag set, no track covered."""
    return np.zeros(len(pairs), bool), np.zeros(0, int)


class Association(Protocol):
    def assign(self, tracks: TrackTable, detections: Detections, appearance: np.ndarray | None = None) -> Assignment:
        """``appearance``: the detections' colour histograms (M,K), when the tracker has a cue."""
        ...


def _class_gated(cost: CostFunction, boxes: np.ndarray, class_ids: np.ndarray, detections: Detections) -> np.ndarray:
    matrix = cost(boxes, detections.xyxy)
    matrix[class_ids[:, None] != detections.class_ids[None, :]] = np.inf
    return matrix


class OneStage:
    """Every detection competes for every track in one gated Hungarian matching; each
    detection left over starts a track."""

    def __init__(self, cost: CostFunction, max_cost: float) -> None:
        self.cost = cost
        self.max_cost = max_cost

    def assign(self, tracks: TrackTable, detections: Detections, appearance: np.ndarray | None = None) -> Assignment:
        matching = match(_class_gated(self.cost, tracks.boxes, tracks.class_ids, detections), self.max_cost)
        pairs = matching.pairs
        return Assignment(pairs, matching.unmatched_tracks, matching.unmatched_detections, *nothing_shared(pairs))


def _matched(first: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Pairs of a matching between subsets, mapped back to track and detection indices."""
    return np.stack([rows[first[:, 0]], columns[first[:, 1]]], axis=1).reshape(-1, 2)


@dataclass(frozen=True)
class BirthRule:
    """Which leftover confident detections start tracks: those scoring at least ``min_score``
    (ByteTrack's birth threshold above the matching one) and, with ``max_iou``, overlapping no
    track's predicted box and no matched detection by more than that IoU (a second box on an
    object already followed is a duplicate, not a new object)."""

    min_score: float = 0.0
    max_iou: float | None = None

    def select(self, candidates: np.ndarray, detections: Detections, taken: np.ndarray) -> np.ndarray:
        candidates = candidates[detections.scores[candidates] >= self.min_score]
        if self.max_iou is None or not len(candidates) or not len(taken):
            return candidates
        overlap = iou_matrix(detections.xyxy[candidates], taken).max(axis=1)
        return candidates[overlap <= self.max_iou]


class ByteTrack:
    """ByteTrack's association. Stage 1: detections scoring at least ``high_score`` against
    the confirmed tracks (``cost``, gate ``max_cost``): first those the previous detector call
    saw, then, with the detections left, the lost ones, whose predictions have coasted for a
    while (DeepSORT's matching cascade, in two steps), so a lost track's drifting prediction
    never takes a box from a track followed up to now. Stage 2: the
    lower-scoring detections against the confirmed tracks still unmatched that the previous
    detector call saw, by IoU alone (>= 0.5), so a person whose detector score drops while
    partly hidden keeps the id. Stage 3: the confident detections left over against the
    tentative tracks (same cost and gate as stage 1), so a track still being confirmed never
    takes an established track's detection. Only confident detections left over start
    tracks; low-score leftovers are dropped as likely clutter. With ``recovery`` (OC-SORT's
    observation-centric recovery), before stage 3 the confirmed tracks still unmatched may
    take a confident box left over that overlaps their last detected box (IoU >= 0.3): a
    person who stopped while the prediction walked on is found where they were last seen.

    With ``appearance_gate`` (and histograms for tracks and detections), a lost track may
    only take a detection whose colours are within that Bhattacharyya distance of its own:
    its coasting prediction often lands on somebody else by the time it is found again.
    With ``appearance_weight``, stage 1 adds that weight times the colour distance to its
    cost (a soft cue for crossings, where the boxes alone cannot tell two people apart). Such
    cues (this and ``direction_weight``) only rank the pairs the box cost lets through: a pair
    within ``max_cost`` is never refused for its colours or direction.

    With ``shared_box_iou``, a detection matched to one confirmed track that also covers an
    unmatched one (``shared_boxes``) is flagged: the tracker then takes it as one box over
    two people passing each other rather than as either's position."""

    def __init__(
        self,
        cost: CostFunction,
        max_cost: float,
        high_score: float,
        appearance_gate: float | None = None,
        birth: BirthRule | None = None,
        recovery: bool = False,
        appearance_weight: float | None = None,
        direction_weight: float | None = None,
        shared_box_iou: float | None = None,
    ) -> None:
        self.cost = cost
        self.max_cost = max_cost
        self.high_score = high_score
        self.appearance_gate = appearance_gate
        self.birth = birth or BirthRule()
        self.recovery = recovery
        self.appearance_weight = appearance_weight
        self.direction_weight = direction_weight
        self.shared_box_iou = shared_box_iou

    def _stage(
        self,
        cost: CostFunction,
        max_cost: float,
        tracks: TrackTable,
        rows: np.ndarray,
        detections: Detections,
        columns: np.ndarray,
        veto: np.ndarray | None = None,
        boxes: np.ndarray | None = None,
        extra: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Match ``tracks[rows]`` (their predicted boxes, or ``boxes`` instead) to
        ``detections[columns]`` (never the pairs ``veto``, a len(rows) x len(columns) mask,
        forbids; ``extra``, a full tracks x detections matrix, is added to the cost): pairs,
        rows left, columns left."""
        boxes = tracks.boxes if boxes is None else boxes
        matrix = _class_gated(cost, boxes[rows], tracks.class_ids[rows], detections[columns])
        if extra is not None:
            # the cues rank the pairs the motion cost lets through; they never refuse one
            cues = extra[np.ix_(rows, columns)]
            matrix = np.where(matrix <= max_cost, matrix + cues, np.inf)
            max_cost += float(cues.max(initial=0.0))
        if veto is not None:
            matrix[veto] = np.inf
        result = match(matrix, max_cost)
        return (
            _matched(result.pairs, rows, columns),
            rows[result.unmatched_tracks],
            columns[result.unmatched_detections],
        )

    def _looks_different(
        self, tracks: TrackTable, rows: np.ndarray, appearance: np.ndarray | None, columns: np.ndarray
    ) -> np.ndarray | None:
        if self.appearance_gate is None or appearance is None or tracks.appearance is None:
            return None
        track_features, det_features = tracks.appearance[rows], appearance[columns]
        known = track_features.any(axis=1)[:, None] & det_features.any(axis=1)[None, :]
        return known & (bhattacharyya_distance(track_features, det_features) > self.appearance_gate)

    def _appearance_cost(self, tracks: TrackTable, appearance: np.ndarray | None) -> np.ndarray | None:
        """``appearance_weight`` x the colour distance of every track to every detection (0 where
        either has no histogram yet)."""
        if not self.appearance_weight or appearance is None or tracks.appearance is None:
            return None
        known = np.outer(tracks.appearance.any(axis=1), appearance.any(axis=1))
        return self.appearance_weight * np.where(known, bhattacharyya_distance(tracks.appearance, appearance), 0.0)

    def _direction_cost(self, tracks: TrackTable, detections: Detections) -> np.ndarray | None:
        """OC-SORT's momentum: ``direction_weight`` x the angle (over pi) between the direction a
        track's detections moved in lately and the one from its last detection to each box."""
        if not self.direction_weight or tracks.directions is None or tracks.observed is None:
            return None
        centres = (tracks.observed[:, :2] + tracks.observed[:, 2:]) / 2
        steps = (detections.xyxy[None, :, :2] + detections.xyxy[None, :, 2:]) / 2 - centres[:, None, :]
        lengths = np.linalg.norm(steps, axis=-1)
        cosine = np.einsum("nk,nmk->nm", tracks.directions, steps) / np.maximum(lengths, 1e-6)
        angle = np.arccos(np.clip(cosine, -1.0, 1.0)) / np.pi
        known = np.outer(tracks.directions.any(axis=1), np.ones(len(detections), bool)) & (lengths > 0)
        return self.direction_weight * np.where(known, angle, 0.0)

    def assign(self, tracks: TrackTable, detections: Detections, appearance: np.ndarray | None = None) -> Assignment:
        looks = self._appearance_cost(tracks, appearance)
        momentum = self._direction_cost(tracks, detections)
        if momentum is not None:
            looks = momentum if looks is None else looks + momentum
        high = np.flatnonzero(detections.scores >= self.high_score)
        low = np.flatnonzero(detections.scores < self.high_score)
        confirmed = np.flatnonzero(tracks.confirmed)
        tentative = np.flatnonzero(~tracks.confirmed)
        seen = confirmed[tracks.active[confirmed]]
        lost = confirmed[~tracks.active[confirmed]]
        first_seen, seen_left, high_left = self._stage(
            self.cost, self.max_cost, tracks, seen, detections, high, extra=looks
        )
        first_lost, lost_left, high_left = self._stage(
            self.cost,
            self.max_cost,
            tracks,
            lost,
            detections,
            high_left,
            self._looks_different(tracks, lost, appearance, high_left),
            extra=looks,
        )
        second, seen_left, _ = self._stage(iou_cost, LOW_SCORE_MAX_COST, tracks, seen_left, detections, low)
        recovered = np.zeros((0, 2), int)
        if self.recovery and tracks.observed is not None:
            recovered, _, high_left = self._stage(
                iou_cost,
                RECOVERY_MAX_COST,
                tracks,
                np.concatenate([seen_left, lost_left]),
                detections,
                high_left,
                boxes=tracks.observed,
            )
        third, _, births = self._stage(self.cost, self.max_cost, tracks, tentative, detections, high_left)
        pairs = np.concatenate([first_seen, first_lost, second, recovered, third]).astype(int)
        unmatched = indices_not_in(len(tracks.boxes), pairs[:, 0])
        taken = np.concatenate([tracks.boxes, detections.xyxy[pairs[:, 1]]])
        shared, covered = (
            nothing_shared(pairs)
            if self.shared_box_iou is None
            else shared_boxes(tracks, detections, pairs, unmatched, self.shared_box_iou)
        )
        return Assignment(pairs, unmatched, self.birth.select(births, detections, taken), shared, covered)
