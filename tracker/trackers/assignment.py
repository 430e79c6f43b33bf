"""How a detector call's boxes are assigned to the tracks: one Hungarian matching over all
detections, or ByteTrack's two stages (confident detections first, then the low-score ones
against the tracks left over)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tracker.trackers.association import iou_cost, match
from tracker.types import Detections

CostFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]

# ByteTrack's second stage: a low-score box must overlap the track's prediction by IoU >= 0.5.
LOW_SCORE_MAX_COST = 0.5


@dataclass(frozen=True)
class TrackState:
    """What the assignment needs to know of the tracks: predicted boxes (N,4), class ids,
    and which tracks were seen by the previous detector call (``active``)."""

    boxes: np.ndarray
    class_ids: np.ndarray
    active: np.ndarray


@dataclass(frozen=True)
class Assignment:
    """Matched (track index, detection index) pairs, the tracks left unmatched, and the
    detections that start new tracks."""

    pairs: np.ndarray
    unmatched_tracks: np.ndarray
    births: np.ndarray


class Association(Protocol):
    def assign(self, tracks: TrackState, detections: Detections) -> Assignment: ...


def _class_gated(cost: CostFunction, boxes: np.ndarray, class_ids: np.ndarray,
                 detections: Detections) -> np.ndarray:
    matrix = cost(boxes, detections.xyxy)
    matrix[class_ids[:, None] != detections.class_ids[None, :]] = np.inf
    return matrix


class OneStage:
    """Every detection competes for every track in one gated Hungarian matching; each
    detection left over starts a track."""

    def __init__(self, cost: CostFunction, max_cost: float) -> None:
        self.cost = cost
        self.max_cost = max_cost

    def assign(self, tracks: TrackState, detections: Detections) -> Assignment:
        matching = match(_class_gated(self.cost, tracks.boxes, tracks.class_ids, detections), self.max_cost)
        return Assignment(matching.pairs, matching.unmatched_tracks, matching.unmatched_detections)


class TwoStage:
    """ByteTrack's association. Stage 1: detections scoring at least ``high_score`` against
    all tracks (``cost``, gate ``max_cost``). Stage 2: the lower-scoring detections against
    the tracks still unmatched that the previous detector call saw, by IoU alone (>= 0.5), so
    a person whose detector score drops while partly hidden keeps the id. Only confident
    detections left over start tracks; low-score leftovers are dropped as likely clutter."""

    def __init__(self, cost: CostFunction, max_cost: float, high_score: float) -> None:
        self.cost = cost
        self.max_cost = max_cost
        self.high_score = high_score

    def assign(self, tracks: TrackState, detections: Detections) -> Assignment:
        high = np.flatnonzero(detections.scores >= self.high_score)
        low = np.flatnonzero(detections.scores < self.high_score)
        first = match(_class_gated(self.cost, tracks.boxes, tracks.class_ids, detections[high]), self.max_cost)
        pairs = [np.stack([first.pairs[:, 0], high[first.pairs[:, 1]]], axis=1)]
        left = first.unmatched_tracks[tracks.active[first.unmatched_tracks]]
        second = match(_class_gated(iou_cost, tracks.boxes[left], tracks.class_ids[left], detections[low]),
                       LOW_SCORE_MAX_COST)
        pairs.append(np.stack([left[second.pairs[:, 0]], low[second.pairs[:, 1]]], axis=1))
        all_pairs = np.concatenate(pairs).astype(int).reshape(-1, 2)
        unmatched = np.setdiff1d(np.arange(len(tracks.boxes)), all_pairs[:, 0])
        return Assignment(all_pairs, unmatched, high[first.unmatched_detections])
