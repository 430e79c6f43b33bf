"""Per-frame track files, written through after every frame so an interrupted run keeps its
rows, and cut back to the last whole frame when a write fails (a full disk)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tracker.core.mot import format_rows
from tracker.core.protocols import FrameResult
from tracker.timing import iso_time


class FrameLines:
    """A UTF-8 text file written one frame's lines at a time, unbuffered. When a write fails,
    the file is cut back to the end of the last whole frame before the error goes on, so it
    never ends in a half-written line."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("wb", buffering=0)
        self._size = 0  # bytes of whole frames

    def append(self, text: str) -> None:
        data = memoryview(text.encode())
        try:
            while data:
                data = data[self._file.write(data) or 0 :]
        except OSError:
            self._file.truncate(self._size)
            self._file.seek(self._size)
            raise
        self._size = self._file.tell()

    def close(self) -> None:
        self._file.close()


class _LineSink:
    wants_image = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = FrameLines(path)

    def close(self) -> None:
        self._file.close()


class MOTSink(_LineSink):
    """MOTChallenge rows ``frame,id,x,y,w,h,conf,-1,-1,-1`` with 1-based frames (TrackEval reads them as they are)."""

    def write(self, result: FrameResult) -> None:
        tracks = result.tracks
        self._file.append("".join(format_rows(result.frame.index + 1, tracks.ids, tracks.xyxy, tracks.scores)))


CSV_COLUMNS = ("frame", "time_s", "id", "class", "x1", "y1", "x2", "y2", "score", "source", "wall_time")


class CSVSink(_LineSink):
    """One row per object per frame; ``source`` is ``detector`` or ``tracker``; ``wall_time``
    (live sources only) is when the frame arrived, ISO 8601 local time."""

    def __init__(self, path: Path, class_names: tuple[str, ...]) -> None:
        super().__init__(path)
        self.class_names = class_names
        self._rows = io.StringIO(newline="")  # one frame's rows, then appended to the file
        self._writer = csv.writer(self._rows)
        self._writer.writerow(CSV_COLUMNS)
        self._append_rows()

    def _append_rows(self) -> None:
        self._file.append(self._rows.getvalue())
        self._rows.seek(0)
        self._rows.truncate()

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
        self._append_rows()
