"""``tracking_bench.jittered_detections``: the replays behind ``--jitter`` change scores only,
reproducibly per seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scripts.tracking_bench import jittered_detections


def cached(folder: Path) -> Path:
    folder.mkdir()
    (folder / "timing.json").write_text('{"detect_ms": 15.0, "frames": 2}\n')
    rows = [
        f"{frame},-1,{10 * i}.00,20.00,30.00,60.00,{score},-1,-1,-1"
        for frame, i, score in [(1, 1, 0.99), (1, 2, 0.5), (2, 1, 0.01)]
    ]
    det_file = folder / "det.txt"
    det_file.write_text("\n".join(rows) + "\n")
    return det_file


def columns(det_file: Path) -> np.ndarray:
    return np.loadtxt(det_file, delimiter=",", ndmin=2)


def test_only_scores_change_and_stay_in_range(tmp_path: Path) -> None:
    det_file = cached(tmp_path / "cache")
    original, jittered = columns(det_file), columns(jittered_detections(det_file, 1, 0.5))
    assert np.array_equal(np.delete(original, 6, axis=1), np.delete(jittered, 6, axis=1))
    assert not np.array_equal(original[:, 6], jittered[:, 6])
    assert ((jittered[:, 6] >= 0) & (jittered[:, 6] <= 1)).all()
    assert (jittered_detections(det_file, 1, 0.5).parent / "timing.json").is_file()


def test_a_seed_gives_the_same_replay_and_another_seed_a_different_one(tmp_path: Path) -> None:
    first = columns(jittered_detections(cached(tmp_path / "a"), 3))
    again = columns(jittered_detections(cached(tmp_path / "b"), 3))
    other = columns(jittered_detections(cached(tmp_path / "c"), 4))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
