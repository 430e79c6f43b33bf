"""What the loop hands to every output, and the output (sink) interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tracker.types import Frame, Tracks


@dataclass(frozen=True)
class FrameResult:
    """One processed frame: its tracks, why the detector ran on it (``None`` when it did not),
    and the annotated image (``None`` when no sink wants one)."""

    frame: Frame
    tracks: Tracks
    detect_reason: str | None
    annotated: np.ndarray | None


class FrameSink(Protocol):
    """An output fed every processed frame, in order; closed once, on any exit.
    ``wants_image`` asks the loop to draw the annotated image for it."""

    wants_image: bool

    def write(self, result: FrameResult) -> None: ...

    def close(self) -> None: ...
