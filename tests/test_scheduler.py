"""When the detector runs: every N frames, capped in seconds, early for the tracker's reasons."""

from __future__ import annotations

import numpy as np

from tracker.core.types import Frame
from tracker.scheduler import MAX_LAG_FRAMES, DetectionScheduler, PipelineSettings


def detected_frames(
    settings: PipelineSettings, fps: float, reasons: dict[int, str] | None = None, frames: int = 30
) -> list[int]:
    scheduler = DetectionScheduler(settings, fps)
    image = np.zeros((4, 4, 3), np.uint8)
    hits = []
    for index in range(frames):
        frame = Frame(index, index / fps, image)
        if scheduler.reason(frame, (reasons or {}).get(index)):
            scheduler.mark(frame)
            hits.append(index)
    return hits


def test_every_n_frames() -> None:
    assert detected_frames(PipelineSettings(detect_every=10, max_detect_gap_s=None), fps=25) == [0, 10, 20]


def test_gap_in_seconds_caps_detect_every_on_slow_sources() -> None:
    settings = PipelineSettings(detect_every=5, max_detect_gap_s=0.25)
    assert detected_frames(settings, fps=25, frames=11) == [0, 5, 10]  # 0.25 s = 6 frames: N=5 stands
    assert detected_frames(settings, fps=7, frames=4) == [0, 1, 2, 3]  # 0.25 s < 2 frames: every frame
    assert detected_frames(settings, fps=12, frames=7) == [0, 3, 6]  # 0.25 s = 3 frames


def test_early_reasons_reset_the_schedule_and_can_be_switched_off() -> None:
    reasons = {3: "tentative", 4: "low_confidence", 5: "left_frame"}
    eager = PipelineSettings(detect_every=10, max_detect_gap_s=None, redetect_on_tentative=True)
    assert detected_frames(eager, 25, reasons, 20) == [
        0,
        3,
        4,
        5,
        15,
    ]
    quiet = PipelineSettings(detect_every=10, max_detect_gap_s=None, redetect_on_exit=False)
    assert detected_frames(quiet, 25, reasons, 20) == [0, 4, 14]  # low confidence is the tracker's own switch
    # "no_tracks" is never switched off: with nothing to follow there is nothing else to do.
    assert detected_frames(quiet, 25, {2: "no_tracks"}, 13) == [0, 2, 12]


def test_by_default_new_tracks_wait_for_the_next_scheduled_detection() -> None:
    # the output lag shows them from their first detection; the seconds cap keeps the wait short
    assert detected_frames(PipelineSettings(), 25, {1: "tentative", 6: "tentative"}, 11) == [0, 5, 10]


def test_the_output_lag_is_in_seconds_and_covers_a_detection_interval() -> None:
    settings = PipelineSettings(lag_s=1.4)
    assert settings.lag_frames(fps=25, interval=5) == 35
    assert settings.lag_frames(fps=7, interval=1) == 10  # the same 1.4 s of video at 7 fps
    assert settings.lag_frames(fps=7, interval=20) == 20  # --detect-every 20: both ends of the gap are held
    assert PipelineSettings(lag_s=0).lag_frames(fps=25, interval=5) == 0  # no lag: frames leave at once
    assert settings.lag_frames(fps=999, interval=5) == MAX_LAG_FRAMES  # a camera's claimed frame rate is capped
