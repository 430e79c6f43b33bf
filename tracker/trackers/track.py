"""One tracked object's state."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from tracker.core.types import TrackSnapshot
from tracker.trackers.motion import TrackMotion

DIRECTION_SPAN = 3  # detections back that a track's direction of motion is measured over (OC-SORT's delta t)


@dataclass
class Track:
    """A track is *tentative* until it has ``confirm_hits`` detections, then it gets a public id.
    ``observed`` and ``last_seen_s`` are its last matching detection's box and time; ``missed`` is True when
    the latest detector call did not see it (it is then kept, but not reported). ``key`` is the
    tracker's serial for it, given at birth; ``appearance`` its colour histograms, when the
    tracker learns them."""

    key: int
    motion: TrackMotion
    box: np.ndarray
    score: float
    class_id: int
    hits: int = 1
    last_seen_s: float = 0.0
    missed: bool = False
    confidence: float = 1.0
    from_detector: bool = True
    public_id: int | None = None
    appearance: np.ndarray | None = None
    recent: deque[np.ndarray] = field(default_factory=lambda: deque(maxlen=DIRECTION_SPAN + 1))

    def observe(self, box: np.ndarray) -> None:
        """Remember a matching detection's box."""
        self.recent.append(np.asarray(box, np.float32))

    @property
    def observed(self) -> np.ndarray:
        """The last matching detection's box."""
        return self.recent[-1]

    def direction(self) -> np.ndarray:
        """Unit vector of the centre's move over the last ``DIRECTION_SPAN`` detections
        (zeros until there are two)."""
        step = (self.recent[-1][:2] + self.recent[-1][2:] - self.recent[0][:2] - self.recent[0][2:]) / 2
        length = float(np.linalg.norm(step))
        return step / length if length > 1e-6 else np.zeros(2, np.float32)

    @property
    def confirmed(self) -> bool:
        return self.public_id is not None

    @property
    def shown(self) -> bool:
        return self.confirmed and not self.missed

    def snapshot(self) -> TrackSnapshot:
        return TrackSnapshot(
            self.key,
            self.public_id,
            np.array(self.box, np.float32),
            self.score,
            self.class_id,
            self.from_detector,
            self.confidence,
            self.shown,
        )
