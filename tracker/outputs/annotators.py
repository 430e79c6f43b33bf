"""Single-purpose annotators, composed into a list that draws one frame's picture: boxes, labels,
trails, counting lines and zones, a status line. Each draws on the copy of the frame the loop
hands it and reads only the ``FrameResult``."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Protocol

import cv2
import numpy as np

from tracker.core.protocols import FrameResult
from tracker.counting import CountingSettings

FONT = cv2.FONT_HERSHEY_SIMPLEX
# Tableau-like palette in BGR; a track's colour is fixed by its id.
PALETTE = np.array(
    [
        (180, 119, 31),
        (14, 127, 255),
        (44, 160, 44),
        (40, 39, 214),
        (189, 103, 148),
        (75, 86, 140),
        (194, 119, 227),
        (127, 127, 127),
        (34, 189, 188),
        (207, 190, 23),
    ]
)
LINE_COLOUR = (0, 215, 255)  # amber (BGR)
ZONE_COLOUR = (255, 160, 0)  # azure


class Annotator(Protocol):
    """Draws one aspect of a frame result on ``image`` (a copy of the frame, BGR)."""

    def annotate(self, image: np.ndarray, result: FrameResult) -> None: ...


def colour_for(track_id: int) -> tuple[int, int, int]:
    b, g, r = (int(c) for c in PALETTE[track_id % len(PALETTE)])
    return b, g, r


def _corners(box: np.ndarray) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = (int(round(float(v))) for v in box)
    return x1, y1, x2, y2


class BoxAnnotator:
    """A box per track in its id's colour: thick when the detector found it on this frame,
    thin when the tracker estimated it."""

    def annotate(self, image: np.ndarray, result: FrameResult) -> None:
        tracks = result.tracks
        for track_id, box, detected in zip(tracks.ids.tolist(), tracks.xyxy, tracks.from_detector.tolist()):
            x1, y1, x2, y2 = _corners(box)
            cv2.rectangle(image, (x1, y1), (x2, y2), colour_for(track_id), 2 if detected else 1)


class LabelAnnotator:
    """``id class`` on a filled tag above each box."""

    def __init__(self, class_names: tuple[str, ...]) -> None:
        self.class_names = class_names

    def annotate(self, image: np.ndarray, result: FrameResult) -> None:
        tracks = result.tracks
        for track_id, box, class_id in zip(tracks.ids.tolist(), tracks.xyxy, tracks.class_ids.tolist()):
            x1, y1, _, _ = _corners(box)
            label = f"{track_id} {self.class_names[class_id]}"
            (w, h), _ = cv2.getTextSize(label, FONT, 0.5, 1)
            cv2.rectangle(image, (x1, y1 - h - 6), (x1 + w + 4, y1), colour_for(track_id), -1)
            cv2.putText(image, label, (x1 + 2, y1 - 4), FONT, 0.5, (255, 255, 255), 1, cv2.LINE_AA)


class TrailAnnotator:
    """Each track's last ``length`` bottom-centre points; a track not drawn for ``length``
    frames is forgotten (memory stays flat)."""

    def __init__(self, length: int = 20) -> None:
        self.length = length
        self._trails: dict[int, deque[tuple[int, int]]] = {}
        self._last_seen: dict[int, int] = {}
        self._frames = 0

    def annotate(self, image: np.ndarray, result: FrameResult) -> None:
        self._frames += 1
        tracks = result.tracks
        for track_id, box in zip(tracks.ids.tolist(), tracks.xyxy):
            x1, _, x2, y2 = _corners(box)
            points = self._trails.setdefault(track_id, deque(maxlen=self.length))
            points.append(((x1 + x2) // 2, y2))
            self._last_seen[track_id] = self._frames
            if len(points) > 1:
                cv2.polylines(image, [np.array(points, np.int32)], False, colour_for(track_id), 2, cv2.LINE_AA)
        for track_id in [k for k, seen in self._last_seen.items() if self._frames - seen > self.length]:
            del self._trails[track_id], self._last_seen[track_id]


def _tag(image: np.ndarray, text: str, origin: tuple[int, int], colour: tuple[int, int, int]) -> None:
    (w, h), _ = cv2.getTextSize(text, FONT, 0.5, 1)
    x = min(max(origin[0], 0), max(image.shape[1] - w - 4, 0))
    y = min(max(origin[1], h + 4), image.shape[0] - 2)
    cv2.rectangle(image, (x, y - h - 4), (x + w + 4, y + 2), (0, 0, 0), -1)
    cv2.putText(image, text, (x + 2, y - 2), FONT, 0.5, colour, 1, cv2.LINE_AA)


class CountsAnnotator:
    """Counting lines with their in/out totals, zones with how many are inside and have entered."""

    def __init__(self, settings: CountingSettings) -> None:
        self.lines = [(line.name, _corners(np.array([*line.points[0], *line.points[1]]))) for line in settings.lines]
        self.zones = [(zone.name, np.array(zone.polygon).round().astype(np.int32)) for zone in settings.zones]

    def annotate(self, image: np.ndarray, result: FrameResult) -> None:
        if result.counts is None:
            return
        for name, (x1, y1, x2, y2) in self.lines:
            cv2.line(image, (x1, y1), (x2, y2), LINE_COLOUR, 2, cv2.LINE_AA)
            counts = result.counts["lines"][name]
            _tag(
                image,
                f"{name}: in {counts['in_total']} out {counts['out_total']}",
                ((x1 + x2) // 2, (y1 + y2) // 2 - 6),
                LINE_COLOUR,
            )
        for name, corners in self.zones:
            cv2.polylines(image, [corners], True, ZONE_COLOUR, 2, cv2.LINE_AA)
            zone = result.counts["zones"][name]
            _tag(
                image,
                f"{name}: {zone['inside_now']} inside, {zone['entries_total']} entered",
                (int(corners[:, 0].min()), int(corners[:, 1].min()) - 4),
                ZONE_COLOUR,
            )


class StatusAnnotator:
    """A black bar on top: frame number, processing fps, detecting or tracking, track count."""

    def __init__(self, fps: Callable[[], float]) -> None:
        self.fps = fps

    def annotate(self, image: np.ndarray, result: FrameResult) -> None:
        status = (
            f"frame {result.frame.index + 1}  {self.fps():.1f} fps  "
            f"{'detecting' if result.detect_reason else 'tracking'}  {len(result.tracks)} tracks"
        )
        cv2.rectangle(image, (0, 0), (image.shape[1], 22), (0, 0, 0), -1)
        cv2.putText(image, status, (6, 16), FONT, 0.5, (255, 255, 255), 1, cv2.LINE_AA)


def standard_annotators(
    class_names: tuple[str, ...], trail: int, counting: CountingSettings, fps: Callable[[], float]
) -> list[Annotator]:
    """What the annotated video and the live view show."""
    annotators: list[Annotator] = [BoxAnnotator()]
    if trail:
        annotators.append(TrailAnnotator(trail))
    annotators.append(LabelAnnotator(class_names))
    if counting.lines or counting.zones:
        annotators.append(CountsAnnotator(counting))
    annotators.append(StatusAnnotator(fps))
    return annotators
