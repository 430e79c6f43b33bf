"""A cheap appearance cue: colour histograms of a box's upper and lower half (clothes), compared
with the Bhattacharyya distance, so a lost track is not handed to a differently dressed person
who walks into its predicted box."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

HUE_BINS, SATURATION_BINS = 8, 4
FEATURE_SIZE = 2 * HUE_BINS * SATURATION_BINS
CENTRE_WIDTH = 0.6  # the middle of the box: less background beside the person


def color_histograms(image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """One feature per box (N, FEATURE_SIZE): hue-saturation histograms of the upper and the
    lower half of the box's central part, each normalised to sum 1, concatenated and halved."""
    height, width = image.shape[:2]
    features = np.zeros((len(boxes), FEATURE_SIZE), np.float32)
    for row, (x1, y1, x2, y2) in enumerate(np.asarray(boxes, np.float64)):
        margin = (x2 - x1) * (1 - CENTRE_WIDTH) / 2
        left, right = int(max(0, x1 + margin)), int(min(width, x2 - margin))
        top, bottom = int(max(0, y1)), int(min(height, y2))
        if right <= left or bottom <= top:
            continue
        hsv = cv2.cvtColor(image[top:bottom, left:right], cv2.COLOR_BGR2HSV)
        middle = (bottom - top) // 2
        for half, crop in enumerate((hsv[:middle], hsv[middle:])):
            if crop.size == 0:
                continue
            histogram = cv2.calcHist([crop], [0, 1], None, [HUE_BINS, SATURATION_BINS], [0, 180, 0, 256]).ravel()
            size = FEATURE_SIZE // 2
            features[row, half * size : (half + 1) * size] = histogram / max(float(histogram.sum()), 1e-9) / 2
    return features


def bhattacharyya_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance between every histogram in ``a`` (N,K) and every one in ``b`` (M,K), each summing
    to 1 -> (N,M) in [0, 1]: 0 for the same colours, 1 for no colour in common."""
    coefficient = np.sqrt(a)[:, None, :] * np.sqrt(b)[None, :, :]
    return np.sqrt(np.clip(1.0 - coefficient.sum(axis=-1), 0.0, 1.0))


@dataclass(frozen=True)
class AppearanceModel:
    """How tracks learn their look: each confident match (score >= ``min_score``, most likely
    unoccluded) blends the box's histograms into the track's with ``momentum``. (How the look
    is used is the association's business: ``ByteTrack(appearance_gate=...)``.)"""

    momentum: float = 0.9
    min_score: float = 0.5

    def describe(self, image: np.ndarray, boxes: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Histograms of the boxes scoring at least ``min_score`` (zeros for the others: only
        confident boxes are compared or learnt from, and each costs about 0.1 ms)."""
        features = np.zeros((len(boxes), FEATURE_SIZE), np.float32)
        confident = np.flatnonzero(np.asarray(scores) >= self.min_score)
        if len(confident):
            features[confident] = color_histograms(image, np.asarray(boxes)[confident])
        return features

    def blend(self, model: np.ndarray | None, feature: np.ndarray, score: float) -> np.ndarray | None:
        if score < self.min_score or not feature.any():
            return model
        return feature if model is None else self.momentum * model + (1 - self.momentum) * feature
