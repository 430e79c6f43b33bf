"""SSD box decoding and non-maximum suppression in NumPy/OpenCV: the part of the TF Object
Detection API post-processor a person-only detector needs, done outside the network so the
network itself can run in TensorFlow Lite (XNNPACK) or in a batched ``tf.function``."""

from __future__ import annotations

import cv2
import numpy as np

# Faster R-CNN box coder scale factors (ty, tx, th, tw), as in the frozen graph's Decode.
SCALE_FACTORS = np.array([10.0, 10.0, 5.0, 5.0], np.float32)


def decode_boxes(encodings: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Box encodings (N,4: ty,tx,th,tw) relative to anchors (N,4: ymin,xmin,ymax,xmax,
    normalised) -> boxes (N,4: ymin,xmin,ymax,xmax), clipped to the image [0,1]."""
    anchor_h = anchors[:, 2] - anchors[:, 0]
    anchor_w = anchors[:, 3] - anchors[:, 1]
    anchor_cy = anchors[:, 0] + anchor_h / 2
    anchor_cx = anchors[:, 1] + anchor_w / 2
    ty, tx, th, tw = (encodings / SCALE_FACTORS).T
    h = np.exp(th) * anchor_h
    w = np.exp(tw) * anchor_w
    cy = ty * anchor_h + anchor_cy
    cx = tx * anchor_w + anchor_cx
    boxes = np.stack([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2], axis=1)
    return np.clip(boxes, 0.0, 1.0)


def non_max_suppression(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, max_detections: int) -> np.ndarray:
    """Greedy NMS on normalised ymin,xmin,ymax,xmax boxes; indices of the kept boxes, best first."""
    if len(boxes) == 0:
        return np.zeros(0, np.int64)
    xywh = np.stack([boxes[:, 1], boxes[:, 0], boxes[:, 3] - boxes[:, 1], boxes[:, 2] - boxes[:, 0]], axis=1)
    keep = cv2.dnn.NMSBoxes(
        xywh.astype(np.float64).tolist(), scores.astype(np.float64).tolist(), 0.0, iou_threshold, top_k=max_detections
    )
    return np.asarray(keep, np.int64).reshape(-1)
