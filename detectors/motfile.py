"""Detections read from a MOTChallenge ``det.txt`` (the "public detections" protocol).

Lets the trackers be measured apart from any detector: every tracker sees the same boxes.
Scores keep the file's own scale (MOT15 files differ: 0-1 in some clips, 0-130 in others),
so ``min_score`` must be chosen per file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from tracker.core.errors import UserError
from tracker.core.geometry import xywh_to_xyxy
from tracker.core.mot import read_rows
from tracker.core.settings import DetectorSettingsBase
from tracker.core.types import Detections, Frame


def default_det_file(source: Path | None) -> Path | None:
    """``SEQ/img1`` -> ``SEQ/det/det.txt``; ``SEQ`` -> ``SEQ/det/det.txt``."""
    if source is None:
        return None
    for folder in (source.parent, source):
        candidate = folder / "det" / "det.txt"
        if candidate.is_file():
            return candidate
    return None


class MOTFileDetector:
    """Returns the rows of ``det.txt`` whose frame number is ``frame.index + 1``."""

    class_names: tuple[str, ...] = ("person",)

    def __init__(self, det_file: Path, min_score: float = -np.inf) -> None:
        rows = read_rows(det_file, kind="det")
        rows = rows[rows[:, 6] >= min_score]
        self._by_frame: dict[int, np.ndarray] = {}
        for frame_number in np.unique(rows[:, 0]).astype(int):
            self._by_frame[int(frame_number)] = rows[rows[:, 0] == frame_number]

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        results = []
        for frame in frames:
            rows = self._by_frame.get(frame.index + 1)
            if rows is None:
                results.append(Detections.empty())
                continue
            results.append(Detections(xywh_to_xyxy(rows[:, 2:6]), rows[:, 6], np.zeros(len(rows), np.int32)))
        return results


class MOTFileSettings(DetectorSettingsBase):
    """``motfile``: replays a MOTChallenge ``det.txt`` (the "public detections" protocol)."""

    name: Literal["motfile"] = "motfile"
    min_score: float = Field(-1e6, ge=-1e6, le=1e6, description="drop rows scoring below this (default: none)")
    det_file: Path | None = Field(None, description="the det.txt to replay (default: SOURCE/../det/det.txt)")

    def build(self, source: Path | None) -> MOTFileDetector:
        det_file = self.det_file or default_det_file(source)
        if det_file is None:
            raise UserError("motfile detector: set detector.det_file (no det/det.txt beside the source)")
        if not Path(det_file).is_file():
            raise UserError(f"motfile detector: det file not found: {det_file}")
        return MOTFileDetector(Path(det_file), self.min_score)
