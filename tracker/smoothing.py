"""Fixed-lag smoothing: hold the last few frames' tracks before they are written, and revise
them with what the tracker learns meanwhile (as ByteTrack's interpolation does, but online,
with a bounded delay).

When a track is matched by a detection, the held frames since its previous detection are
revised: its boxes there become the straight line between the two detected boxes (better
than the motion model's prediction when the detector runs every N frames), and it is shown
on them even where the tracker had hidden it (a missed detection, a short occlusion). When a
track is confirmed, the held frames where it was still tentative show it too, so a new track
starts at its first detection rather than at its ``confirm_hits``-th.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from tracker.core.types import Frame, Tracks, TrackSnapshot


@dataclass(frozen=True)
class SmoothedFrame:
    """A frame leaving the smoother: its final tracks and why the detector ran on it."""

    frame: Frame
    tracks: Tracks
    detect_reason: str | None


@dataclass
class _Held:
    frame: Frame
    detect_reason: str | None
    states: dict[int, TrackSnapshot]


class FixedLagSmoother:
    """Delays every frame by ``lag`` frames (0: no delay, no revision). ``push`` takes the
    newest frame with the tracker's ``states`` after its update (held as copies) and returns
    the frames now final, oldest first; ``flush`` returns the frames still held (end of the run)."""

    def __init__(self, lag: int) -> None:
        if lag < 0:
            raise ValueError("lag must be >= 0")
        self.lag = lag
        self._held: deque[_Held] = deque()

    def push(self, frame: Frame, detect_reason: str | None, states: list[TrackSnapshot]) -> list[SmoothedFrame]:
        for state in states:
            if state.detected and state.public_id is not None:
                self._revise(state, frame.index)
        self._held.append(_Held(frame, detect_reason, {state.key: replace(state) for state in states}))
        ready = []
        while len(self._held) > self.lag:
            ready.append(self._release())
        return ready

    def flush(self) -> list[SmoothedFrame]:
        return [self._release() for _ in range(len(self._held))]

    def _release(self) -> SmoothedFrame:
        held = self._held.popleft()
        return SmoothedFrame(held.frame, Tracks.from_snapshots(list(held.states.values())), held.detect_reason)

    def _revise(self, detected: TrackSnapshot, frame_index: int) -> None:
        """Walk back through the held frames of a track just detected: show it on every earlier
        detection and fill each gap between two detections with interpolated boxes."""
        later_box, later_index = detected.box, frame_index
        gap: list[tuple[int, TrackSnapshot]] = []
        for held in reversed(self._held):
            past = held.states.get(detected.key)
            if past is None:
                return
            if not past.detected:
                gap.append((held.frame.index, past))
                continue
            for index, state in gap:
                fraction = (index - held.frame.index) / max(later_index - held.frame.index, 1)
                state.box = (past.box + fraction * (later_box - past.box)).astype(np.float32)
                state.shown, state.public_id = True, detected.public_id
            past.shown, past.public_id = True, detected.public_id
            later_box, later_index, gap = past.box, held.frame.index, []
