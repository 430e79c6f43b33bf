"""The fixed-lag smoother on hand-made track histories, and on a real tracker run."""

from __future__ import annotations

import numpy as np
import pytest

from tests.synthetic import MovingBox, detections_at, render
from tracker.core.types import Frame, TrackSnapshot
from tracker.smoothing import FixedLagSmoother, SmoothedFrame
from tracker.trackers import build_tracker, tracker_settings

BLANK = np.zeros((4, 4, 3), np.uint8)


def frame(index: int) -> Frame:
    return Frame(index, index / 25, BLANK)


def state(
    box_x: float, *, key: int = 1, public_id: int | None = 1, detected: bool = True, shown: bool | None = None
) -> TrackSnapshot:
    shown = public_id is not None if shown is None else shown
    return TrackSnapshot(key, public_id, np.array([box_x, 0, box_x + 10, 20], np.float32), 0.9, 0, detected, 1.0, shown)


def run(smoother: FixedLagSmoother, history: list[list[TrackSnapshot]]) -> list[SmoothedFrame]:
    out = []
    for index, states in enumerate(history):
        out += smoother.push(frame(index), "scheduled" if index == 0 else None, states)
    return out + smoother.flush()


def boxes_x(out: list[SmoothedFrame], track_id: int = 1) -> list[float | None]:
    xs = []
    for smoothed in out:
        rows = smoothed.tracks.xyxy[smoothed.tracks.ids == track_id]
        xs.append(float(rows[0, 0]) if len(rows) else None)
    return xs


def test_without_lag_frames_leave_at_once_as_the_tracker_reported_them() -> None:
    smoother = FixedLagSmoother(0)
    released = smoother.push(frame(0), "scheduled", [state(0), state(50, key=2, public_id=None)])
    assert [r.frame.index for r in released] == [0] and released[0].detect_reason == "scheduled"
    assert list(released[0].tracks.ids) == [1]  # the tentative track is not shown
    released = smoother.push(frame(1), None, [state(7, detected=False)])
    assert boxes_x(released) == [7.0] and not released[0].tracks.from_detector[0]
    assert smoother.flush() == []


def test_frames_leave_in_order_after_the_lag_and_flush_returns_the_rest() -> None:
    smoother = FixedLagSmoother(3)
    released = [smoother.push(frame(i), None, [state(i)]) for i in range(5)]
    assert [len(r) for r in released] == [0, 0, 0, 1, 1]
    assert [r.frame.index for r in smoother.flush()] == [2, 3, 4]


def test_boxes_between_two_detections_are_interpolated() -> None:
    predicted = [state(0), state(5, detected=False), state(5, detected=False), state(5, detected=False), state(40)]
    assert boxes_x(run(FixedLagSmoother(4), [[s] for s in predicted])) == [0, 10, 20, 30, 40]


def test_a_gap_longer_than_the_lag_keeps_the_predictions() -> None:
    predicted = [state(0), state(5, detected=False), state(5, detected=False), state(5, detected=False), state(40)]
    assert boxes_x(run(FixedLagSmoother(2), [[s] for s in predicted])) == [0, 5, 5, 5, 40]


def test_a_confirmed_track_shows_from_its_first_detection() -> None:
    history = [[state(0, public_id=None)], [state(2, public_id=None)], [state(4, public_id=7)], [state(6, public_id=7)]]
    out = run(FixedLagSmoother(5), history)
    assert boxes_x(out, 7) == [0, 2, 4, 6]
    assert all(r.tracks.from_detector[0] for r in out)


def test_a_hidden_track_found_again_is_filled_in() -> None:
    history = [
        [state(0)],
        [state(3, detected=False, shown=False)],
        [state(6, detected=False, shown=False)],
        [state(30)],
    ]
    assert boxes_x(run(FixedLagSmoother(5), history)) == [0, 10, 20, 30]
    # Never found again: it stays hidden.
    assert boxes_x(run(FixedLagSmoother(5), history[:3])) == [0, None, None]


def test_a_tentative_track_that_dies_is_never_shown() -> None:
    history = [[state(0, key=3, public_id=None)], [state(2, key=3, public_id=None)], []]
    assert all(len(r.tracks) == 0 for r in run(FixedLagSmoother(5), history))


def test_revision_follows_the_track_key_not_another_track() -> None:
    history = [
        [state(0), state(100, key=2, public_id=2)],
        [state(5, detected=False), state(105, key=2, public_id=2, detected=False)],
        [state(20), state(110, key=2, public_id=2, detected=False)],
    ]
    out = run(FixedLagSmoother(5), history)
    assert boxes_x(out, 1) == [0, 10, 20] and boxes_x(out, 2) == [100, 105, 110]


def test_lag_must_not_be_negative() -> None:
    with pytest.raises(ValueError):
        FixedLagSmoother(-1)


@pytest.mark.parametrize("every", [1, 5])
def test_a_real_tracker_through_the_smoother_keeps_ids_and_covers_more_frames(every: int) -> None:
    """ByteTrack on a synthetic walker detected every ``every`` frames: with a lag, the track
    starts on its first frame and its boxes between detections are on the straight path."""
    scene = [MovingBox(start=(20, 40), velocity=(6, 0))]
    results = {}
    for lag in (0, 10):
        tracker = build_tracker(tracker_settings("bytetrack"))
        smoother = FixedLagSmoother(lag)
        out = []
        for t in range(30):
            detections = detections_at(scene, t) if t % every == 0 or t < 3 else None
            image = render(scene, t)
            snapshots = tracker.update(detections, image)
            out += smoother.push(image, None, snapshots)
        results[lag] = out + smoother.flush()
    plain, smoothed = (sum(len(r.tracks) for r in results[lag]) for lag in (0, 10))
    assert len(results[10]) == 30 and smoothed == 30 > plain
    assert {int(i) for r in results[10] for i in r.tracks.ids} == {1}
    truth = np.array([20 + 6 * t for t in range(30)], float)
    error = np.abs(np.array(boxes_x(results[10]), float) - truth)
    assert error.max() < 6
