"""The association steps of issue 12, each on a synthetic scene: OC-SORT's observation-centric
re-update and recovery, momentum and colour in the cost, score-aware track birth (birth
threshold, overlap check) and track ages in seconds."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from tests.synthetic import MovingBox, detections_at, render
from tracker.core.types import Detections, Frame, Tracks
from tracker.trackers import build_tracker, tracker_settings
from tracker.trackers.association import ByteTrack, TrackTable, shared_boxes
from tracker.trackers.costs import indices_not_in, iou_distance_cost
from tracker.trackers.motion import KalmanModel


def prediction_error(reupdate: bool, every: int) -> float:
    """Pixels between the truth and a Kalman track's box ``every`` frames after its second
    detection, for a box walking at 4 px per frame detected every ``every`` frames: the
    velocity is learnt from one gap."""
    obj = MovingBox((10, 40), (4, 0))
    motion = KalmanModel(reupdate).start(0, obj.box(0))
    motion.predict(every)
    motion.correct(every, obj.box(every))
    box, _ = motion.predict(2 * every)
    return float(np.abs(box - obj.box(2 * every)).max())


@pytest.mark.parametrize("every", [3, 5, 10])
def test_reupdate_learns_the_velocity_over_a_gap(every: int) -> None:
    with_reupdate, without = prediction_error(True, every), prediction_error(False, every)
    assert with_reupdate < 0.95 * without, (with_reupdate, without)


def test_reupdate_is_the_plain_filter_when_detected_every_frame() -> None:
    assert prediction_error(True, 1) == pytest.approx(prediction_error(False, 1))


def turn_error(reupdate: bool) -> float:
    """A box walks right at 4 px per frame, seen every frame, is hidden for 10 frames while it
    turns back (-4 px per frame), and is found again: pixels off 5 frames later."""

    def truth(t: int) -> np.ndarray:
        x = 4 * min(t, 10) - 4 * max(t - 10, 0)
        return np.array([100 + x, 40, 140 + x, 120], np.float32)

    motion = KalmanModel(reupdate).start(0, truth(0))
    for t in [*range(1, 11), 20]:
        motion.predict(t)
        motion.correct(t, truth(t))
    box, _ = motion.predict(25)
    return float(np.abs(box - truth(25)).max())


def test_reupdate_follows_a_turn_made_while_hidden() -> None:
    assert turn_error(True) < turn_error(False)


def crossing_ids(reupdate: bool) -> tuple[set[int], set[int]]:
    """Two people walk towards each other; the detector misses the one behind for 12 frames
    while they cross (an occlusion) and is run every frame. Ids on each person afterwards."""
    people = [MovingBox((20, 60), (5, 0), seed=1), MovingBox((260, 70), (-3, 0), seed=2)]
    tracker = build_tracker(tracker_settings("bytetrack", observation_reupdate=reupdate, confirm_hits=2))
    after: tuple[set[int], set[int]] = (set(), set())
    for t in range(60):
        hidden = {1} if 24 <= t < 36 else set()
        tracks = Tracks.from_snapshots(tracker.update(detections_at(people, t, hidden), render(people, t, hidden)))
        if t >= 40:
            for person, seen in zip(people, after, strict=True):
                centre = (person.box(t)[:2] + person.box(t)[2:]) / 2
                inside = [(b[0] < centre[0] < b[2]) and (b[1] < centre[1] < b[3]) for b in tracks.xyxy]
                seen.update(int(i) for i, hit in zip(tracks.ids, inside, strict=True) if hit)
    return after


def test_crossing_with_occlusion_keeps_both_ids_with_reupdate() -> None:
    first, second = crossing_ids(True)
    assert len(first) == 1 and len(second) == 1 and first != second


def one_person_and(extra: Detections | None, **settings: object) -> int:
    """Confirmed tracks after a person detected for 5 frames, with ``extra`` boxes on frame 5."""
    person = MovingBox((100, 60), (2, 0))
    tracker = build_tracker(tracker_settings("bytetrack", confirm_hits=1, **settings))
    for t in range(6):
        detections = detections_at([person], t)
        if t == 5 and extra is not None:
            detections = Detections(
                np.concatenate([detections.xyxy, extra.xyxy]),
                np.concatenate([detections.scores, extra.scores]),
                np.concatenate([detections.class_ids, extra.class_ids]),
            )
        snapshots = tracker.update(detections, render([person], t))
    return len(Tracks.from_snapshots(snapshots))


def box(x1: float, y1: float, x2: float, y2: float, score: float) -> Detections:
    return Detections(np.array([[x1, y1, x2, y2]], np.float32), np.array([score]), np.zeros(1, np.int32))


def test_a_duplicate_box_on_a_followed_person_starts_no_track() -> None:
    duplicate = box(112, 62, 150, 146, 0.8)  # IoU 0.72 with the person's box at frame 5
    assert one_person_and(duplicate) == 2
    assert one_person_and(duplicate, birth_max_iou=0.5) == 1
    assert one_person_and(box(220, 60, 260, 140, 0.8), birth_max_iou=0.5) == 2  # a new person elsewhere


def test_birth_threshold_above_the_matching_one() -> None:
    newcomer = box(220, 60, 260, 140, 0.55)
    assert one_person_and(newcomer) == 2
    assert one_person_and(newcomer, birth_score=0.6) == 1


def test_birth_score_under_high_score_is_refused() -> None:
    with pytest.raises(ValidationError, match="birth_score"):
        tracker_settings("bytetrack", high_score=0.5, birth_score=0.4)


@pytest.mark.parametrize("fps", [7.0, 25.0])
def test_max_age_is_in_seconds_whatever_the_frame_rate(fps: float) -> None:
    """A person seen for 1 s then never again is dropped 2 s (``max_age_s``) after the last
    detection, at 7 and at 25 fps."""
    person = MovingBox((100, 60), (0, 0))
    tracker = build_tracker(tracker_settings("bytetrack", confirm_hits=1, max_age_s=2.0))
    image = render([person], 0).image
    alive_until = 0.0
    for index in range(int(5 * fps)):
        time_s = index / fps
        detections = detections_at([person], 0) if time_s < 1.0 else Detections.empty()
        if tracker.update(detections, Frame(index, time_s, image)):
            alive_until = time_s
    last_detection = (np.ceil(fps) - 1) / fps
    assert last_detection + 2.0 - 1 / fps < alive_until <= last_detection + 2.0 + 1e-6


def stop_while_hidden_ids(recovery: bool) -> set[int]:
    """A person walks right at 6 px per frame, stops behind something for 10 frames (not
    detected) and stands there once visible again: the ids on them afterwards."""

    def truth(t: int) -> np.ndarray:
        x = 40 + 6 * min(t, 10)
        return np.array([x, 60, x + 40, 140], np.float32)

    tracker = build_tracker(tracker_settings("bytetrack", confirm_hits=2, observation_recovery=recovery))
    ids: set[int] = set()
    for t in range(30):
        detections = Detections.empty() if 10 <= t < 20 else Detections(truth(t)[None], [0.9], [0])
        tracks = Tracks.from_snapshots(tracker.update(detections, render([], t)))
        if t >= 20:
            ids |= {int(i) for i in tracks.ids}
    return ids


def test_recovery_finds_a_person_where_they_were_last_seen() -> None:
    assert len(stop_while_hidden_ids(False)) == 1 and stop_while_hidden_ids(False) != {1}  # a new id
    assert stop_while_hidden_ids(True) == {1}


def ambiguous_pair(detection_order: list[int], **weights: float) -> dict[int, int]:
    """Two tracks last seen on the same box (one walking right, one walking left, different
    colours) and two boxes, 10 px right and 10 px left of it: track -> detection chosen."""
    box = np.array([100, 50, 140, 130], np.float32)
    candidates = [box + [10, 0, 10, 0], box - [10, 0, 10, 0]]  # 0: to the right, 1: to the left
    red, blue = np.eye(4, dtype=np.float32)[0], np.eye(4, dtype=np.float32)[1]
    tracks = TrackTable(
        np.stack([box, box]),
        np.zeros(2, np.int32),
        np.ones(2, bool),
        np.ones(2, bool),
        appearance=np.stack([red, blue]),
        observed=np.stack([box, box]),
        directions=np.array([[1, 0], [-1, 0]], np.float32),
    )
    detections = Detections(np.stack([candidates[i] for i in detection_order]), [0.9, 0.9], [0, 0])
    colours = np.stack([[red, blue][i] for i in detection_order])
    association = ByteTrack(
        iou_distance_cost,
        1.0,
        0.5,
        appearance_weight=weights.get("appearance"),
        direction_weight=weights.get("direction"),
    )
    pairs = association.assign(tracks, detections, colours).pairs
    return {int(track): detection_order[int(det)] for track, det in pairs}


@pytest.mark.parametrize("cue", ["direction", "appearance"])
def test_momentum_and_colour_settle_an_ambiguous_crossing(cue: str) -> None:
    """Track 0 (right, red) must take the right box (red), track 1 the left one (blue), in
    whatever order the detector lists them; the boxes alone cannot tell (equal costs)."""
    for order in ([0, 1], [1, 0]):
        assert ambiguous_pair(order, **{cue: 0.3}) == {0: 0, 1: 1}
    assert {0: 0, 1: 1} != ambiguous_pair([1, 0]) or {0: 0, 1: 1} != ambiguous_pair([0, 1])


@pytest.mark.parametrize("cue", ["direction", "appearance"])
def test_a_cue_never_refuses_a_pair_the_boxes_allow(cue: str) -> None:
    """One track and one box that overlap little (cost 0.94, within the gate of 1.0), of
    another colour and against the track's direction: the cue may rank pairs, but this pair,
    the only one, is still matched rather than the box starting a second track."""
    box = np.array([100, 50, 140, 130], np.float32)
    moved = box + [30, 0, 30, 0]  # IoU 0.14: DIoU cost 0.94
    red, blue = np.eye(4, dtype=np.float32)[0], np.eye(4, dtype=np.float32)[1]
    tracks = TrackTable(
        box[None],
        np.zeros(1, np.int32),
        np.ones(1, bool),
        np.ones(1, bool),
        appearance=red[None],
        observed=box[None],
        directions=np.array([[-1, 0]], np.float32),
    )
    association = ByteTrack(iou_distance_cost, 1.0, 0.5, **{f"{cue}_weight": 1.0})  # type: ignore[arg-type]
    assignment = association.assign(tracks, Detections(moved[None], [0.9], [0]), blue[None])
    assert assignment.pairs.tolist() == [[0, 0]] and len(assignment.births) == 0


def test_a_gap_between_detector_calls_longer_than_max_age_keeps_the_tracks() -> None:
    """Detector every 10th frame at 7 fps (1.4 s apart) with ``max_age_s`` 1.2: the person
    keeps one id, shown between the calls (the age is checked when the detector looks)."""
    person = MovingBox((60, 60), (2, 0))
    tracker = build_tracker(tracker_settings("bytetrack", confirm_hits=1, max_age_s=1.2))
    ids: set[int] = set()
    shown = 0
    for index in range(40):
        detections = detections_at([person], index) if index % 10 == 0 else None
        tracks = Tracks.from_snapshots(
            tracker.update(detections, Frame(index, index / 7.0, render([person], index).image))
        )
        ids |= {int(i) for i in tracks.ids}
        shown += len(tracks) > 0
    assert ids == {1} and shown == 40


def test_indices_not_in_is_setdiff1d_of_a_range() -> None:
    rng = np.random.default_rng(0)
    for count in (0, 1, 5, 30):
        for size in range(min(count, 6) + 1):
            taken = rng.choice(count, size=size, replace=False).astype(int)
            np.testing.assert_array_equal(indices_not_in(count, taken), np.setdiff1d(np.arange(count), taken))


def after_one_box_over_two(shared_box_iou: float | None) -> tuple[list, np.ndarray]:
    """Two people walk side by side to the right, detected apart for 6 frames; on frame 6 the
    detector gives one box over both. Their snapshots on frame 6, and the box over both."""
    people = [MovingBox((60, 60), (2, 0), seed=1), MovingBox((90, 62), (2, 0), seed=2)]
    tracker = build_tracker(tracker_settings("bytetrack", confirm_hits=2, shared_box_iou=shared_box_iou))
    for t in range(6):
        tracker.update(detections_at(people, t), render(people, t))
    a, b = people[0].box(6), people[1].box(6)
    union = np.concatenate([np.minimum(a[:2], b[:2]), np.maximum(a[2:], b[2:])])[None]
    return tracker.update(Detections(union, np.array([0.9]), np.zeros(1, np.int32)), render(people, 6)), union[0]


def test_one_box_over_two_people_moves_neither_and_hides_neither() -> None:
    snapshots, union = after_one_box_over_two(0.5)
    assert [s.shown for s in snapshots] == [True, True]
    people = [MovingBox((60, 60), (2, 0)), MovingBox((90, 62), (2, 0))]
    for snapshot, person in zip(snapshots, people, strict=True):  # each on its own prediction
        assert np.abs(snapshot.box - person.box(6)).max() < 3, (snapshot.box, person.box(6))
    without, _ = after_one_box_over_two(None)  # the box pulls one track onto the pair, the other is hidden
    assert sorted(s.shown for s in without) == [False, True]
    pulled = next(s for s in without if s.shown)
    assert np.abs(pulled.box - union).max() < np.abs(pulled.box - people[0].box(6)).max()


def test_a_box_over_a_track_the_detector_did_not_see_last_time_is_not_shared() -> None:
    """Only a track the previous detector call saw can be hidden behind a shared box: one that
    was already missed keeps its miss."""
    table = TrackTable(
        np.array([[0, 0, 40, 80], [10, 0, 50, 80]], np.float32),
        np.zeros(2, np.int32),
        np.array([True, False]),
        np.array([True, True]),
    )
    detections = box(0, 0, 50, 80, 0.9)
    shared, covered = shared_boxes(table, detections, np.array([[0, 0]]), np.array([1]), 0.5)
    assert not shared.any() and not len(covered)
    table = TrackTable(table.boxes, table.class_ids, np.array([True, True]), table.confirmed)
    shared, covered = shared_boxes(table, detections, np.array([[0, 0]]), np.array([1]), 0.5)
    assert shared.tolist() == [True] and covered.tolist() == [1]


def test_a_box_over_a_track_of_another_class_is_not_shared() -> None:
    """A car's box over a person the detector missed says nothing about the person."""
    table = TrackTable(
        np.array([[0, 0, 40, 80], [10, 0, 50, 80]], np.float32),
        np.array([0, 1], np.int32),
        np.array([True, True]),
        np.array([True, True]),
    )
    shared, covered = shared_boxes(table, box(0, 0, 50, 80, 0.9), np.array([[0, 0]]), np.array([1]), 0.5)
    assert not shared.any() and not len(covered)
