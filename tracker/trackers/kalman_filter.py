"""A constant-velocity Kalman filter in box space, as SORT, DeepSORT and ByteTrack use.

State: box centre ``cx, cy``, aspect ratio ``a = w / h``, height ``h`` and their velocities
per frame. Measurement: ``cx, cy, a, h``. Noise scales with the box height (a near, large
person moves more pixels per frame than a far one), with DeepSORT's weights.

The motion, observation and noise matrices never couple two of the four quantities, so the
8x8 covariance stays four independent 2x2 (position, velocity) blocks. The filter keeps only
those blocks and does DeepSORT's matrix algebra on them in closed form: the same estimates in a
fraction of the time (it runs for every track on every frame).
"""

from __future__ import annotations

import numpy as np

STD_POSITION = 1.0 / 20
STD_VELOCITY = 1.0 / 160

# Standard deviations per quantity (cx, cy, a, h): a weight times the box height, except the
# aspect ratio's, which is fixed. Rows: position, velocity.
_HEIGHT_WEIGHT = np.array(
    [[STD_POSITION, STD_POSITION, 0.0, STD_POSITION], [STD_VELOCITY, STD_VELOCITY, 0.0, STD_VELOCITY]]
)
_FIXED = np.array([[0.0, 0.0, 1e-2, 0.0], [0.0, 0.0, 1e-5, 0.0]])
_INITIAL_FACTOR = np.array([[2.0], [10.0]])  # a new track's uncertainty, in units of one frame's
_MEASUREMENT_FIXED = np.array([0.0, 0.0, 1e-1, 0.0])

# Process noise variances: (weight * h)^2 + fixed^2, as (pp, pv, vv) rows (no position-velocity term).
_NOISE_PER_HEIGHT2 = np.array([_HEIGHT_WEIGHT[0] ** 2, np.zeros(4), _HEIGHT_WEIGHT[1] ** 2])
_NOISE_FIXED = np.array([_FIXED[0] ** 2, np.zeros(4), _FIXED[1] ** 2])
# One frame of constant velocity, F = [[1, 1], [0, 1]], on the rows (pp, pv, vv): F P F^T.
_PROPAGATE = np.array([[1.0, 2.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]])


def xyxy_to_xyah(box: np.ndarray) -> np.ndarray:
    x1, y1, x2, y2 = np.asarray(box, np.float64).tolist()
    h = max(y2 - y1, 1e-3)
    return np.array([(x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / h, h])


def xyah_to_xyxy(state: np.ndarray) -> np.ndarray:
    cx, cy, a, h = state[:4].tolist()
    h = max(h, 1.0)
    w = max(a, 0.05) * h
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], np.float32)


class BoxKalmanFilter:
    """One object's box: ``predict()`` advances one frame, ``update(box)`` folds in a
    measured box (xyxy), ``box`` is the current estimate (xyxy)."""

    def __init__(self, box: np.ndarray) -> None:
        z = xyxy_to_xyah(box)
        self.mean = np.concatenate([z, np.zeros(4)])
        std = _INITIAL_FACTOR * _HEIGHT_WEIGHT * z[3] + _FIXED
        # Per quantity: variance of the position, position-velocity covariance, variance of the velocity.
        self._blocks = np.array([std[0] ** 2, np.zeros(4), std[1] ** 2])

    @property
    def covariance(self) -> np.ndarray:
        """The full 8x8 covariance (positions first, then velocities)."""
        pp, pv, vv = (np.diag(row) for row in self._blocks)
        return np.block([[pp, pv], [pv, vv]])

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        """A copy of the mean and the covariance's 2x2 blocks, for ``restore``."""
        return self.mean.copy(), self._blocks.copy()

    def restore(self, state: tuple[np.ndarray, np.ndarray]) -> None:
        self.mean, self._blocks = state[0].copy(), state[1].copy()

    @property
    def box(self) -> np.ndarray:
        return xyah_to_xyxy(self.mean)

    def predict(self) -> None:
        h = float(self.mean[3])
        self._blocks = _PROPAGATE @ self._blocks + (h * h) * _NOISE_PER_HEIGHT2 + _NOISE_FIXED
        self.mean[:4] += self.mean[4:]

    def update(self, box: np.ndarray, noise_scale: float = 1.0) -> None:
        """Fold in a measured box; ``noise_scale`` > 1 trusts it less (e.g. a correlation
        tracker's estimate rather than a detection)."""
        z = xyxy_to_xyah(box)
        blocks = self._blocks
        std = noise_scale * (_HEIGHT_WEIGHT[0] * float(self.mean[3]) + _MEASUREMENT_FIXED)
        gain = blocks[:2] / (blocks[0] + std * std)  # rows: position, velocity
        self.mean += (gain * (z - self.mean[:4])).ravel()
        blocks[2] -= gain[1] * blocks[1]
        blocks[:2] *= 1.0 - gain[0]
