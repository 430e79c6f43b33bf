"""Reading, checking and locating MOTChallenge text files (gt and tracker output).

Rows are ``frame,id,x,y,w,h[,conf,...]`` with 1-based frames and top-left ``x,y``. Every
problem a user can cause (missing file, malformed row, duplicate id in a frame, frame out of
range) becomes a one-line ``UserError`` here, before TrackEval sees the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tracker.core.errors import UserError
from tracker.core.mot import read_rows, read_seqinfo


@dataclass(frozen=True)
class MotRows:
    """Rows of one MOT file as an ``(n, 7)`` float64 array: frame, id, x, y, w, h, conf."""

    rows: np.ndarray
    source: Path

    @property
    def max_frame(self) -> int:
        return int(self.rows[:, 0].max()) if len(self.rows) else 0


@dataclass(frozen=True)
class SequenceInput:
    """One sequence to evaluate: checked gt and prediction rows plus its frame count."""

    name: str
    gt: MotRows
    pred: MotRows
    seq_length: int


def read_mot_file(path: Path, *, kind: str) -> MotRows:
    """Parse and check a MOT file; ``kind`` ('gt' or 'pred') only words the messages.

    Frames and ids may be written as floats (``1.0``) but must be whole numbers; frames
    start at 1; track ids must be >= 0 (``-1`` means an unassociated detection, not a track).
    A missing ``conf`` column reads as 1. An empty file gives zero rows.
    """
    rows = read_rows(path, kind=kind)
    _check_rows(rows, Path(path), kind)
    return MotRows(rows, Path(path))


def _check_rows(rows: np.ndarray, path: Path, kind: str) -> None:
    if not len(rows):
        return
    if not np.isfinite(rows[:, :6]).all():
        raise UserError(f"{path}: non-finite number (nan/inf) in frame, id or box columns")
    frames, ids = rows[:, 0], rows[:, 1]
    for label, column in (("frame", frames), ("id", ids)):
        bad = np.flatnonzero(column != np.round(column))
        if len(bad):
            raise UserError(f"{path}: {label} {column[bad[0]]:g} is not a whole number")
    if frames.min() < 1:
        raise UserError(f"{path}: frame {frames.min():g} found; MOT frames start at 1")
    if ids.min() < 0:
        hint = " (this looks like a detection file: give each box a track id)" if ids.min() == -1 else ""
        raise UserError(f"{path}: negative {kind} id {ids.min():g}{hint}")
    pairs, counts = np.unique(rows[:, :2], axis=0, return_counts=True)
    if (counts > 1).any():
        frame, track = pairs[counts > 1][0]
        raise UserError(f"{path}: {kind} id {track:g} appears more than once in frame {frame:g}")


def read_seq_length(seqinfo: Path) -> int:
    """``seqLength`` from a MOTChallenge ``seqinfo.ini``."""
    length = read_seqinfo(seqinfo).length
    if length is None:
        raise UserError(f"{seqinfo}: no integer [Sequence] seqLength")
    return length


def find_gt_file(gt: Path) -> Path | None:
    """The gt.txt of ``gt`` (a gt.txt itself, ``SEQ/gt/gt.txt`` or ``DIR/gt.txt``), or None."""
    if gt.is_file():
        return gt
    for candidate in (gt / "gt" / "gt.txt", gt / "gt.txt"):
        if candidate.is_file():
            return candidate
    return None


def is_sequence(gt: Path) -> bool:
    """True if ``gt`` names one sequence rather than a folder of sequences."""
    return find_gt_file(gt) is not None or (gt / "seqinfo.ini").is_file()


def load_sequence(gt: Path, pred: Path, *, seq_length: int | None = None, name: str | None = None) -> SequenceInput:
    """Read and check one gt/pred pair.

    The frame count comes from ``seqinfo.ini`` next to the gt when there is one, otherwise
    from ``seq_length``, otherwise from the last frame in the gt. Frames 1..seq_length all
    count, including frames where the prediction has no rows.
    """
    gt, pred = Path(gt), Path(pred)
    if not gt.exists():
        raise UserError(f"gt not found: {gt}")
    gt_file = find_gt_file(gt)
    if gt_file is None:
        raise UserError(f"{gt}: no gt/gt.txt (or gt.txt) in this folder")
    if pred.is_dir():
        pred = pred / f"{_sequence_name(gt, gt_file)}.txt"
    gt_rows = read_mot_file(gt_file, kind="gt")
    pred_rows = read_mot_file(pred, kind="pred")
    seqinfo = gt / "seqinfo.ini" if gt.is_dir() else None
    if seqinfo is not None and seqinfo.is_file():
        length, length_from = read_seq_length(seqinfo), str(seqinfo)
    elif seq_length is not None:
        length, length_from = int(seq_length), "the given sequence length"
    else:
        length, length_from = gt_rows.max_frame, f"the last frame of {gt_file}"
    if length < 1:
        raise UserError(f"{gt}: sequence length is {length} (empty gt and no seqinfo.ini?); give the sequence length")
    for rows, kind in ((gt_rows, "gt"), (pred_rows, "pred")):
        if rows.max_frame > length:
            raise UserError(
                f"{rows.source}: {kind} has frame {rows.max_frame} beyond the sequence "
                f"length {length} (from {length_from})"
            )
    return SequenceInput(name or _sequence_name(gt, gt_file), gt_rows, pred_rows, length)


def _sequence_name(gt: Path, gt_file: Path) -> str:
    if gt.is_dir():
        return gt.resolve().name
    if gt_file.name == "gt.txt" and gt_file.parent.name == "gt":
        return gt_file.resolve().parent.parent.name
    return gt_file.stem


def benchmark_sequences(gt_dir: Path) -> list[Path]:
    """The sequence folders of a benchmark folder, sorted by name."""
    gt_dir = Path(gt_dir)
    if not gt_dir.is_dir():
        raise UserError(f"gt folder not found: {gt_dir}")
    sequences = sorted(p for p in gt_dir.iterdir() if p.is_dir() and find_gt_file(p) is not None)
    if not sequences:
        raise UserError(f"{gt_dir}: no gt/gt.txt here and no sequence folders with gt/gt.txt")
    return sequences
