"""summary.json's track tallies: ids per class, ids that lived at least a second, the median
track length; memory stays flat however long the run."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from tracker.core.types import Tracks
from tracker.pipeline import LengthHistogram, TrackTally


def tracks(ids: list[int], class_ids: list[int]) -> Tracks:
    n = len(ids)
    return Tracks(ids, np.tile([0, 0, 10, 10], (n, 1)), np.ones(n), class_ids, np.ones(n, bool))


def run(tally: TrackTally, lives: dict[int, tuple[int, int, int]], frames: int) -> None:
    """``lives``: id -> (first frame, last frame, class id)."""
    for index in range(frames):
        alive = [(i, c) for i, (first, last, c) in lives.items() if first <= index <= last]
        tally.add(index, tracks([i for i, _ in alive], [c for _, c in alive]), ("person", "car"))


def test_lived_a_second_and_median_length() -> None:
    tally = TrackTally(horizon=5, fps=10)
    lives = {1: (0, 4, 0), 2: (0, 9, 0), 3: (20, 49, 0), 4: (100, 100, 1), 5: (150, 199, 1)}  # 5, 10, 30, 1, 50
    run(tally, lives, 300)
    summary = tally.summary()
    assert summary["tracks_per_class"] == {"car": 2, "person": 3}
    assert summary["tracks_lived_1s_per_class"] == {"car": 1, "person": 2}  # 10 frames at 10 fps is a second
    assert summary["track_length_median"] == {"frames": 10, "seconds": 1.0}


def test_open_tracks_count_too() -> None:
    tally = TrackTally(horizon=5, fps=10)
    run(tally, {1: (0, 19, 0), 2: (0, 29, 0)}, 30)  # both still open at the end
    summary = tally.summary()
    assert summary["tracks_lived_1s_per_class"] == {"person": 2}
    assert summary["track_length_median"] == {"frames": 25, "seconds": 2.5}
    assert tally.summary() == summary  # summarising leaves the tally as it was


def test_empty_run() -> None:
    assert TrackTally(horizon=5).summary() == {
        "tracks_per_class": {},
        "tracks_lived_1s_per_class": {},
        "track_length_median": None,
    }


@pytest.mark.parametrize("seed", [0, 1])
def test_histogram_median_within_one_percent(seed: int) -> None:
    lengths = np.random.default_rng(seed).integers(1, 100_000, 1001).tolist()
    histogram = LengthHistogram()
    for length in lengths:
        histogram.add(length)
    median = histogram.median()
    assert median == pytest.approx(statistics.median(lengths), rel=0.01)
    small = LengthHistogram()
    for length in (3, 7, 8, 200):
        small.add(length)
    assert small.median() == 7.5  # exact for short tracks


def test_memory_is_flat_over_a_long_run() -> None:
    tally = TrackTally(horizon=40, fps=25)
    for index in range(30_000):  # a new 50-frame track every 10 frames
        alive = list(range(max(0, index // 10 - 4), index // 10 + 1))
        tally.add(index, tracks([i + 1 for i in alive], [0] * len(alive)), ("person",))
    assert len(tally._open) < 20 and len(tally.lengths.counts) < 10
    assert tally.summary()["track_length_median"]["frames"] == 50
