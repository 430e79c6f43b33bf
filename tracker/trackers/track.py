"""One tracked object's state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracker.core.types import TrackSnapshot
from tracker.trackers.motion import TrackMotion


@dataclass
class Track:
    """A track is *tentative* until it has ``confirm_hits`` detections, then it gets a public id.
    ``frames_unseen`` counts frames since its last matching detection; ``missed`` is True when
    the latest detector call did not see it (it is then kept, but not reported). ``key`` is the
    tracker's serial for it, given at birth; ``appearance`` its colour histograms, when the
    tracker learns them."""

    key: int
    motion: TrackMotion
    box: np.ndarray
    score: float
    class_id: int
    hits: int = 1
    frames_unseen: int = 0
    missed: bool = False
    confidence: float = 1.0
    from_detector: bool = True
    public_id: int | None = None
    appearance: np.ndarray | None = None

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
