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

    def add_frame(
        self,
        gt_xyxy: np.ndarray,
        det_xyxy: np.ndarray,
        det_scores: np.ndarray,
        area_range: tuple[float, float] | None = None,
    ) -> None:
        """Mark each detection (best score first) true or false positive. With ``area_range``
        (COCO's AP by size): ground truth outside the range is ignored, a detection matching it
        is left out, and an unmatched detection counts only when its own area is in range."""
        ignored = np.zeros(len(gt_xyxy), bool) if area_range is None else ~_in_range(gt_xyxy, area_range)
        self.n_ground_truth += int((~ignored).sum())
        order = np.argsort(-det_scores)
        ious = iou_matrix(det_xyxy[order], gt_xyxy)
        outside = np.zeros(len(order), bool) if area_range is None else ~_in_range(det_xyxy[order], area_range)
        taken = np.zeros(len(gt_xyxy), bool)
        for row, score, det_outside in zip(ious, det_scores[order], outside):
            match = _best_free(row, taken | ignored)
            if match is None:
                ignored_match = _best_free(row, taken | ~ignored)
                if ignored_match is not None:
                    taken[ignored_match] = True  # found a box of another size: left out
                    continue
                if det_outside:
                    continue  # a false positive of another size
            else:
                taken[match] = True
            self.scores.append(float(score))
            self.true_positive.append(match is not None)

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


def _in_range(xyxy: np.ndarray, area_range: tuple[float, float]) -> np.ndarray:
    area = (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])
    return (area >= area_range[0]) & (area < area_range[1])


def _best_free(ious: np.ndarray, unavailable: np.ndarray) -> int | None:
    """The box with the highest IoU >= ``IOU_THRESHOLD`` among the available ones, or None."""
    candidates = np.where(~unavailable & (ious >= IOU_THRESHOLD), ious, -1.0)
    if len(candidates) == 0 or candidates.max() < IOU_THRESHOLD:
        return None
    return int(candidates.argmax())


def tally_frame(
    tallies: dict[str, ClassTally],
    groups: dict[str, set[str]],
    gt: LabelledImage,
    det_xyxy: np.ndarray,
    det_names: list[str],
    det_scores: np.ndarray,
    area_range: tuple[float, float] | None = None,
) -> None:
    """Add one frame to every evaluated class. ``groups`` maps an evaluated class to the
    ground-truth / detector class names it covers (``vehicle`` -> car, motorcycle, truck...);
    ``area_range``: only boxes of that size count (see ``ClassTally.add_frame``)."""
    gt_names = np.asarray(gt.labels, dtype=object)
    det_names_array = np.asarray(det_names, dtype=object)
    for name, members in groups.items():
        gt_mask = np.isin(gt_names, list(members)) if len(gt_names) else np.zeros(0, bool)
        det_mask = np.isin(det_names_array, list(members)) if len(det_names_array) else np.zeros(0, bool)
        tallies.setdefault(name, ClassTally()).add_frame(
            gt.xyxy[gt_mask], det_xyxy[det_mask], det_scores[det_mask], area_range
        )


def iterate_images(frames: list[LabelledImage]) -> Iterator[tuple[LabelledImage, np.ndarray]]:
    for frame in frames:
        yield frame, frame.load()
