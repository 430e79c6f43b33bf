"""Per-frame track files, flushed after every frame so an interrupted run keeps its rows."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from tracker.core.mot import format_rows
from tracker.core.protocols import FrameResult
from tracker.timing import iso_time


class _LineSink:
    wants_image = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: TextIO = path.open("w", newline="")

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


class MOTSink(_LineSink):
    """MOTChallenge rows ``frame,id,x,y,w,h,conf,-1,-1,-1`` with 1-based frames (TrackEval reads them as they are)."""

    def write(self, result: FrameResult) -> None:
        tracks = result.tracks
        self._file.writelines(format_rows(result.frame.index + 1, tracks.ids, tracks.xyxy, tracks.scores))
        self._file.flush()


CSV_COLUMNS = ("frame", "time_s", "id", "class", "x1", "y1", "x2", "y2", "score", "source", "wall_time")


class CSVSink(_LineSink):
    """One row per object per frame; ``source`` is ``detector`` or ``tracker``; ``wall_time``
    (live sources only) is when the frame arrived, ISO 8601 local time."""

    def __init__(self, path: Path, class_names: tuple[str, ...]) -> None:
        super().__init__(path)
        self.class_names = class_names
        self._writer = csv.writer(self._file)
        self._writer.writerow(CSV_COLUMNS)

    def write(self, result: FrameResult) -> None:
        frame, tracks = result.frame, result.tracks
        wall_time = iso_time(frame.wall_time) if frame.wall_time is not None else ""
        for i in range(len(tracks)):
            x1, y1, x2, y2 = tracks.xyxy[i]
            self._writer.writerow(
                (
                    frame.index + 1,
                    f"{frame.time_s:.3f}",
                    int(tracks.ids[i]),
                    self.class_names[tracks.class_ids[i]],
                    f"{x1:.1f}",
                    f"{y1:.1f}",
                    f"{x2:.1f}",
                    f"{y2:.1f}",
                    f"{tracks.scores[i]:.4f}",
                    "detector" if tracks.from_detector[i] else "tracker",
                    wall_time,
                )
            )
        self._file.flush()
