"""The MOTChallenge text format: rows ``frame,id,x,y,w,h,conf[,x,y,z]`` with 1-based frames,
top-left ``x,y`` and id -1 for a detection that belongs to no track; and ``seqinfo.ini``.

Ground truth, tracker output and public detections (``det.txt``) all use it; the evaluation,
the ``motfile`` detector, the track-file sink, the image-folder source and the scripts read
and write it here.
"""

from __future__ import annotations

import configparser
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from tracker.core.errors import UserError

MOT_COLUMNS = 7  # frame, id, x, y, w, h, conf: all anyone reads
UNUSED_COLUMNS = ",-1,-1,-1"  # columns 8-10 (world x, y, z; TrackEval reads column 8 as a class)


def read_rows(path: Path, *, kind: str = "MOT") -> np.ndarray:
    """The rows of a MOT file as an ``(n, 7)`` float64 array: frame, id, x, y, w, h, conf.

    Columns may be separated by commas or spaces; a missing ``conf`` reads as 1; blank lines
    are skipped. A missing or non-UTF-8 file, a malformed line or a negative width or height
    is a ``UserError`` naming the file (and line); ``kind`` ('gt', 'pred', 'det') only words
    the messages.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{kind} file not found: {path}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise UserError(
            f"{path}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start})"
        ) from None
    rows = [
        _parse_line(line.strip(), f"{path}:{line_no}") for line_no, line in enumerate(lines, start=1) if line.strip()
    ]
    return np.asarray(rows, dtype=np.float64).reshape(-1, MOT_COLUMNS)


def _parse_line(text: str, where: str) -> list[float]:
    fields = text.replace(",", " ").split()
    if len(fields) < 6:
        raise UserError(f"{where}: expected at least 6 comma-separated columns (frame,id,x,y,w,h), got {len(fields)}")
    try:
        values = [float(f) for f in fields[:MOT_COLUMNS]]
    except ValueError:
        raise UserError(f"{where}: non-numeric value in {text!r}") from None
    if values[4] < 0 or values[5] < 0:
        raise UserError(f"{where}: negative width or height ({values[4]:g} x {values[5]:g})")
    return values if len(values) == MOT_COLUMNS else values + [1.0]


def format_rows(frame: int, ids: Iterable[int], xyxy: np.ndarray, scores: np.ndarray) -> list[str]:
    """One frame's boxes as MOT lines: ``frame`` is 1-based, boxes are xyxy pixels (written as
    x,y,w,h with 2 decimals), scores get 4 decimals."""
    return [
        f"{frame},{int(track_id)},{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},{score:.4f}{UNUSED_COLUMNS}\n"
        for track_id, (x1, y1, x2, y2), score in zip(ids, xyxy, scores)
    ]


def write_rows(path: Path, rows: np.ndarray) -> None:
    """Write ``(n, 7)`` rows exactly (floats at full precision; frame and id as integers) in the
    10-column layout, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        for frame, track, x, y, w, h, conf in rows[:, :MOT_COLUMNS].tolist():
            handle.write(f"{int(frame)},{int(track)},{x!r},{y!r},{w!r},{h!r},{conf!r}{UNUSED_COLUMNS}\n")


@dataclass(frozen=True)
class SeqInfo:
    """What a ``seqinfo.ini`` says (``[Sequence]`` frameRate, seqLength); None when a value is
    missing or not a number."""

    fps: float | None
    length: int | None


def read_seqinfo(path: Path) -> SeqInfo:
    """Parse a MOTChallenge ``seqinfo.ini``; an unreadable file gives all None."""
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
        section = parser["Sequence"]
    except (configparser.Error, KeyError, UnicodeDecodeError):
        return SeqInfo(None, None)
    return SeqInfo(_number(section.get("frameRate"), float), _number(section.get("seqLength"), int))


Number = TypeVar("Number", int, float)


def _number(text: str | None, kind: Callable[[str], Number]) -> Number | None:
    try:
        return kind(text) if text is not None else None
    except ValueError:
        return None
