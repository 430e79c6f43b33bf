"""Per-frame FP / FN / ID-switch counts for plotting errors along a clip.

TrackEval's CLEAR metric does not expose its per-frame matches, so this redoes the matching
on TrackEval's preprocessed data (its ids and IoU matrices) frame by frame with CLEAR's rule:
Hungarian assignment over pairs with IoU >= 0.5, pairs that continue the previous frame's
match first, then highest IoU; an ID switch is a gt matched to a different track than the
last time it was matched. Summed over the clip these equal TrackEval's CLR_FP, CLR_FN and
IDSW (tests check this on a real clip).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from tracker.evaluation.results import FrameCounts

IOU_THRESHOLD = 0.5
EPS = np.finfo(float).eps


def per_frame_counts(data: dict) -> FrameCounts:
    """Counts for every timestep of TrackEval's preprocessed sequence ``data``."""
    num_gt_ids = max(int(data["num_gt_ids"]), 1)
    last_track = np.full(num_gt_ids, np.nan)  # track last matched to each gt (any frame back)
    prev_frame_track = np.full(num_gt_ids, np.nan)  # track matched in the previous frame only
    fp, fn, idsw = [], [], []
    for gt_ids, track_ids, iou in zip(data["gt_ids"], data["tracker_ids"], data["similarity_scores"]):
        matched_gt, matched_tracks = _match(gt_ids, track_ids, iou, prev_frame_track)
        previous = last_track[matched_gt]
        idsw.append(int(np.sum(~np.isnan(previous) & (previous != matched_tracks))))
        last_track[matched_gt] = matched_tracks
        prev_frame_track[:] = np.nan
        prev_frame_track[matched_gt] = matched_tracks
        fp.append(len(track_ids) - len(matched_gt))
        fn.append(len(gt_ids) - len(matched_gt))
    return FrameCounts(fp=fp, fn=fn, idsw=idsw)


def _match(
    gt_ids: np.ndarray, track_ids: np.ndarray, iou: np.ndarray, prev_frame_track: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    if len(gt_ids) == 0 or len(track_ids) == 0:
        return np.empty(0, int), np.empty(0)
    continues = track_ids[np.newaxis, :] == prev_frame_track[gt_ids[:, np.newaxis]]
    score = 1000 * continues + iou
    score[iou < IOU_THRESHOLD - EPS] = 0
    rows, cols = linear_sum_assignment(-score)
    keep = score[rows, cols] > EPS
    return gt_ids[rows[keep]], track_ids[cols[keep]].astype(float)
