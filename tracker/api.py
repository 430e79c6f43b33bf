"""The Python API: build a run from a config and iterate over its frame results, or feed a
tracker your own detections frame by frame. ``import tracker`` exposes these names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker.builder import build_pipeline
from tracker.config import Settings, load_settings
from tracker.core.protocols import FrameSource
from tracker.pipeline import Pipeline


def open_pipeline(
    source: str | FrameSource,
    config: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    draw: bool = False,
) -> Pipeline:
    """A pipeline over ``source`` (a video file, an image folder, a webcam index or a stream URL,
    or your own ``FrameSource``), configured by ``config`` (a YAML file or a shipped config's
    name; default: the built-in defaults) with dotted-key ``overrides``, or by ready ``settings``.
    Iterate over it for ``FrameResult``s; ``draw`` also renders ``FrameResult.annotated``. Use it
    as a context manager so the source is closed."""
    return build_pipeline(settings or load_settings(config, overrides), source, draw=draw)
