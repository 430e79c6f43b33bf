"""Cost matrices between track boxes and detection boxes, and optimal (Hungarian) matching."""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass

import numpy as np

from tracker.core.geometry import iou_matrix

SOLVER_MODULE = "scipy.optimize"  # linear_sum_assignment


def iou_cost(tracks: np.ndarray, detections: np.ndarray) -> np.ndarray:
    """1 - IoU: 0 for identical boxes, 1 for disjoint ones."""
    return 1.0 - iou_matrix(tracks, detections)


def centroid_cost(tracks: np.ndarray, detections: np.ndarray) -> np.ndarray:
    """Distance between box centres in units of the track box's diagonal, so the gate
    scales with object size (a near, large person may move further than a far, small one)."""
    track_centres = (tracks[:, :2] + tracks[:, 2:]) / 2
    det_centres = (detections[:, :2] + detections[:, 2:]) / 2
    diagonals = np.hypot(tracks[:, 2] - tracks[:, 0], tracks[:, 3] - tracks[:, 1])
    distances = np.linalg.norm(track_centres[:, None, :] - det_centres[None, :, :], axis=2)
    return distances / np.maximum(diagonals, 1.0)[:, None]


def iou_distance_cost(tracks: np.ndarray, detections: np.ndarray) -> np.ndarray:
    """1 - IoU plus the squared distance between the centres over the squared diagonal of the
    box enclosing both (the DIoU loss): 0 for identical boxes, under 1 when they overlap,
    between 1 and 2 for disjoint ones, growing with their distance, so a prediction that
    has drifted just off its object still finds it."""
    t, d = tracks[:, None, :], detections[None, :, :]
    centre_gap = np.sum(np.square((t[..., :2] + t[..., 2:]) / 2 - (d[..., :2] + d[..., 2:]) / 2), axis=-1)
    enclosing = np.maximum(t[..., 2:], d[..., 2:]) - np.minimum(t[..., :2], d[..., :2])
    diagonal = np.maximum(np.sum(np.square(enclosing), axis=-1), 1e-9)
    return 1.0 - iou_matrix(tracks, detections) + centre_gap / diagonal


@dataclass(frozen=True)
class Matching:
    """Row/column index pairs, plus the rows and columns left unmatched."""

    pairs: np.ndarray  # (K, 2) int: track index, detection index
    unmatched_tracks: np.ndarray
    unmatched_detections: np.ndarray


def preload_solver() -> threading.Thread:
    """Start importing SciPy's assignment solver (``SOLVER_MODULE``, about 0.8 s) on a thread:
    start-up does not wait for it, and a live stream does not stall on it at its first
    association (it dropped ~20 frames at 25 fps there). ``match`` waits for it if needed."""
    thread = threading.Thread(target=importlib.import_module, args=(SOLVER_MODULE,), name="preload-solver")
    thread.start()
    return thread


def wait_for_solver() -> None:
    """Return once SciPy's assignment solver is imported (waiting for ``preload_solver``'s
    thread if it is at it, importing it here otherwise)."""
    importlib.import_module(SOLVER_MODULE)


def match(cost: np.ndarray, max_cost: float) -> Matching:
    """Minimum-cost one-to-one assignment; pairs costing more than ``max_cost`` are refused."""
    n_tracks, n_dets = cost.shape
    if n_tracks == 0 or n_dets == 0:
        return Matching(np.zeros((0, 2), int), np.arange(n_tracks), np.arange(n_dets))
    from scipy.optimize import linear_sum_assignment  # imported here, or ahead by preload_solver

    gated = np.where(cost <= max_cost, cost, max_cost + 1e6)
    rows, cols = linear_sum_assignment(gated)
    ok = gated[rows, cols] <= max_cost
    pairs = np.stack([rows[ok], cols[ok]], axis=1)
    return Matching(pairs, indices_not_in(n_tracks, pairs[:, 0]), indices_not_in(n_dets, pairs[:, 1]))


def indices_not_in(count: int, taken: np.ndarray) -> np.ndarray:
    """The indices ``0..count-1`` not in ``taken``, ascending (``np.setdiff1d`` without its
    sorting: a tenth of the time on a frame's few tracks)."""
    left = np.ones(count, bool)
    left[taken] = False
    return np.flatnonzero(left)
