"""When the detector runs: every N frames (capped in seconds on slow sources), and early when
the tracker asks for it."""

from __future__ import annotations

from pydantic import Field

from tracker.core.settings import StrictSettings
from tracker.core.types import Frame

MAX_LAG_FRAMES = 100  # 1.4 s up to 71 fps; 620 MB of 1080p frames at most


class PipelineSettings(StrictSettings):
    """The ``pipeline`` section: the detection schedule and the output lag."""

    detect_every: int = Field(5, ge=1, le=10**6, description="run the detector every N frames (1 = every frame)")
    max_detect_gap_s: float | None = Field(
        0.25,
        gt=0,
        le=86400,
        description="seconds: never leave more than this much video between detections; "
        "caps detect_every on low-frame-rate sources (0.25: every 5th frame at 25 fps, every frame at 7 fps); "
        "null: no cap (--detect-every on the command line sets it to null, so N is the exact schedule)",
    )
    redetect_on_exit: bool = Field(True, description="run the detector early when a track leaves the frame")
    redetect_on_tentative: bool = Field(
        False,
        description="run the detector on the next frame while a new track waits for confirmation; "
        "false: it is confirmed at the next scheduled detections (at most max_detect_gap_s apart) and, through "
        "the output lag, still shown from its first detection (--detect-every N sets it to true)",
    )
    lag_s: float = Field(
        1.4,
        ge=0,
        le=3600,
        description="seconds: hold each frame's tracks this long (and at least one detection interval; at most "
        f"{MAX_LAG_FRAMES} frames, which stay in memory) before writing them, and revise them meanwhile: boxes between "
        "two detections are interpolated, a track the detector missed for a while is filled in, a new track shows "
        "from its first detection. Outputs (and --serve) run this far behind; 0 writes each frame as soon as it is "
        "tracked",
    )

    def lag_frames(self, fps: float, interval: int) -> int:
        """``lag_s`` in frames at ``fps``, at least ``interval`` (the frames between scheduled
        detections: the interpolation needs both ends) and at most ``MAX_LAG_FRAMES`` (a camera
        that claims hundreds of frames a second must not fill the memory); 0 when ``lag_s`` is 0."""
        return min(max(round(self.lag_s * fps), interval), MAX_LAG_FRAMES) if self.lag_s > 0 else 0


class DetectionScheduler:
    """Decides on which frames the detector runs: every ``detect_every`` frames counted from
    the last detection (fewer when ``max_detect_gap_s`` at the source's ``fps`` asks for it),
    and early when the tracker gives a reason the settings allow."""

    _OPTIONAL_REASONS = {"left_frame": "redetect_on_exit", "tentative": "redetect_on_tentative"}

    def __init__(self, settings: PipelineSettings, fps: float) -> None:
        self.settings = settings
        self.every = settings.detect_every
        if settings.max_detect_gap_s is not None:
            self.every = max(1, min(self.every, int(fps * settings.max_detect_gap_s)))
        self._last: int | None = None

    def reason(self, frame: Frame, tracker_reason: str | None) -> str | None:
        if self._last is None or frame.index - self._last >= self.every:
            return "scheduled"
        flag = self._OPTIONAL_REASONS.get(tracker_reason or "")
        if tracker_reason and (flag is None or getattr(self.settings, flag)):
            return tracker_reason
        return None

    def mark(self, frame: Frame) -> None:
        self._last = frame.index
