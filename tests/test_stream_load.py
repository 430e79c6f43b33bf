"""The streams benchmark's camera: a video file played in real time through ``LiveSource``, which
drops the frames a slow loop cannot take, and ends when the play time is over."""

from __future__ import annotations

import time

from scripts.stream_load import PacedCamera
from tests.conftest import REPO, require

VTEST = REPO / "videos" / "vtest.avi"


def test_a_paced_camera_sends_fps_times_seconds_frames_and_drops_what_a_slow_loop_misses() -> None:
    require(VTEST.is_file(), f"{VTEST} missing (scripts/fetch_videos.py)")
    camera = PacedCamera(VTEST, fps=20, seconds=1.0)
    started = time.perf_counter()
    taken = 0
    for _ in camera:
        taken += 1
        time.sleep(0.15)  # a loop slower than the camera
    camera.close()
    stats = camera.stats()
    assert time.perf_counter() - started >= 0.9  # played in real time, not as fast as decoding
    assert stats["frames_received"] == 20
    assert stats["dropped_frames"] > 0 and taken + stats["dropped_frames"] == 20
