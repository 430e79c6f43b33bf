"""The colour-histogram cue: features, distances, the lost-track gate in ByteTrack's
association, and a tracker run where a stranger walks into a lost track's prediction."""

from __future__ import annotations

import numpy as np

from tests.synthetic import MovingBox, background, detections_at, render
from tracker.core.types import Detections, Frame, Tracks
from tracker.trackers import build_tracker, tracker_settings
from tracker.trackers.appearance import AppearanceModel, bhattacharyya_distance, color_histograms
from tracker.trackers.association import ByteTrack, TrackTable
from tracker.trackers.costs import iou_distance_cost


def _two_people() -> np.ndarray:
    image = background()
    image[40:120, 20:60] = (0, 0, 200)  # red top
    image[120:200, 20:60] = (200, 0, 0)  # blue trousers
    image[40:120, 200:240] = (0, 200, 0)  # green top
    image[120:200, 200:240] = (0, 200, 200)  # yellow trousers
    return image


def test_histograms_tell_differently_dressed_people_apart() -> None:
    boxes = np.array([[20, 40, 60, 200], [22, 42, 61, 199], [200, 40, 240, 200]], np.float32)
    features = color_histograms(_two_people(), boxes)
    assert features.shape == (3, 64)
    np.testing.assert_allclose(features.sum(axis=1), 1.0, atol=1e-5)
    distance = bhattacharyya_distance(features, features)
    assert distance[0, 1] < 0.1 and distance[0, 2] > 0.9
    np.testing.assert_allclose(np.diag(distance), 0.0, atol=1e-3)


def test_a_box_outside_the_image_has_no_feature_and_updates_nothing() -> None:
    feature = color_histograms(_two_people(), np.array([[400, 400, 450, 500]], np.float32))[0]
    assert not feature.any()
    model = AppearanceModel()
    assert model.blend(None, feature, 0.9) is None
    known = np.full(64, 1 / 64, np.float32)
    assert model.blend(known, np.eye(64, dtype=np.float32)[0], 0.3) is known  # low score: no update


def test_only_confident_boxes_are_described() -> None:
    boxes = np.array([[20, 40, 60, 200], [200, 40, 240, 200]], np.float32)
    features = AppearanceModel(min_score=0.5).describe(_two_people(), boxes, np.array([0.9, 0.3]))
    np.testing.assert_allclose(features[0], color_histograms(_two_people(), boxes[:1])[0])
    assert not features[1].any()


def _lost_track_near_a_box(track_feature: np.ndarray, det_feature: np.ndarray, gate: float | None):
    tracks = TrackTable(
        np.array([[0, 0, 10, 20]], np.float32),
        np.zeros(1, np.int32),
        np.array([False]),
        np.array([True]),
        appearance=track_feature[None],
    )
    detections = Detections(np.array([[1, 0, 11, 20]], np.float32), [0.9], [0])
    return ByteTrack(iou_distance_cost, 1.0, 0.5, appearance_gate=gate).assign(tracks, detections, det_feature[None])


def test_gate_refuses_a_lost_track_a_box_of_other_colours() -> None:
    features = color_histograms(_two_people(), np.array([[20, 40, 60, 200], [200, 40, 240, 200]], np.float32))
    refused = _lost_track_near_a_box(features[0], features[1], gate=0.4)
    assert refused.pairs.tolist() == [] and refused.births.tolist() == [0]
    assert _lost_track_near_a_box(features[0], features[0], gate=0.4).pairs.tolist() == [[0, 0]]
    assert _lost_track_near_a_box(features[0], features[1], gate=None).pairs.tolist() == [[0, 0]]
    # A track with no histogram yet is not gated.
    assert _lost_track_near_a_box(np.zeros(64, np.float32), features[1], gate=0.4).pairs.tolist() == [[0, 0]]


def test_a_stranger_in_a_lost_tracks_prediction_gets_a_new_id() -> None:
    """A walker is hidden (no detections) from frame 10; at frame 14 somebody else, dressed
    differently, appears where the walker's prediction is. Without the gate the stranger
    inherits the walker's id; with it the stranger gets a new one."""
    walker = MovingBox((20, 80), (5, 0), seed=1)
    stranger = MovingBox((20, 80), (5, 0), seed=7)  # on the walker's path, other clothes
    ids = {}
    for gate in (None, 0.4):
        tracker = build_tracker(tracker_settings("bytetrack", confirm_hits=2, appearance_gate=gate))
        stranger_ids = set()
        for t in range(22):
            scene = [walker] if t < 10 else [stranger] if t >= 14 else []
            image = render(scene, t).image if scene else background()
            tracks = Tracks.from_snapshots(
                tracker.update(detections_at(scene, t) if scene else Detections.empty(), Frame(t, t / 25, image))
            )
            if t >= 16:
                stranger_ids |= {int(i) for i in tracks.ids}
        ids[gate] = stranger_ids
    assert ids[None] == {1}
    assert ids[0.4] == {2}
