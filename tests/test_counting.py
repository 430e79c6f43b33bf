"""Counting lines and zones on synthetic tracks: segments (not infinite lines), both directions,
once per track, minimum frames on each side, lines at the frame edge, zones with dwell."""

from __future__ import annotations

import numpy as np
import pytest

from tracker.config import CountingSettings
from tracker.core.types import Frame, Tracks
from tracker.counting import LineZoneCounter, segments_intersect

IMAGE = np.zeros((240, 320, 3), np.uint8)
CLASSES = ("person", "car")


def counter(
    lines=(), zones=(), k: int = 3, anchor: str = "center", at_end: bool = True, forget_after: int = 1
) -> LineZoneCounter:
    settings = CountingSettings.model_validate(
        {
            "lines": [{"name": n, "points": p} for n, p in lines],
            "zones": [{"name": n, "polygon": p} for n, p in zones],
            "anchor": anchor,
            "min_frames_each_side": k,
            "count_at_track_end": at_end,
        }
    )
    return LineZoneCounter(settings, CLASSES, forget_after=forget_after)


def tracks_at(points: dict[int, tuple[float, float]], class_id: int = 0) -> Tracks:
    """Tracks whose box *centres* are the given points (10x10 boxes)."""
    ids = list(points)
    xyxy = [(x - 5, y - 5, x + 5, y + 5) for x, y in points.values()]
    n = len(ids)
    return Tracks(np.array(ids), np.array(xyxy).reshape(-1, 4), np.ones(n), np.full(n, class_id), np.ones(n, bool))


def run(
    c: LineZoneCounter, paths: dict[int, list[tuple[float, float]]], class_id: int = 0, fps: float = 10.0
) -> list[dict]:
    """Feed each track's path frame by frame (a track is absent once its path ends), then end the run."""
    events = []
    length = max(len(p) for p in paths.values())
    for t in range(length):
        present = {tid: path[t] for tid, path in paths.items() if t < len(path)}
        events += c.update(Frame(t, t / fps, IMAGE), tracks_at(present, class_id))
    return events + c.end_all()


def walk(start: tuple[float, float], end: tuple[float, float], steps: int) -> list[tuple[float, float]]:
    return [tuple(np.array(start) + (np.array(end) - np.array(start)) * i / (steps - 1)) for i in range(steps)]


HORIZONTAL = ("door", [[100, 100], [200, 100]])  # drawn left to right: moving down = "in"


def test_segment_intersection_basics() -> None:
    assert segments_intersect((150, 90), (150, 110), (100, 100), (200, 100))
    assert not segments_intersect((250, 90), (250, 110), (100, 100), (200, 100))  # the extension only
    assert segments_intersect((200, 90), (200, 110), (100, 100), (200, 100))  # through an end point
    assert not segments_intersect((150, 90), (150, 99), (100, 100), (200, 100))  # stops short


def test_crossing_down_counts_in_and_up_counts_out() -> None:
    c = counter([HORIZONTAL])
    events = run(c, {1: walk((150, 60), (150, 140), 9), 2: walk((160, 140), (160, 60), 9)})
    crossings = [(e["track_id"], e["direction"]) for e in events if e["event"] == "line_crossing"]
    assert sorted(crossings) == [(1, "in"), (2, "out")]
    assert c.summary()["lines"]["door"] == {"in": {"person": 1}, "out": {"person": 1}, "in_total": 1, "out_total": 1}
    first = next(e for e in events if e["track_id"] == 1)
    assert first["line"] == "door" and first["class"] == "person" and first["frame"] >= 6


def test_crossing_the_extension_never_counts() -> None:
    c = counter([HORIZONTAL])
    events = run(
        c,
        {
            1: walk((250, 60), (250, 140), 9),  # beside the segment, across its extension
            2: walk((50, 140), (50, 60), 9),
        },
    )  # the other side's extension
    assert events == []
    assert c.summary()["lines"]["door"]["in_total"] == 0


def test_touching_the_extension_and_going_back_never_counts() -> None:
    c = counter([HORIZONTAL], k=1)
    path = walk((260, 60), (260, 100), 5) + walk((260, 100), (260, 60), 5)  # touches y=100 at x=260
    assert run(c, {1: path}) == []


def test_diagonal_path_that_crosses_extension_then_passes_under_segment_does_not_count() -> None:
    c = counter([HORIZONTAL])
    # crosses y=100 at x=230 (extension), then moves left below the segment
    path = walk((250, 80), (230, 100), 3)[:-1] + walk((230, 100), (210, 120), 3) + walk((200, 130), (120, 130), 5)
    assert run(c, {1: path}) == []


def test_object_crossing_twice_counts_once_each_way_and_never_again() -> None:
    c = counter([HORIZONTAL])
    down, up = walk((150, 60), (150, 140), 9), walk((150, 140), (150, 60), 9)
    events = run(c, {1: down + up + down})
    assert [e["direction"] for e in events] == ["in", "out"]


def test_jitter_on_the_line_does_not_count() -> None:
    c = counter([HORIZONTAL], k=3)
    path = [(150, 90)] * 4 + [(150, 101), (150, 99), (150, 102), (150, 98)] + [(150, 90)] * 4
    assert run(c, {1: path}) == []


def test_minimum_frames_on_each_side() -> None:
    # two frames above, then crossing: not enough history on the first side for k=3
    c = counter([HORIZONTAL], k=3, at_end=False)
    assert run(c, {1: [(150, 90), (150, 95)] + [(150, 110)] * 5}) == []
    # three frames above and only two below before the track ends: not counted without at_end
    c = counter([HORIZONTAL], k=3, at_end=False)
    assert run(c, {1: [(150, 90)] * 3 + [(150, 110)] * 2}) == []
    c = counter([HORIZONTAL], k=3, at_end=False)
    events = run(c, {1: [(150, 90)] * 3 + [(150, 110)] * 3})
    assert [(e["frame"], e["direction"]) for e in events] == [(6, "in")]


def test_line_at_the_frame_edge_counts_when_the_track_ends_beyond_it() -> None:
    # a vertical line 4 px from the left edge; the object walks left and is lost just after it
    edge = ("edge", [[4, 0], [4, 240]])
    path = walk((60, 120), (5, 120), 12) + [(2, 120)]
    c = counter([edge], k=3, at_end=True)
    events = run(c, {1: path})
    assert len(events) == 1 and events[0]["at_track_end"] and events[0]["direction"] == "in"
    assert run(counter([edge], k=3, at_end=False), {1: path}) == []


def test_counts_per_class_and_per_track() -> None:
    c = counter([HORIZONTAL], k=2)
    run(c, {1: walk((120, 80), (120, 120), 6), 2: walk((180, 80), (180, 120), 6)}, class_id=1)
    run(c, {3: walk((150, 80), (150, 120), 6)}, class_id=0)
    assert c.summary()["lines"]["door"]["in"] == {"car": 2, "person": 1}


def test_bottom_center_anchor_uses_the_box_bottom() -> None:
    c = counter([HORIZONTAL], k=1, anchor="bottom_center")
    # centres stay above the line (y <= 97) but the box bottoms (y + 5) cross it
    events = run(c, {1: walk((150, 85), (150, 97), 5)})
    assert [e["direction"] for e in events] == ["in"]


SQUARE = ("square", [[100, 100], [200, 100], [200, 200], [100, 200]])


def test_zone_entry_exit_dwell_and_inside_now() -> None:
    c = counter(zones=[SQUARE], k=2)
    path = [(50, 150)] * 3 + [(150, 150)] * 10 + [(250, 150)] * 3  # inside frames 3..12 (1.0 s at 10 fps)
    events = []
    for t, point in enumerate(path):
        events += c.update(Frame(t, t / 10, IMAGE), tracks_at({7: point}))
        if t == 8:
            assert c.inside_now() == {"square": 1}
    events += c.end_all()
    assert [e["event"] for e in events] == ["zone_enter", "zone_exit"]
    assert events[1]["dwell_s"] == pytest.approx(1.0)
    zone = c.summary()["zones"]["square"]
    assert zone["entries"] == {"person": 1} and zone["exits"] == {"person": 1} and zone["inside_now"] == 0
    assert zone["dwell_s"] == {"count": 1, "mean": 1.0, "max": 1.0}


def test_zone_track_lost_inside_exits_at_track_end_and_state_is_forgotten() -> None:
    c = counter(zones=[SQUARE], k=2, forget_after=2)
    events = []
    for t in range(5):
        events += c.update(Frame(t, t / 10, IMAGE), tracks_at({4: (150, 150)}))
    for t in range(5, 9):  # the track is gone
        events += c.update(Frame(t, t / 10, IMAGE), tracks_at({}))
    assert [e["event"] for e in events] == ["zone_enter", "zone_exit"]
    assert events[1]["at_track_end"] and events[1]["dwell_s"] == pytest.approx(0.4)
    assert c._tracks == {}


def test_zone_brief_visits_below_min_frames_are_ignored() -> None:
    c = counter(zones=[SQUARE], k=3)
    assert run(c, {1: [(50, 150)] * 3 + [(150, 150)] * 2 + [(50, 150)] * 3}) == []


def test_wall_time_appears_in_events() -> None:
    c = counter([HORIZONTAL], k=1)
    events = c.update(Frame(0, 0.0, IMAGE, wall_time=1_700_000_000.25), tracks_at({1: (150, 90)}))
    events += c.update(Frame(1, 0.1, IMAGE, wall_time=1_700_000_000.35), tracks_at({1: (150, 110)}))
    assert len(events) == 1 and events[0]["wall_time"].startswith("2023-11-1")
    assert ".350" in events[0]["wall_time"]


@pytest.mark.parametrize(
    "counting, message",
    [
        ({"lines": [{"name": "a", "points": [[1, 2]]}]}, "at least 2 items"),
        ({"lines": [{"name": "a", "points": [[1, 2], [1, 2]]}]}, "its two points are the same"),
        (
            {
                "lines": [{"name": "a", "points": [[1, 2], [1, 3]]}],
                "zones": [{"name": "a", "polygon": [[0, 0], [1, 0], [1, 1]]}],
            },
            "a used twice",
        ),
        ({"anchor": "top"}, "counting.anchor"),
    ],
)
def test_bad_counting_config_is_one_clear_error(tmp_path, counting: dict, message: str) -> None:
    import yaml

    from tracker.config import load_settings
    from tracker.core.errors import UserError

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"counting": counting}))
    with pytest.raises(UserError, match=message):
        load_settings(path)
