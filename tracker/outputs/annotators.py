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


def line_width(image: np.ndarray, width: int | None = None) -> int:
    """``width`` when given, else one pixel per 480 pixels of the frame's shorter side (at least 1):
    1 at 576p, 2 at 1080p, 4 at 4K, so boxes and labels look the same at any resolution."""
    return width if width is not None else max(1, round(min(image.shape[:2]) / 480))


Rect = tuple[int, int, int, int]  # x1, y1, x2, y2


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_label(box: Rect, size: tuple[int, int], frame: tuple[int, int], taken: list[Rect]) -> Rect:
    """Where a ``size`` (w, h) label of ``box`` goes on a ``frame`` (w, h): above the box, else inside
    its top, else below it, else inside its bottom, else shifted up or down by label heights: the
    first spot inside the frame that covers no label in ``taken``. When every spot is taken (a
    crowd deeper than the search), the spot above (or inside) the box."""
    (w, h), (frame_w, frame_h) = size, frame
    x1, y1, _, y2 = box
    x = min(max(x1, 0), max(frame_w - w, 0))
    tops = [y1 - h, y1, y2, y2 - h]
    for step in range(1, 9):
        tops += [y1 - h - step * h, y2 + step * h]
    spots = [(x, top, x + w, top + h) for top in tops if 0 <= top and top + h <= frame_h]
    for spot in spots:
        if not any(_overlaps(spot, other) for other in taken):
            return spot
    return spots[0] if spots else (x, max(0, min(y1, frame_h - h)), x + w, max(0, min(y1, frame_h - h)) + h)


class BoxAnnotator:
    """A box per track in its id's colour: thick when the detector found it on this frame,
    thin when the tracker estimated it. ``width``: the thin line's pixels (default: scaled to the
    frame)."""

    def __init__(self, width: int | None = None) -> None:
        self.width = width

    def annotate(self, image: np.ndarray, result: FrameResult) -> None:
        tracks = result.tracks
        thin = line_width(image, self.width)
        for track_id, box, detected in zip(tracks.ids.tolist(), tracks.xyxy, tracks.from_detector.tolist()):
            x1, y1, x2, y2 = _corners(box)
            cv2.rectangle(image, (x1, y1), (x2, y2), colour_for(track_id), 2 * thin if detected else thin)


LABEL_FIELDS = ("id", "class", "score")


class LabelAnnotator:
    """A filled tag per track with the chosen ``fields`` (``id``, ``class``, ``score``), placed
    where it covers no tag drawn before it (``place_label``); its size scales with the frame."""

    def __init__(
        self, class_names: tuple[str, ...], fields: tuple[str, ...] = ("id", "class"), width: int | None = None
    ) -> None:
        self.class_names = class_names
        self.fields = fields
        self.width = width

    def text(self, track_id: int, class_id: int, score: float) -> str:
        parts = {"id": str(track_id), "class": self.class_names[class_id], "score": f"{score:.2f}"}
        return " ".join(parts[name] for name in self.fields)

    def placements(self, image: np.ndarray, result: FrameResult) -> list[tuple[str, Rect, int]]:
        """Each track's label text, rectangle and id, in drawing order (top of the frame first)."""
        tracks = result.tracks
        thickness = line_width(image, self.width)
        scale = 0.5 * thickness
        taken: list[Rect] = []
        placed = []
        for index in np.argsort(tracks.xyxy[:, 1], kind="stable").tolist():
            track_id = int(tracks.ids[index])
            text = self.text(track_id, int(tracks.class_ids[index]), float(tracks.scores[index]))
            (w, h), baseline = cv2.getTextSize(text, FONT, scale, thickness)
            size = (w + 4 * thickness, h + baseline + 2 * thickness)
            rect = place_label(_corners(tracks.xyxy[index]), size, (image.shape[1], image.shape[0]), taken)
            taken.append(rect)
            placed.append((text, rect, track_id))
        return placed

    def annotate(self, image: np.ndarray, result: FrameResult) -> None:
        if not self.fields:
            return
        thickness = line_width(image, self.width)
        for text, (x1, y1, x2, y2), track_id in self.placements(image, result):
            cv2.rectangle(image, (x1, y1), (x2 - 1, y2 - 1), colour_for(track_id), -1)
            baseline = cv2.getTextSize(text, FONT, 0.5 * thickness, thickness)[1]
            origin = (x1 + 2 * thickness, y2 - baseline - thickness)
            cv2.putText(image, text, origin, FONT, 0.5 * thickness, (255, 255, 255), thickness, cv2.LINE_AA)


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


GRID_COLOUR = (0, 255, 0)


def pixel_grid(image: np.ndarray, step: int) -> np.ndarray:
    """A copy of ``image`` with a line every ``step`` pixels, labelled with its x (along the top)
    or y (down the left): read counting-line and zone coordinates off a camera's first frame."""
    grid = image.copy()
    height, width = grid.shape[:2]
    for x in range(step, width, step):
        cv2.line(grid, (x, 0), (x, height - 1), GRID_COLOUR, 1)
        _tag(grid, str(x), (x + 2, 14), GRID_COLOUR)
    for y in range(step, height, step):
        cv2.line(grid, (0, y), (width - 1, y), GRID_COLOUR, 1)
        _tag(grid, str(y), (2, y - 2), GRID_COLOUR)
    return grid


def standard_annotators(
    class_names: tuple[str, ...],
    trail: int,
    counting: CountingSettings,
    fps: Callable[[], float],
    labels: tuple[str, ...] = ("id", "class"),
    width: int | None = None,
) -> list[Annotator]:
    """What the annotated video and the live view show: ``labels`` picks the fields of each box's
    tag, ``width`` the line width (default: scaled to the frame)."""
    annotators: list[Annotator] = [BoxAnnotator(width)]
    if trail:
        annotators.append(TrailAnnotator(trail))
    annotators.append(LabelAnnotator(class_names, labels, width))
    if counting.lines or counting.zones:
        annotators.append(CountsAnnotator(counting))
    annotators.append(StatusAnnotator(fps))
    return annotators
