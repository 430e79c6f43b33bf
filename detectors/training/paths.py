"""Where the shared data lives (never copied into the repository)."""

from __future__ import annotations

import os
from pathlib import Path


def shared_data_dir() -> Path | None:
    """``$TRACKER_SHARED_DATA`` when set (and only it), else ``../shared/data`` from the current
    folder (the repository when training or testing), else ``/work/shared/data``; ``None`` when
    none exists."""
    configured = os.environ.get("TRACKER_SHARED_DATA")
    candidates = [configured] if configured else [Path.cwd().parent / "shared" / "data", Path("/work/shared/data")]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def resolve_data_path(path: Path) -> Path:
    """Relative paths in training configs are relative to the shared data folder."""
    if path.is_absolute():
        return path
    root = shared_data_dir()
    return (root / path) if root is not None else path
