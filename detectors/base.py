"""The detector interface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from tracker.types import Detections, Frame


@runtime_checkable
class Detector(Protocol):
    """Finds objects in a batch of frames.

    ``class_names[i]`` names class id ``i``. ``detect`` returns one ``Detections`` per
    input frame, in order, boxes in that frame's pixel coordinates. Implementations may
    process the batch at once (a CNN on a GPU) or frame by frame (HOG).
    """

    class_names: tuple[str, ...]

    def detect(self, frames: Sequence[Frame]) -> list[Detections]: ...
