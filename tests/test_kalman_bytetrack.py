"""Kalman motion, IoU-plus-distance cost, ByteTrack's two stages and the correlation cue,
on synthetic scenes with known motion."""

from __future__ import annotations

import numpy as np

from tests.synthetic import MovingBox, detections_at, render
from tracker.core.geometry import iou_matrix, near_another
from tracker.core.types import Detections, Tracks
from tracker.trackers import build_tracker, tracker_settings
from tracker.trackers.association import ByteTrack, TrackTable
from tracker.trackers.costs import iou_distance_cost
from tracker.trackers.kalman_filter import BoxKalmanFilter


def make(kind: str, **overrides: object):
    return build_tracker(tracker_settings(kind, **overrides))


def ids_on(tracks, truth: np.ndarray) -> set[int]:
    """Ids of the reported boxes overlapping ``truth`` by IoU > 0.5."""
    if not len(tracks):
        return set()
    overlap = iou_matrix(tracks.xyxy, truth[None].astype(np.float32))[:, 0]
    return {int(i) for i in tracks.ids[overlap > 0.5]}


def test_kalman_filter_learns_velocity_and_predicts_ahead() -> None:
    obj = MovingBox((20, 40), (3, 1))
    kf = BoxKalmanFilter(obj.box(0))
    for t in range(1, 15):
        kf.predict()
        kf.update(obj.box(t))
    for _ in range(5):
        kf.predict()
    np.testing.assert_allclose(kf.box, obj.box(19), atol=2.0)


def test_kalman_filter_matches_deepsorts_matrix_algebra() -> None:
    """The closed-form 2x2 blocks give what DeepSORT's 8x8 matrices give, step by step."""
    from tracker.trackers.kalman_filter import STD_POSITION, STD_VELOCITY, xyxy_to_xyah

    motion, observe = np.eye(8) + np.eye(8, k=4), np.eye(4, 8)
    rng = np.random.default_rng(3)
    box = np.array([100.0, 80.0, 140.0, 200.0])
    kf = BoxKalmanFilter(box)
    z = xyxy_to_xyah(box)
    h = z[3]
    mean = np.concatenate([z, np.zeros(4)])
    std = (
        [2 * STD_POSITION * h] * 2
        + [1e-2, 2 * STD_POSITION * h]
        + [10 * STD_VELOCITY * h] * 2
        + [1e-5, 10 * STD_VELOCITY * h]
    )
    covariance = np.diag(np.square(std))
    for step in range(40):
        h = mean[3]
        q = [STD_POSITION * h] * 2 + [1e-2, STD_POSITION * h] + [STD_VELOCITY * h] * 2 + [1e-5, STD_VELOCITY * h]
        mean, covariance = motion @ mean, motion @ covariance @ motion.T + np.diag(np.square(q))
        kf.predict()
        if step % 3 != 2:  # some frames without a measurement
            measured = box + step * np.array([2.0, 1.0, 2.0, 1.0]) + rng.normal(0, 3, 4)
            scale = 2.0 if step % 2 else 1.0
            h = mean[3]
            r = scale * np.array([STD_POSITION * h, STD_POSITION * h, 1e-1, STD_POSITION * h])
            projected = observe @ covariance @ observe.T + np.diag(np.square(r))
            gain = np.linalg.solve(projected, observe @ covariance).T
            mean = mean + gain @ (xyxy_to_xyah(measured) - observe @ mean)
            covariance = covariance - gain @ projected @ gain.T
            kf.update(measured, noise_scale=scale)
        np.testing.assert_allclose(kf.mean, mean, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(kf.covariance, covariance, rtol=1e-9, atol=1e-12)


def test_iou_distance_cost_orders_disjoint_boxes_by_distance() -> None:
    track = np.array([[0, 0, 10, 20]], np.float32)
    dets = np.array([[0, 0, 10, 20], [5, 0, 15, 20], [12, 0, 22, 20], [40, 0, 50, 20]], np.float32)
    cost = iou_distance_cost(track, dets)[0]
    assert cost[0] == 0 and cost[1] < 1 < cost[2] < cost[3] < 2


def test_crossing_objects_keep_ids_with_kalman_while_the_back_one_is_hidden() -> None:
    # Two people cross on the same row; while they overlap only the front one is detected.
    scene = [MovingBox((20, 80), (4, 0), seed=1), MovingBox((260, 80), (-4, 0), seed=2)]
    for kind in ("kalman", "bytetrack"):
        tracker = make(kind, confirm_hits=2)
        seen: dict[int, set[int]] = {0: set(), 1: set()}
        for t in range(60):
            hidden = {1} if 24 <= t <= 36 else set()
            tracks = Tracks.from_snapshots(tracker.update(detections_at(scene, t, hidden), render(scene, t, hidden)))
            for obj in set(range(2)) - hidden:
                seen[obj] |= ids_on(tracks, scene[obj].box(t))
        assert len(seen[0]) == len(seen[1]) == 1 and seen[0] != seen[1], (kind, seen)


def _turning_object(t: int) -> np.ndarray:
    """Walks right at 3 px/frame, turns back at frame 20 (while half hidden), walks left."""
    x = 40 + 3 * t if t <= 20 else 100 - 3 * (t - 20)
    return np.array([x, 60, x + 40, 140], np.float32)


def _score(t: int) -> float:
    return 0.2 if 18 <= t <= 34 else 0.9  # the detector is unsure while the object is half hidden


def test_low_score_boxes_keep_the_id_only_with_the_second_stage() -> None:
    results = {}
    for kind in ("bytetrack", "kalman"):
        tracker = make(kind, confirm_hits=2, **({"high_score": 0.5} if kind == "bytetrack" else {}))
        ids: set[int] = set()
        for t in range(50):
            detections = Detections(_turning_object(t)[None], [_score(t)], [0])
            if kind == "kalman":  # no second stage: low-score boxes are dropped at the detector
                detections = detections[detections.scores >= 0.5]
            ids |= ids_on(Tracks.from_snapshots(tracker.update(detections, render([], t))), _turning_object(t))
        results[kind] = ids
    assert results["bytetrack"] == {1}
    assert len(results["kalman"]) == 2  # its prediction walked on while the object turned back


def test_second_stage_only_extends_tracks_and_never_starts_one() -> None:
    association = ByteTrack(iou_distance_cost, 1.0, high_score=0.5)
    tracks = TrackTable(
        np.array([[0, 0, 10, 20], [100, 0, 110, 20]], np.float32),
        np.zeros(2, np.int32),
        active=np.array([True, False]),
        confirmed=np.array([True, True]),
    )
    detections = Detections(
        np.array([[1, 0, 11, 20], [101, 0, 111, 20], [200, 0, 210, 20]], np.float32), [0.2, 0.2, 0.2], [0, 0, 0]
    )
    result = association.assign(tracks, detections)
    # Track 0 (seen last time) takes its low-score box; track 1 (already lost) does not.
    assert result.pairs.tolist() == [[0, 0]]
    assert result.unmatched_tracks.tolist() == [1] and result.births.tolist() == []


def _state(boxes: list[list[float]], active: list[bool], confirmed: list[bool]) -> TrackTable:
    return TrackTable(
        np.array(boxes, np.float32), np.zeros(len(boxes), np.int32), np.array(active), np.array(confirmed)
    )


def test_tentative_track_never_takes_an_established_tracks_detection() -> None:
    # A tentative track sits exactly on the detection; the confirmed one overlaps it less.
    # In one joint matching the tentative track would win it (lower cost) and the confirmed
    # track would lose its person; ByteTrack's third stage serves tentative tracks last.
    tracks = _state([[0, 0, 10, 20], [3, 0, 13, 20]], active=[True, True], confirmed=[False, True])
    detections = Detections(np.array([[0, 0, 10, 20]], np.float32), [0.9], [0])
    result = ByteTrack(iou_distance_cost, 1.0, high_score=0.5).assign(tracks, detections)
    assert result.pairs.tolist() == [[1, 0]] and result.unmatched_tracks.tolist() == [0]
    # With no confirmed track wanting it, the leftover confident box does extend the tentative one.
    alone = ByteTrack(iou_distance_cost, 1.0, high_score=0.5).assign(
        _state([[0, 0, 10, 20]], active=[True], confirmed=[False]), detections
    )
    assert alone.pairs.tolist() == [[0, 0]] and alone.births.tolist() == []


def test_lost_track_never_takes_a_detection_from_a_track_seen_last_time() -> None:
    # A lost track's coasted prediction happens to fit the box better than the prediction of
    # the track that saw this person at the previous detector call: the seen track keeps it.
    tracks = _state([[0, 0, 10, 20], [3, 0, 13, 20]], active=[False, True], confirmed=[True, True])
    detections = Detections(np.array([[0, 0, 10, 20], [60, 0, 70, 20]], np.float32), [0.9, 0.9], [0, 0])
    result = ByteTrack(iou_distance_cost, 1.0, high_score=0.5).assign(tracks, detections)
    assert result.pairs.tolist() == [[1, 0]]
    assert result.unmatched_tracks.tolist() == [0] and result.births.tolist() == [1]


def test_correlation_cue_keeps_a_locked_track_through_missed_detections() -> None:
    scene = [MovingBox((40, 60), (2, 0), seed=5)]
    shown = {}
    for kind in ("bytetrack-dlib", "bytetrack"):
        tracker = make(kind, confirm_hits=1)
        frames_shown = 0
        for t in range(30):
            missed = 15 <= t < 20  # the detector misses a clearly visible object
            detections = Detections.empty() if missed else detections_at(scene, t)
            tracks = Tracks.from_snapshots(tracker.update(detections, render(scene, t)))
            frames_shown += bool(missed and ids_on(tracks, scene[0].box(t)) == {1})
        shown[kind] = frames_shown
    assert shown == {"bytetrack-dlib": 5, "bytetrack": 0}


def test_near_another_grows_each_box_by_its_own_size() -> None:
    boxes = np.array([[0, 0, 10, 10], [12, 0, 22, 10], [100, 100, 110, 110]], np.float32)
    assert near_another(boxes, 0.0).tolist() == [False, False, False]
    assert near_another(boxes, 0.25).tolist() == [True, True, False]  # 2.5 px bridges the 2 px gap
    assert near_another(boxes[:1], 5.0).tolist() == [False]


def test_crowd_gate_runs_dlib_only_near_other_tracks_or_after_a_miss() -> None:
    pair = [MovingBox((40, 60), (1, 0), seed=1), MovingBox((85, 60), (1, 0), seed=2)]
    alone = MovingBox((230, 40), (-1, 0), seed=3)
    scene = [*pair, alone]
    tracker = make("bytetrack-dlib", confirm_hits=1, crowd_margin=0.25)
    following: dict[int, list[bool]] = {0: [], 1: [], 2: []}
    for t in range(12):
        hidden = {2} if t == 6 else set()  # the detector misses the lone object once
        detections = detections_at(scene, t, hidden) if t % 3 == 0 else None
        tracker.update(detections, render(scene, t))
        for track in tracker.tracks:
            index = int(np.argmax(iou_matrix(track.box[None], np.stack([o.box(t) for o in scene]))[0]))
            following[index].append(track.motion.following)
    assert following[0][1:] == following[1][1:] == [True] * 11  # the pair: dlib on every frame
    assert following[2][1:6] == [False] * 5  # alone and seen: its Kalman filter only
    assert following[2][6:8] == [False, True]  # missed at frame 6: dlib looks from frame 7


def test_crowd_gate_leaves_a_lone_missed_track_to_the_detector_as_bytetrack_does() -> None:
    """A lone track dlib does not follow has no image evidence (NaN confidence): when the detector
    misses it, it is hidden, as in ``bytetrack``, and it asks for no early detection."""
    scene = [MovingBox((40, 60), (2, 0), seed=5)]
    tracker = make("bytetrack-dlib", confirm_hits=1, crowd_margin=0.25)
    frames_shown, reasons = 0, set()
    for t in range(30):
        missed = 15 <= t < 20
        detections = Detections.empty() if missed else detections_at(scene, t)
        tracks = Tracks.from_snapshots(tracker.update(detections, render(scene, t)))
        frames_shown += bool(missed and ids_on(tracks, scene[0].box(t)) == {1})
        reasons.add(tracker.redetect_reason)
    assert frames_shown == 0
    assert reasons == {None}
