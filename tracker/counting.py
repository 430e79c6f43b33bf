"""Counting lines and zones: pure logic fed one frame of tracks at a time, returning events.

A line is a segment. A track counts when its anchor point goes from one side to the other
*through the segment* (a path that only crosses the line's extension never counts), after
``min_frames_each_side`` frames on the side it came from and as many on the side it reached:
jitter on the line never counts. Each track counts at most once per line and direction.
'in' is a crossing to the right-hand side of the segment walking from its first point to its
second, in image coordinates (y down): for a line drawn left to right, moving down the image.

A zone is a polygon. A track enters after ``min_frames_each_side`` frames inside and exits
after as many outside (or when it ends); the exit event carries its time inside (dwell).

Per-track state is forgotten when a track ends, so memory stays flat on runs of days.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import cv2
import numpy as np
from pydantic import Field, model_validator

from tracker.core.settings import StrictSettings
from tracker.core.types import Frame, Tracks
from tracker.timing import iso_time

Coordinate = Annotated[float, Field(ge=-1e6, le=1e6)]  # pixels


class CountingLine(StrictSettings):
    """A counting segment."""

    name: str = Field(description="name used in events.jsonl and summary.json")
    points: list[tuple[Coordinate, Coordinate]] = Field(
        min_length=2, max_length=2, description="the segment's two end points [[x1, y1], [x2, y2]] in pixels"
    )

    @model_validator(mode="after")
    def _has_length(self) -> CountingLine:
        if self.points[0] == self.points[1]:
            raise ValueError(f"line '{self.name}': its two points are the same")
        return self


class CountingZone(StrictSettings):
    """A counting polygon."""

    name: str = Field(description="name used in events.jsonl and summary.json")
    polygon: list[tuple[Coordinate, Coordinate]] = Field(min_length=3, description="corners [[x, y], ...] in pixels")


class CountingSettings(StrictSettings):
    """The ``counting`` section: lines and zones, and how a crossing counts."""

    lines: list[CountingLine] = Field(
        default_factory=list,
        description="counting segments [{name, points: [[x1,y1],[x2,y2]]}]; 'in' = crossing to the right-hand "
        "side walking from the first point to the second (a line drawn left to right: moving down)",
    )
    zones: list[CountingZone] = Field(
        default_factory=list, description="zones [{name, polygon: [[x,y],...]}]: inside now, entries, exits, dwell"
    )
    anchor: Literal["bottom_center", "center"] = Field(
        "bottom_center", description="the point of each box that crosses lines and enters zones"
    )
    min_frames_each_side: int = Field(
        3,
        ge=1,
        le=10_000,
        description="frames a track must spend on each side of a line (or in/out of a zone) to count",
    )
    count_at_track_end: bool = Field(
        True, description="count a crossing whose track ends on the far side sooner (lines near the frame edge)"
    )

    @model_validator(mode="after")
    def _unique_names(self) -> CountingSettings:
        items: tuple[CountingLine | CountingZone, ...] = (*self.lines, *self.zones)
        names = [item.name for item in items]
        if duplicates := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"line and zone names must differ: {', '.join(duplicates)} used twice")
        return self


Point = tuple[float, float]
DIRECTIONS = {1: "in", -1: "out"}  # side reached -> direction name


def anchor_points(xyxy: np.ndarray, anchor: str) -> np.ndarray:
    """The point of each box that counts: its bottom centre (feet, wheels) or its centre."""
    x = (xyxy[:, 0] + xyxy[:, 2]) / 2
    y = xyxy[:, 3] if anchor == "bottom_center" else (xyxy[:, 1] + xyxy[:, 3]) / 2
    return np.stack([x, y], axis=1)


def _orient(a: Point, b: Point, c: Point) -> float:
    """> 0 when ``c`` is on the right of a->b in image coordinates (y down); 0 when collinear."""
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _on_segment(a: Point, b: Point, c: Point) -> bool:
    return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])


def segments_intersect(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """Whether segments p1-p2 and q1-q2 share a point (touching end points included)."""
    d1, d2 = _orient(q1, q2, p1), _orient(q1, q2, p2)
    d3, d4 = _orient(p1, p2, q1), _orient(p1, p2, q2)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _on_segment(q1, q2, p1))
        or (d2 == 0 and _on_segment(q1, q2, p2))
        or (d3 == 0 and _on_segment(p1, p2, q1))
        or (d4 == 0 and _on_segment(p1, p2, q2))
    )


@dataclass
class _LineState:
    side: int = 0  # side of the current run (+1 right, -1 left, 0 unknown)
    run: int = 0  # frames in the current run
    settled: int = 0  # last side held for min_frames_each_side frames (0: none yet)
    through: bool = False  # the path went through the segment since it left ``settled``
    counted: set[int] = field(default_factory=set)


@dataclass
class _ZoneState:
    inside: bool | None = None  # settled state (None: not yet known)
    candidate: bool | None = None
    run: int = 0
    run_started_s: float = 0.0
    entered_s: float = 0.0


@dataclass
class _TrackState:
    class_name: str
    last_point: Point
    last_update: int
    last_frame: Frame
    lines: list[_LineState]
    zones: list[_ZoneState]


class LineZoneCounter:
    """Counts line crossings and zone entries/exits; ``update`` returns the frame's events.

    A track absent for more than ``forget_after`` updates is over: its pending crossing counts
    (``count_at_track_end``), it leaves every zone it was in, and its state is dropped."""

    def __init__(self, settings: CountingSettings, class_names: Sequence[str], forget_after: int = 1) -> None:
        self.settings = settings
        self.class_names = tuple(class_names)
        self.forget_after = forget_after
        self.lines: list[tuple[str, Point, Point]] = [
            (line.name, line.points[0], line.points[1]) for line in settings.lines
        ]
        self.zones = [(zone.name, np.array(zone.polygon, np.float32).reshape(-1, 1, 2)) for zone in settings.zones]
        self.crossings: dict[str, dict[str, Tally[str]]] = {
            name: {"in": Tally(), "out": Tally()} for name, *_ in self.lines
        }
        self.entries: dict[str, Tally[str]] = {name: Tally() for name, _ in self.zones}
        self.exits: dict[str, Tally[str]] = {name: Tally() for name, _ in self.zones}
        self.dwell = {name: {"count": 0, "total_s": 0.0, "max_s": 0.0} for name, _ in self.zones}
        self._tracks: dict[int, _TrackState] = {}
        self._updates = 0

    @property
    def enabled(self) -> bool:
        return bool(self.lines or self.zones)

    def inside_now(self) -> dict[str, int]:
        return {
            name: sum(1 for t in self._tracks.values() if t.zones[z].inside) for z, (name, _) in enumerate(self.zones)
        }

    def update(self, frame: Frame, tracks: Tracks) -> list[dict[str, Any]]:
        """Feed one processed frame's tracks; returns the events it caused, in order."""
        self._updates += 1
        events: list[dict[str, Any]] = []
        points = anchor_points(tracks.xyxy, self.settings.anchor)
        for i, track_id in enumerate(int(t) for t in tracks.ids):
            point = (float(points[i, 0]), float(points[i, 1]))
            class_name = self.class_names[tracks.class_ids[i]]
            state = self._tracks.get(track_id)
            if state is None:
                state = self._tracks[track_id] = _TrackState(
                    class_name,
                    point,
                    self._updates,
                    frame,
                    [_LineState() for _ in self.lines],
                    [_ZoneState() for _ in self.zones],
                )
                previous = None
            else:
                previous = state.last_point
            state.class_name, state.last_point, state.last_update, state.last_frame = (
                class_name,
                point,
                self._updates,
                frame,
            )
            for line_index, line_state in enumerate(state.lines):
                events += self._step_line(line_index, line_state, previous, point, track_id, state, frame)
            for zone_index, zone_state in enumerate(state.zones):
                events += self._step_zone(zone_index, zone_state, point, track_id, state, frame)
        gone = [tid for tid, s in self._tracks.items() if self._updates - s.last_update > self.forget_after]
        for track_id in gone:
            events += self._end_track(track_id)
        return events

    def end_all(self) -> list[dict[str, Any]]:
        """Close every track (end of the run, or a gap in a live stream)."""
        events: list[dict[str, Any]] = []
        for track_id in list(self._tracks):
            events += self._end_track(track_id)
        return events

    def _step_line(
        self,
        index: int,
        s: _LineState,
        previous: Point | None,
        point: Point,
        track_id: int,
        track: _TrackState,
        frame: Frame,
    ) -> list[dict[str, Any]]:
        name, a, b = self.lines[index]
        if previous is not None and segments_intersect(previous, point, a, b):
            s.through = True
        orientation = _orient(a, b, point)
        side = 1 if orientation > 0 else -1 if orientation < 0 else s.side  # on the line: no change
        if side == 0:
            return []
        s.run = s.run + 1 if side == s.side else 1
        s.side = side
        if s.run < self.settings.min_frames_each_side:
            return []
        events = []
        if s.settled and s.settled != side and s.through:
            events = self._count_crossing(index, s, side, track_id, track, frame, at_track_end=False)
        s.settled, s.through = side, False
        return events

    def _count_crossing(
        self, index: int, s: _LineState, side: int, track_id: int, track: _TrackState, frame: Frame, at_track_end: bool
    ) -> list[dict[str, Any]]:
        if side in s.counted:
            return []
        s.counted.add(side)
        name = self.lines[index][0]
        direction = DIRECTIONS[side]
        self.crossings[name][direction][track.class_name] += 1
        extra = {"at_track_end": True} if at_track_end else {}
        return [_event(frame, track_id, track.class_name, "line_crossing", line=name, direction=direction, **extra)]

    def _step_zone(
        self, index: int, s: _ZoneState, point: Point, track_id: int, track: _TrackState, frame: Frame
    ) -> list[dict[str, Any]]:
        inside = cv2.pointPolygonTest(self.zones[index][1], point, False) >= 0
        if inside != s.candidate:
            s.candidate, s.run, s.run_started_s = inside, 0, frame.time_s
        s.run += 1
        if s.run < self.settings.min_frames_each_side or inside == s.inside:
            return []
        was_inside, s.inside = s.inside, inside
        name = self.zones[index][0]
        if inside:
            s.entered_s = s.run_started_s
            self.entries[name][track.class_name] += 1
            return [_event(frame, track_id, track.class_name, "zone_enter", zone=name)]
        if was_inside:
            return [self._exit(index, s, track_id, track, frame, s.run_started_s)]
        return []

    def _exit(
        self, index: int, s: _ZoneState, track_id: int, track: _TrackState, frame: Frame, left_s: float, **extra: Any
    ) -> dict[str, Any]:
        name = self.zones[index][0]
        dwell_s = max(0.0, left_s - s.entered_s)
        self.exits[name][track.class_name] += 1
        stats = self.dwell[name]
        stats["count"] += 1
        stats["total_s"] += dwell_s
        stats["max_s"] = max(stats["max_s"], dwell_s)
        s.inside = False
        return _event(frame, track_id, track.class_name, "zone_exit", zone=name, dwell_s=round(dwell_s, 3), **extra)

    def _end_track(self, track_id: int) -> list[dict[str, Any]]:
        track = self._tracks.pop(track_id)
        frame = track.last_frame
        events = []
        if self.settings.count_at_track_end:
            for index, s in enumerate(track.lines):
                if s.settled and s.side != s.settled and s.through:
                    events += self._count_crossing(index, s, s.side, track_id, track, frame, at_track_end=True)
        for index, zone_state in enumerate(track.zones):
            if zone_state.inside:
                events.append(self._exit(index, zone_state, track_id, track, frame, frame.time_s, at_track_end=True))
        return events

    def summary(self) -> dict[str, Any]:
        """Counts so far, for ``summary.json`` and the live view."""
        lines: dict[str, dict[str, Any]] = {}
        for name, counts in self.crossings.items():
            lines[name] = {direction: dict(sorted(tally.items())) for direction, tally in counts.items()}
            lines[name].update({f"{d}_total": sum(t.values()) for d, t in counts.items()})
        zones = {}
        inside = self.inside_now()
        for name, _ in self.zones:
            dwell = self.dwell[name]
            zones[name] = {
                "inside_now": inside[name],
                "entries": dict(sorted(self.entries[name].items())),
                "exits": dict(sorted(self.exits[name].items())),
                "entries_total": sum(self.entries[name].values()),
                "exits_total": sum(self.exits[name].values()),
                "dwell_s": {
                    "count": dwell["count"],
                    "mean": round(dwell["total_s"] / dwell["count"], 3) if dwell["count"] else None,
                    "max": round(dwell["max_s"], 3),
                },
            }
        return {"lines": lines, "zones": zones}


def _event(frame: Frame, track_id: int, class_name: str, kind: str, **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"frame": frame.index + 1, "time_s": round(frame.time_s, 3)}
    if frame.wall_time is not None:
        event["wall_time"] = iso_time(frame.wall_time)
    event.update({"track_id": track_id, "class": class_name, "event": kind, **fields})
    return event
