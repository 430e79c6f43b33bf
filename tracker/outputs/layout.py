"""Where a run's outputs go: every file name of an output folder, in one place."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TRACKS_MOT = "tracks.txt"
TRACKS_CSV = "tracks.csv"
VIDEO = "annotated.mp4"
EVENTS = "events.jsonl"
SUMMARY = "summary.json"
SEGMENTED = (TRACKS_MOT, TRACKS_CSV, VIDEO, EVENTS)  # the files a rotated run numbers
_OUTPUT_NAME = re.compile(
    r"^(tracks|annotated|events)(\.\d{4})?(\.partial)?\.(txt|csv|mp4|jsonl)$|^summary\.json$"
    # core.files.atomic_path's temporary names, left behind by a killed run: .annotated.k3x9_q2a.partial.mp4
    r"|^\.(tracks|annotated|events|summary)(\.\d{4})?\.[a-z0-9_]+\.partial\.(txt|csv|mp4|jsonl|json)$"
)


def segment_suffix(index: int | None) -> str:
    """``""`` for an unrotated run, ``.0003`` for segment 3 of a rotated one."""
    return "" if index is None else f".{index:04d}"


class OutputLayout:
    """The files of one output folder. ``segment`` numbers rotated outputs (``tracks.0001.txt``)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)

    def path(self, name: str, segment: int | None = None) -> Path:
        stem, dot, extension = name.partition(".")
        return self.out_dir / f"{stem}{segment_suffix(segment)}{dot}{extension}"

    @property
    def summary(self) -> Path:
        return self.out_dir / SUMMARY

    def existing(self) -> list[Path]:
        """Every output of an earlier run in the folder (segments and unfinished videos included)."""
        if not self.out_dir.is_dir():
            return []
        return sorted(p for p in self.out_dir.iterdir() if _OUTPUT_NAME.match(p.name))

    def mot_tracks(self) -> list[Path]:
        """The MOTChallenge track files of the run, in order: ``tracks.txt`` or its segments."""
        plain = self.path(TRACKS_MOT)
        if plain.is_file():
            return [plain]
        return sorted(self.out_dir.glob("tracks.[0-9][0-9][0-9][0-9].txt"))

    @contextmanager
    def joined_mot_tracks(self) -> Iterator[Path]:
        """The run's MOTChallenge tracks as one file, for an evaluation: ``tracks.txt``, or a
        rotated run's segments joined in a temporary file (removed afterwards)."""
        files = self.mot_tracks()
        if len(files) == 1:
            yield files[0]
            return
        with tempfile.TemporaryDirectory() as scratch:
            joined = Path(scratch) / TRACKS_MOT
            joined.write_text("".join(path.read_text() for path in files))
            yield joined


def source_name(source: str) -> str:
    """A folder-friendly name for a source: a file's stem, a MOTChallenge sequence's name for its
    ``img1/``, ``camera0`` for webcam 0, a stream's host."""
    if source.isdigit():
        return f"camera{source}"
    if "://" in source:
        source = source.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    else:
        path = Path(source.rstrip("/\\"))
        source = (path.parent.name if path.name == "img1" and path.parent.name else path.stem) or "source"
    return re.sub(r"[^\w.-]+", "_", source).strip("._") or "source"


def default_run_dir(command: str, source: str, root: Path = Path("runs")) -> Path:
    """``runs/<command>/<source name>``, or the first of ``<source name>-2``, ``-3``, ... not
    taken yet (as ``yolo`` numbers its runs)."""
    base = root / command / source_name(source)
    candidate, number = base, 1
    while candidate.exists():
        number += 1
        candidate = base.with_name(f"{base.name}-{number}")
    return candidate
