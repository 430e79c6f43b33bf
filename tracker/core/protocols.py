"""The protocols through which the frame loop knows its parts: a source of frames, a detector,
a tracker and an output (sink). Each implementation lives in its own package; the loop
imports only these."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from tracker.core.types import Detections, Frame, Tracks, TrackSnapshot


@dataclass(frozen=True)
class SourceInfo:
    """What is known about a source before reading it."""

    name: str
    fps: float
    frame_count: int | None
    live: bool
    path: Path | None


@runtime_checkable
class FrameSource(Protocol):
    """An iterator of ``Frame`` that knows its ``info``; ``close()`` releases the device,
    ``stats()`` says what the source measured (dropped frames, reconnects) for ``summary.json``
    and ``end_reason``, read once the frames end, why they ended when it was not the source's
    normal end (``"source_truncated"``, ``"source_lost"``; else ``None``)."""

    info: SourceInfo

    def __iter__(self) -> Iterator[Frame]: ...

    @property
    def end_reason(self) -> str | None: ...

    def close(self) -> None: ...

    def stats(self) -> dict[str, Any]: ...


@runtime_checkable
class Detector(Protocol):
    """Finds objects in a batch of frames.

    ``class_names[i]`` names class id ``i``. ``detect`` returns one ``Detections`` per
    input frame, in order, boxes in that frame's pixel coordinates. Implementations may
    process the batch at once (a CNN on a GPU) or frame by frame (HOG).
    """

    class_names: tuple[str, ...]

    def detect(self, frames: Sequence[Frame]) -> list[Detections]: ...


@runtime_checkable
class Tracker(Protocol):
    """Follows objects from frame to frame.

    ``update(detections, frame)`` is called once per frame, in order. ``detections`` is the
    detector's output when it ran on this frame, or ``None`` on frames where only the tracker
    runs (it must then estimate every track's box itself). It returns every live track after
    the update, tentative and hidden ones included (``TrackSnapshot.shown`` tells which ones it
    reports on this frame; ``Tracks.from_snapshots`` keeps those).

    ``redetect_reason`` is read after each update: a short reason (``"low_confidence"``,
    ``"left_frame"``, ``"tentative"``, ``"no_tracks"``) when the tracker wants the detector
    to run on the next frame ahead of schedule, else ``None``.
    """

    def begin(self, frame: Frame) -> None:
        """Called with each frame before the detector runs on it (or is skipped), then
        ``update`` with the same frame: work on the frame that needs no detections may start
        here and overlap the detector (dlib trackers in worker processes). Optional to call."""
        ...

    def update(self, detections: Detections | None, frame: Frame) -> list[TrackSnapshot]: ...

    def reset(self) -> None:
        """Forget every track (e.g. after a gap in a live stream); public ids keep counting up."""
        ...

    @property
    def redetect_reason(self) -> str | None: ...


@dataclass(frozen=True)
class FrameResult:
    """One processed frame as every output sees it: its final tracks, why the detector ran on it
    (``None`` when it did not), the counting events it produced and the counts so far (``None``
    without counting lines or zones), and the annotated image (``None`` when no output wants
    one). Outputs only read it."""

    frame: Frame
    tracks: Tracks
    detect_reason: str | None
    events: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, Any] | None = None
    annotated: np.ndarray | None = None


class FrameSink(Protocol):
    """An output fed every processed frame, in order; closed once, on any exit.
    ``wants_image`` asks the loop to draw the annotated image for it."""

    wants_image: bool

    def write(self, result: FrameResult) -> None: ...

    def close(self) -> None: ...
