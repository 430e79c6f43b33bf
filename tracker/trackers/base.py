"""The tracker interface."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tracker.types import Detections, Frame, Tracks, TrackSnapshot


@runtime_checkable
class Tracker(Protocol):
    """Follows objects from frame to frame.

    ``update(detections, frame)`` is called once per frame, in order. ``detections`` is the
    detector's output when it ran on this frame, or ``None`` on frames where only the
    tracker runs (it must then estimate every track's box itself). It returns the
    confirmed tracks on this frame.

    ``redetect_reason`` is read after each update: a short reason (``"low_confidence"``,
    ``"left_frame"``, ``"tentative"``, ``"no_tracks"``) when the tracker wants the detector
    to run on the next frame ahead of schedule, else ``None``.
    """

    def update(self, detections: Detections | None, frame: Frame) -> Tracks: ...

    def reset(self) -> None:
        """Forget every track (e.g. after a gap in a live stream); public ids keep counting up."""
        ...

    @property
    def redetect_reason(self) -> str | None: ...

    @property
    def states(self) -> list[TrackSnapshot]:
        """Every live track after the last update, tentative and hidden ones included."""
        ...
