"""The ``output`` section: what a run writes and how."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from tracker.core.settings import StrictSettings

H264Preset = Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"]  # libx264's, fastest first
DEFAULT_PRESET: H264Preset = "veryfast"  # its speed/size trade-off (768x576 vtest: see docs/speed.md)


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
    preset: H264Preset = Field(
        DEFAULT_PRESET,
        description="H.264 only: libx264's speed against file size, fastest first: "
        + ", ".join(get_args(H264Preset))
        + " (ultrafast takes about a third of veryfast's CPU for files about 3x larger; see docs/speed.md)",
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
