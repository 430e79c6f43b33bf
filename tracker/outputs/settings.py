"""The ``output`` section: what a run writes and how."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracker.core.settings import StrictSettings


class OutputSettings(StrictSettings):
    """The ``output`` section."""

    video: bool = Field(True, description="write annotated.mp4")
    codec: str = Field(
        "h264",
        min_length=4,
        max_length=4,
        description="h264 (also avc1): H.264 through PyAV, plays in browsers; "
        "or an OpenCV FourCC such as mp4v (the fallback)",
    )
    trail: int = Field(20, ge=0, le=10_000, description="points in each track's drawn trail")
    labels: list[Literal["id", "class", "score"]] = Field(
        ["id", "class"], description="what each box's tag shows: any of id, class, score ([] for none)"
    )
    line_width: int | None = Field(
        None,
        ge=1,
        le=50,
        description="pixels of the tracker's box lines (detections: twice that); labels scale with it "
        "(default: 1 per 480 pixels of the frame's shorter side)",
    )
    fps: float | None = Field(None, ge=1, le=1000, description="frame rate of the output (default: the source's)")
    rotate_minutes: float | None = Field(
        None,
        gt=0,
        le=10**6,
        description="start new numbered output files (tracks.0001.txt, ...) every this many minutes",
    )
    rotate_mb: float | None = Field(
        None, gt=0, le=10**7, description="start new numbered output files when the current ones reach this many MB"
    )
