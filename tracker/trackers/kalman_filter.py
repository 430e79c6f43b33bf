"""A constant-velocity Kalman filter in box space, as SORT, DeepSORT and ByteTrack use.

State: box centre ``cx, cy``, aspect ratio ``a = w / h``, height ``h`` and their velocities
per frame. Measurement: ``cx, cy, a, h``. Noise scales with the box height (a near, large
person moves more pixels per frame than a far one), with DeepSORT's weights.
"""

from __future__ import annotations

import numpy as np

STD_POSITION = 1.0 / 20
STD_VELOCITY = 1.0 / 160


def xyxy_to_xyah(box: np.ndarray) -> np.ndarray:
    x1, y1, x2, y2 = np.asarray(box, np.float64)
    h = max(y2 - y1, 1e-3)
    return np.array([(x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / h, h])


def xyah_to_xyxy(state: np.ndarray) -> np.ndarray:
    cx, cy, a, h = state[:4]
    h = max(h, 1.0)
    w = max(a, 0.05) * h
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], np.float32)


class BoxKalmanFilter:
    """One object's box: ``predict()`` advances one frame, ``update(box)`` folds in a
    measured box (xyxy), ``box`` is the current estimate (xyxy)."""

    _motion = np.eye(8) + np.eye(8, k=4)  # x' = x + v (one frame)
    _observe = np.eye(4, 8)

    def __init__(self, box: np.ndarray) -> None:
        z = xyxy_to_xyah(box)
        self.mean = np.concatenate([z, np.zeros(4)])
        h = z[3]
        std = [
            2 * STD_POSITION * h,
            2 * STD_POSITION * h,
            1e-2,
            2 * STD_POSITION * h,
            10 * STD_VELOCITY * h,
            10 * STD_VELOCITY * h,
            1e-5,
            10 * STD_VELOCITY * h,
        ]
        self.covariance = np.diag(np.square(std))

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        """A copy of the mean and covariance, for ``restore``."""
        return self.mean.copy(), self.covariance.copy()

    def restore(self, state: tuple[np.ndarray, np.ndarray]) -> None:
        self.mean, self.covariance = state[0].copy(), state[1].copy()

    @property
    def box(self) -> np.ndarray:
        return xyah_to_xyxy(self.mean)

    def predict(self) -> None:
        h = self.mean[3]
        std = [
            STD_POSITION * h,
            STD_POSITION * h,
            1e-2,
            STD_POSITION * h,
            STD_VELOCITY * h,
            STD_VELOCITY * h,
            1e-5,
            STD_VELOCITY * h,
        ]
        self.mean = self._motion @ self.mean
        self.covariance = self._motion @ self.covariance @ self._motion.T + np.diag(np.square(std))

    def update(self, box: np.ndarray, noise_scale: float = 1.0) -> None:
        """Fold in a measured box; ``noise_scale`` > 1 trusts it less (e.g. a correlation
        tracker's estimate rather than a detection)."""
        z = xyxy_to_xyah(box)
        h = self.mean[3]
        std = noise_scale * np.array([STD_POSITION * h, STD_POSITION * h, 1e-1, STD_POSITION * h])
        projected_cov = self._observe @ self.covariance @ self._observe.T + np.diag(np.square(std))
        gain = np.linalg.solve(projected_cov, self._observe @ self.covariance).T
        self.mean = self.mean + gain @ (z - self._observe @ self.mean)
        self.covariance = self.covariance - gain @ projected_cov @ gain.T
