"""Detector evaluation on held-out labelled frames: precision, recall and AP at IoU 0.5.

AP is the VOC all-point interpolated area under the precision/recall curve of all
detections (the detector runs with a low score threshold so that the whole ranking is seen);
precision and recall are read at the detector's operating threshold (its ``min_score``).
Each ground-truth box matches at most one detection (greedy by score).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from detectors.labelled import LabelledImage
from tracker.core.geometry import iou_matrix

IOU_THRESHOLD = 0.5


@dataclass
class ClassTally:
    """Scored detections of one class over many frames, each marked true or false positive."""

    n_ground_truth: int = 0
    scores: list[float] = field(default_factory=list)
    true_positive: list[bool] = field(default_factory=list)

    def add_frame(self, gt_xyxy: np.ndarray, det_xyxy: np.ndarray, det_scores: np.ndarray) -> None:
        self.n_ground_truth += len(gt_xyxy)
        order = np.argsort(-det_scores)
        ious = iou_matrix(det_xyxy[order], gt_xyxy)
        taken = np.zeros(len(gt_xyxy), bool)
        for row, score in zip(ious, det_scores[order]):
            candidates = np.where(~taken & (row >= IOU_THRESHOLD), row, -1.0)
            hit = len(candidates) > 0 and candidates.max() >= IOU_THRESHOLD
            if hit:
                taken[int(candidates.argmax())] = True
            self.scores.append(float(score))
            self.true_positive.append(bool(hit))

    def average_precision(self) -> float:
        if self.n_ground_truth == 0:
            return float("nan")
        order = np.argsort(-np.asarray(self.scores), kind="stable")
        tp = np.asarray(self.true_positive, float)[order]
        cum_tp, cum_fp = np.cumsum(tp), np.cumsum(1 - tp)
        recall = cum_tp / self.n_ground_truth
        precision = cum_tp / np.maximum(cum_tp + cum_fp, 1e-9)
        recall = np.concatenate([[0.0], recall, [1.0]])
        precision = np.concatenate([[0.0], precision, [0.0]])
        precision = np.maximum.accumulate(precision[::-1])[::-1]
        steps = np.flatnonzero(recall[1:] != recall[:-1])
        return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))

    def precision_recall_at(self, min_score: float) -> tuple[float, float]:
        scores = np.asarray(self.scores)
        tp = np.asarray(self.true_positive, bool)[scores >= min_score]
        precision = float(tp.mean()) if len(tp) else float("nan")
        recall = float(tp.sum() / self.n_ground_truth) if self.n_ground_truth else float("nan")
        return precision, recall


def tally_frame(
    tallies: dict[str, ClassTally],
    groups: dict[str, set[str]],
    gt: LabelledImage,
    det_xyxy: np.ndarray,
    det_names: list[str],
    det_scores: np.ndarray,
) -> None:
    """Add one frame to every evaluated class. ``groups`` maps an evaluated class to the
    ground-truth / detector class names it covers (``vehicle`` -> car, motorcycle, truck...)."""
    gt_names = np.asarray(gt.labels, dtype=object)
    det_names_array = np.asarray(det_names, dtype=object)
    for name, members in groups.items():
        gt_mask = np.isin(gt_names, list(members)) if len(gt_names) else np.zeros(0, bool)
        det_mask = np.isin(det_names_array, list(members)) if len(det_names_array) else np.zeros(0, bool)
        tallies.setdefault(name, ClassTally()).add_frame(gt.xyxy[gt_mask], det_xyxy[det_mask], det_scores[det_mask])


def iterate_images(frames: list[LabelledImage]) -> Iterator[tuple[LabelledImage, np.ndarray]]:
    for frame in frames:
        yield frame, frame.load()
