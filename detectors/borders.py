"""Black bars around the picture (letterbox above and below, pillarbox left and right): where
the real picture is, so that a detector can resize that and not the bars.

Only bars on both opposite sides, of about the same width, count: a dark sky at the top of a
night frame, or a dark side of a photo, is part of the picture.
"""

from __future__ import annotations

import cv2
import numpy as np

DARK_LEVEL = 24  # brightest channel value a bar pixel may have (black, plus JPEG noise)
MIN_BAR_PX = 8  # narrower bars are left in place
BAR_TOLERANCE = 0.05  # opposite bars may differ by this share of the wider one,
BAR_SLACK_PX = 4  # or by this many pixels
ROW_STEP = 4  # a column's brightest value is read on every 4th row


def picture_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` of the picture inside ``image``'s black bars (BGR or grey, uint8),
    to the pixel; the whole image when it has none."""
    height, width = image.shape[:2]
    row_peaks = cv2.reduce(image.reshape(height, -1), 1, cv2.REDUCE_MAX).ravel()
    column_peaks = image[::ROW_STEP].max(axis=0).reshape(width, -1).max(axis=1)
    y0, y1 = _picture_span(row_peaks)
    x0, x1 = _picture_span(column_peaks)
    return x0, y0, x1, y1


def without_bars(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The picture inside ``image``'s black bars (a view) and where it starts, as the float32
    offset ``(x0, y0, x0, y0)`` that moves boxes in the picture to boxes in ``image``."""
    x0, y0, x1, y1 = picture_box(image)
    return image[y0:y1, x0:x1], np.array([x0, y0, x0, y0], np.float32)


def _picture_span(peaks: np.ndarray) -> tuple[int, int]:
    """Where the picture starts and ends along one axis, given the brightest value of each
    row (or column): between two dark bars of about the same width, else everything."""
    lit = np.flatnonzero(peaks > DARK_LEVEL)
    if len(lit) == 0:
        return 0, len(peaks)
    before, after = int(lit[0]), int(len(peaks) - 1 - lit[-1])
    if min(before, after) < MIN_BAR_PX or abs(before - after) > max(BAR_SLACK_PX, BAR_TOLERANCE * max(before, after)):
        return 0, len(peaks)
    return before, len(peaks) - after
