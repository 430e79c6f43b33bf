"""How a detector call's boxes are assigned to the tracks: one Hungarian matching over all
detections, or ByteTrack's two stages (confident detections first, then the low-score ones
against the tracks left over)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tracker.core.types import Detections
from tracker.trackers.appearance import bhattacharyya_distance
from tracker.trackers.costs import iou_cost, match

CostFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]

# ByteTrack's second stage: a low-score box must overlap the track's prediction by IoU >= 0.5.
LOW_SCORE_MAX_COST = 0.5


@dataclass(frozen=True)
class TrackTable:
    """What the assignment needs to know of the tracks: predicted boxes (N,4), class ids,
    which tracks were seen by the previous detector call (``active``), which have a
    public id (``confirmed``; the others are tentative) and, when an appearance cue is on,
    their colour histograms (N,K; all zero for a track with none yet)."""

    boxes: np.ndarray
    class_ids: np.ndarray
    active: np.ndarray
    confirmed: np.ndarray
    appearance: np.ndarray | None = None


@dataclass(frozen=True)
class Assignment:
    """Matched (track index, detection index) pairs, the tracks left unmatched, and the
    detections that start new tracks."""

    pairs: np.ndarray
    unmatched_tracks: np.ndarray
    births: np.ndarray


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
        return Assignment(matching.pairs, matching.unmatched_tracks, matching.unmatched_detections)


def _matched(first: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Pairs of a matching between subsets, mapped back to track and detection indices."""
    return np.stack([rows[first[:, 0]], columns[first[:, 1]]], axis=1).reshape(-1, 2)


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
    tracks; low-score leftovers are dropped as likely clutter.

    With ``appearance_gate`` (and histograms for tracks and detections), a lost track may
    only take a detection whose colours are within that Bhattacharyya distance of its own:
    its coasting prediction often lands on somebody else by the time it is found again."""

    def __init__(
        self, cost: CostFunction, max_cost: float, high_score: float, appearance_gate: float | None = None
    ) -> None:
        self.cost = cost
        self.max_cost = max_cost
        self.high_score = high_score
        self.appearance_gate = appearance_gate

    def _stage(
        self,
        cost: CostFunction,
        max_cost: float,
        tracks: TrackTable,
        rows: np.ndarray,
        detections: Detections,
        columns: np.ndarray,
        veto: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Match ``tracks[rows]`` to ``detections[columns]`` (never the pairs ``veto``, a
        len(rows) x len(columns) mask, forbids): pairs, rows left, columns left."""
        matrix = _class_gated(cost, tracks.boxes[rows], tracks.class_ids[rows], detections[columns])
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

    def assign(self, tracks: TrackTable, detections: Detections, appearance: np.ndarray | None = None) -> Assignment:
        high = np.flatnonzero(detections.scores >= self.high_score)
        low = np.flatnonzero(detections.scores < self.high_score)
        confirmed = np.flatnonzero(tracks.confirmed)
        tentative = np.flatnonzero(~tracks.confirmed)
        seen = confirmed[tracks.active[confirmed]]
        lost = confirmed[~tracks.active[confirmed]]
        first_seen, seen_left, high_left = self._stage(self.cost, self.max_cost, tracks, seen, detections, high)
        first_lost, _, high_left = self._stage(
            self.cost,
            self.max_cost,
            tracks,
            lost,
            detections,
            high_left,
            self._looks_different(tracks, lost, appearance, high_left),
        )
        second, _, _ = self._stage(iou_cost, LOW_SCORE_MAX_COST, tracks, seen_left, detections, low)
        third, _, births = self._stage(self.cost, self.max_cost, tracks, tentative, detections, high_left)
        pairs = np.concatenate([first_seen, first_lost, second, third]).astype(int)
        unmatched = np.setdiff1d(np.arange(len(tracks.boxes)), pairs[:, 0])
        return Assignment(pairs, unmatched, births)
