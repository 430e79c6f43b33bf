"""Per-stage wall-clock accounting for the frame loop."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

STAGES = ("read", "detect", "track", "draw", "write")


class StageTimer:
    """Adds up the seconds spent in each named stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start

    def ms_per_frame(self, frames: int) -> dict[str, float]:
        return {name: round(1000 * self.seconds.get(name, 0.0) / max(frames, 1), 3) for name in STAGES}


def iso_time(epoch_s: float) -> str:
    """``2024-05-01T12:00:00.123+0200``: local wall-clock time with milliseconds and UTC offset."""
    local = time.localtime(epoch_s)
    return time.strftime("%Y-%m-%dT%H:%M:%S", local) + f".{int(epoch_s * 1000) % 1000:03d}" + time.strftime("%z", local)
