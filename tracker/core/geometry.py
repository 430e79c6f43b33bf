"""Box geometry shared by the trackers, the evaluation and the detectors (xyxy pixel boxes)."""

from __future__ import annotations

import numpy as np


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` (N,4 xyxy) with every box in ``b`` (M,4) -> (N,M); 0 where
    both boxes have no area."""
    a = a[:, None, :]
    b = b[None, :, :]
    inter_w = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    inter_h = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = inter_w * inter_h
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def xywh_to_xyxy(xywh: np.ndarray) -> np.ndarray:
    """(N,4) top-left x, y, width, height -> (N,4) x1, y1, x2, y2."""
    return np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:4]], axis=1)


def near_another(boxes: np.ndarray, margin: float) -> np.ndarray:
    """(N,) bool: which of ``boxes`` (N,4 xyxy) touch another one once either box is grown by
    ``margin`` times its own width and height on every side."""
    widths, heights = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    grown = boxes + margin * np.stack([-widths, -heights, widths, heights], axis=1)
    overlap = iou_matrix(grown, boxes) > 0
    np.fill_diagonal(overlap, False)
    return np.logical_or(overlap.any(axis=1), overlap.any(axis=0))
