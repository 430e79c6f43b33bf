"""Both tracker kinds on synthetic scenes with known motion."""

from __future__ import annotations

import numpy as np
import pytest

from tests.synthetic import MovingBox, detections_at, render
from tracker.core.geometry import iou_matrix
from tracker.core.types import Tracks
from tracker.trackers import build_tracker, tracker_settings
from tracker.trackers.costs import centroid_cost, match

KINDS = ("centroid", "dlib")


def make(kind: str, **overrides: object):
    return build_tracker(tracker_settings(kind, **overrides))


def test_iou_matrix_known_values() -> None:
    a = np.array([[0, 0, 10, 10]], np.float32)
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]], np.float32)
    np.testing.assert_allclose(iou_matrix(a, b), [[1.0, 50 / 150, 0.0]], rtol=1e-6)


def test_match_is_optimal_not_greedy() -> None:
    # Greedy on the smallest cost takes (0,0)=1 and is left with (1,1)=10: total 11.
    # The optimal assignment is (0,1)+(1,0) = 2+2 = 4.
    cost = np.array([[1.0, 2.0], [2.0, 10.0]])
    result = match(cost, max_cost=20)
    assert sorted(map(tuple, result.pairs)) == [(0, 1), (1, 0)]


def test_match_gate_refuses_distant_pairs() -> None:
    result = match(np.array([[0.9]]), max_cost=0.5)
    assert len(result.pairs) == 0 and list(result.unmatched_tracks) == [0]


def test_centroid_gate_scales_with_box_size() -> None:
    small = np.array([[0, 0, 10, 20]], np.float32)
    large = np.array([[0, 0, 100, 200]], np.float32)
    moved = lambda box: box + np.array([15, 0, 15, 0], np.float32)
    assert centroid_cost(small, moved(small))[0, 0] > 0.6 > centroid_cost(large, moved(large))[0, 0]


@pytest.mark.parametrize("kind", KINDS)
def test_ids_kept_through_short_occlusion(kind: str) -> None:
    scene = [MovingBox((20, 40), (3, 0), seed=1), MovingBox((260, 120), (-3, 0), seed=2)]
    occluded = range(20, 26)  # object 0 is hidden (no pixels, no detection) for 6 frames
    tracker = make(kind)
    ids_by_object: dict[int, set[int]] = {0: set(), 1: set()}
    for t in range(50):
        hidden = {0} if t in occluded else set()
        tracks = Tracks.from_snapshots(tracker.update(detections_at(scene, t, hidden), render(scene, t, hidden)))
        for obj in (0, 1):
            if obj in hidden:
                continue
            truth = scene[obj].box(t)
            for track_id, box in zip(tracks.ids, tracks.xyxy):
                if iou_matrix(box[None], truth[None])[0, 0] > 0.5:
                    ids_by_object[obj].add(int(track_id))
    assert ids_by_object == {0: {1}, 1: {2}} or ids_by_object == {0: {2}, 1: {1}}


@pytest.mark.parametrize("kind", KINDS)
def test_ids_persist_across_sparse_redetections(kind: str) -> None:
    scene = [MovingBox((20, 40), (2, 0), seed=3), MovingBox((200, 130), (-2, 0.5), seed=4)]
    tracker = make(kind, confirm_hits=1)
    seen: set[int] = set()
    overlaps = []
    for t in range(60):
        detections = detections_at(scene, t) if t % 10 == 0 else None
        tracks = Tracks.from_snapshots(tracker.update(detections, render(scene, t)))
        seen.update(int(i) for i in tracks.ids)
        assert len(tracks) == 2
        if t >= 10:  # from the second detection on, every model knows how the objects move
            best = iou_matrix(tracks.xyxy, np.stack([o.box(t) for o in scene])).max(axis=0)
            overlaps.append(best.min())
    assert seen == {1, 2}
    # Between detections the tracker really follows the motion (a box standing still for
    # 9 frames at 2 px/frame would fall to IoU 0.39 with the 40 px wide object).
    assert min(overlaps) > 0.6


def test_dlib_low_confidence_triggers_redetection() -> None:
    scene = [MovingBox((60, 60), (2, 0), seed=5)]
    tracker = make("dlib", confirm_hits=1, min_confidence=7.0)
    tracker.update(detections_at(scene, 0), render(scene, 0))
    for t in range(1, 8):
        tracks = Tracks.from_snapshots(tracker.update(None, render(scene, t)))
    assert tracks.confidence[0] > 7.0 and tracker.redetect_reason is None
    tracks = Tracks.from_snapshots(tracker.update(None, render(scene, 8, hidden={0})))  # the object vanishes
    assert tracks.confidence[0] < 7.0
    assert tracker.redetect_reason == "low_confidence"


@pytest.mark.parametrize(("kind", "reason"), [("centroid", "left_frame"), ("dlib", "left_frame")])
def test_track_leaving_the_frame_triggers_redetection(kind: str, reason: str) -> None:
    # The correlation tracker follows the object up to the border (its peak-to-sidelobe
    # ratio stays above 5) until the box centre leaves the frame.
    scene = [MovingBox((240, 80), (8, 0), seed=6)]
    tracker = make(kind, confirm_hits=1)
    tracker.update(detections_at(scene, 0), render(scene, 0))
    tracker.update(detections_at(scene, 1), render(scene, 1))
    reasons = []
    for t in range(2, 12):
        tracker.update(None, render(scene, t))
        reasons.append(tracker.redetect_reason)
    assert reason in reasons


@pytest.mark.parametrize("kind", KINDS)
def test_one_frame_noise_never_gets_an_id(kind: str) -> None:
    scene = [MovingBox((60, 60), (1, 0), seed=7)]
    noise = MovingBox((250, 150), (0, 0), size=(30, 30), seed=8)
    tracker = make(kind, confirm_hits=3)
    ids = set()
    for t in range(12):
        objects = scene + [noise] if t == 4 else scene
        tracks = Tracks.from_snapshots(tracker.update(detections_at(objects, t), render(scene, t)))
        ids.update(int(i) for i in tracks.ids)
    assert ids == {1}
    assert tracker.redetect_reason is None
