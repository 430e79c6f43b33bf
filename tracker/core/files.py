"""Atomic file writes: write under a temporary name in the target's folder, then rename it
over the target, so a reader (or an interrupted run) never sees a half-written file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def partial_path(path: Path) -> Path:
    """A fresh empty file beside ``path`` (same suffix, ``.partial`` in its name)."""
    path = Path(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".partial{path.suffix}", dir=path.parent)
    os.close(handle)
    return Path(name)


def commit_partial(tmp: Path, path: Path) -> None:
    """Rename the finished ``tmp`` over ``path`` (mode 0644: mkstemp makes 0600)."""
    tmp.chmod(0o644)
    os.replace(tmp, path)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """``partial_path(path)`` for a writer that needs a file name; renamed over ``path`` when
    the block ends, removed if it raises."""
    tmp = partial_path(path)
    try:
        yield tmp
        commit_partial(tmp, Path(path))
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (newline-terminated) to ``path`` atomically."""
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")
