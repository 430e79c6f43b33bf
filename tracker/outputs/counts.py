"""The counting output: feeds each frame's tracks to the line/zone counter, appends its events
to ``events.jsonl`` as they happen (flushed per frame), and draws lines, zones and counts on
the annotated image for the sinks after it (so it must come before the video sink)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import cv2
import numpy as np

from tracker.counting import LineZoneCounter
from tracker.core.protocols import FrameResult

FONT = cv2.FONT_HERSHEY_SIMPLEX
LINE_COLOUR = (0, 215, 255)   # amber (BGR)
ZONE_COLOUR = (255, 160, 0)   # azure


class EventLog:
    """``events.jsonl``: one JSON object per line, flushed after every write. ``path_for()`` is
    asked before each write, so the log follows output rotation to a new file."""

    def __init__(self, path_for: Callable[[], Path]) -> None:
        self.path_for = path_for
        self._path: Path | None = None
        self._file: TextIO | None = None
        self.events_written = 0

    def write(self, events: list[dict[str, Any]]) -> None:
        path = self.path_for()
        if path != self._path:
            self.close()
            self._path, self._file = path, path.open("w")
        if events:
            assert self._file is not None
            self._file.writelines(json.dumps(event) + "\n" for event in events)
            self._file.flush()
            self.events_written += len(events)

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()


class CountingSink:
    """Counts every processed frame; a frame marked ``after_gap`` first closes every track."""

    wants_image = False  # draws on the annotated image when the loop made one for other sinks

    def __init__(self, counter: LineZoneCounter, log: EventLog) -> None:
        self.counter = counter
        self.log = log
        self.last_events: list[dict[str, Any]] = []

    def write(self, result: FrameResult) -> None:
        events = self.counter.end_all() if result.frame.after_gap else []
        events += self.counter.update(result.frame, result.tracks)
        self.log.write(events)
        self.last_events = events
        if result.annotated is not None:
            draw_counts(result.annotated, self.counter)

    def close(self) -> None:
        try:
            self.log.write(self.counter.end_all())
        finally:
            self.log.close()


def _label(image: np.ndarray, text: str, origin: tuple[int, int], colour: tuple[int, int, int]) -> None:
    (w, h), _ = cv2.getTextSize(text, FONT, 0.5, 1)
    x = min(max(origin[0], 0), max(image.shape[1] - w - 4, 0))
    y = min(max(origin[1], h + 4), image.shape[0] - 2)
    cv2.rectangle(image, (x, y - h - 4), (x + w + 4, y + 2), (0, 0, 0), -1)
    cv2.putText(image, text, (x + 2, y - 2), FONT, 0.5, colour, 1, cv2.LINE_AA)


def draw_counts(image: np.ndarray, counter: LineZoneCounter) -> None:
    """Lines with their in/out totals, zones with how many are inside and have entered."""
    summary = counter.summary()
    for name, a, b in counter.lines:
        p1, p2 = tuple(int(round(v)) for v in a), tuple(int(round(v)) for v in b)
        cv2.line(image, p1, p2, LINE_COLOUR, 2, cv2.LINE_AA)
        counts = summary["lines"][name]
        mid = ((p1[0] + p2[0]) // 2, (p1[1] + p2[1]) // 2 - 6)
        _label(image, f"{name}: in {counts['in_total']} out {counts['out_total']}", mid, LINE_COLOUR)
    for name, polygon in counter.zones:
        corners = polygon.round().astype(np.int32)
        cv2.polylines(image, [corners], True, ZONE_COLOUR, 2, cv2.LINE_AA)
        zone = summary["zones"][name]
        top_left = (int(corners[:, 0, 0].min()), int(corners[:, 0, 1].min()) - 4)
        _label(image, f"{name}: {zone['inside_now']} inside, {zone['entries_total']} entered", top_left, ZONE_COLOUR)
