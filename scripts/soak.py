"""Memory soak: run the full pipeline (motion detector, centroid tracker, counting line and
zone, events, tracks, annotated video with size rotation) over a looped synthetic scene and
print resident memory as it goes, so growth over a long run shows.

    python scripts/soak.py --frames 20000 [--out /tmp/soak] [--every 1000]

Prints one row per ``--every`` frames (RSS now and peak, MB) and a last line
``rss_growth_mb <RSS at last frame - RSS at frame --baseline>``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.builder import build_pipeline
from tracker.capture import BaseSource
from tracker.config import Settings
from tracker.core.protocols import (
    FrameResult,
    SourceInfo,
)
from tracker.core.types import Frame
from tracker.outputs.assemble import build_outputs
from tracker.outputs.layout import OutputLayout

WIDTH, HEIGHT, FPS = 320, 240, 25.0


class LoopedScene(BaseSource):
    """Boxes crossing the frame again and again (each pass is a new track), ``frames`` long."""

    def __init__(self, frames: int) -> None:
        self.info = SourceInfo("looped synthetic scene", FPS, frames, False, None)
        rng = np.random.default_rng(7)
        noise = rng.integers(60, 120, (HEIGHT // 16, WIDTH // 16, 3), dtype=np.uint8)
        self._background = cv2.GaussianBlur(cv2.resize(noise, (WIDTH, HEIGHT)), (9, 9), 0)
        self._textures = [rng.integers(0, 255, (80, 40, 3), dtype=np.uint8) for _ in range(3)]

    def __iter__(self) -> Iterator[Frame]:
        for index in range(self.info.frame_count or 0):
            image = self._background.copy()
            for k, texture in enumerate(self._textures):
                period = 150 + 40 * k
                x = int((index + 37 * k) % period * (WIDTH + 60) / period) - 50
                y = 20 + 60 * k
                x1, x2 = max(x, 0), min(x + 40, WIDTH)
                if x2 > x1:
                    image[y : y + 80, x1:x2] = texture[:, x1 - x : x2 - x]
            yield Frame(index, index / FPS, image)


def rss_mb() -> tuple[float, float]:
    """(resident now, peak resident) in MB, from /proc/self/status."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


class MemoryProbe:
    wants_image = False

    def __init__(self, every: int) -> None:
        self.every = every
        self.samples: dict[int, tuple[float, float]] = {}
        self._start = time.perf_counter()

    def write(self, result: FrameResult) -> None:
        frame = result.frame.index + 1
        if frame % self.every == 0:
            self.samples[frame] = rss_mb()
            now, peak = self.samples[frame]
            print(f"{frame:>7} {now:>9.1f} {peak:>9.1f} {time.perf_counter() - self._start:>8.1f}", flush=True)

    def close(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=1000, help="frame whose RSS growth is measured from")
    parser.add_argument("--out", type=Path, help="output folder (default: a temporary one, removed after)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="soak-"))
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings.model_validate(
        {
            "detector": {"name": "motion", "min_area": 400},
            "pipeline": {"detect_every": 2, "max_detect_gap_s": None, "lag_s": 0},
            "tracker": {"name": "centroid", "max_age_s": 0.4},
            "counting": {
                "lines": [{"name": "middle", "points": [[160, 0], [160, 239]]}],
                "zones": [{"name": "left", "polygon": [[0, 0], [100, 0], [100, 239], [0, 239]]}],
            },
            "output": {"rotate_mb": 5.0},
        }
    )
    pipeline = build_pipeline(settings, LoopedScene(args.frames))
    outputs = build_outputs(OutputLayout(out), settings.output, pipeline.class_names, FPS, events=True)
    probe = MemoryProbe(args.every)
    print(f"{'frame':>7} {'rss_mb':>9} {'peak_mb':>9} {'seconds':>8}")
    try:
        with pipeline:
            stats = pipeline.run([*outputs.sinks, probe], progress=False)
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    assert pipeline.counter is not None
    counts = pipeline.counter.summary()
    last = max(probe.samples)
    print(
        f"frames {stats.frames} fps {stats.frames / stats.wall_s:.0f} tracks {sum(stats.tracks.per_class.values())} "
        f"crossings {counts['lines']['middle']['in_total'] + counts['lines']['middle']['out_total']} "
        f"segments {outputs.rotation.segment + 1 if outputs.rotation else 1}"
    )
    print(
        f"rss_growth_mb {probe.samples[last][0] - probe.samples[args.baseline][0]:.1f} "
        f"peak_growth_mb {probe.samples[last][1] - probe.samples[args.baseline][1]:.1f}"
    )


if __name__ == "__main__":
    main()
