"""Box labels stay readable in crowds: no two overlap, they carry the chosen fields, and boxes
and labels scale with the frame size."""

from __future__ import annotations

import itertools

import numpy as np

from tracker.core.protocols import FrameResult
from tracker.core.types import Frame, Tracks
from tracker.outputs.annotators import BoxAnnotator, LabelAnnotator, _overlaps, line_width


def crowd(width: int = 768, height: int = 576, rows: int = 3, per_row: int = 9) -> FrameResult:
    """People 40x100 pixels standing 30 pixels apart in overlapping rows 40 pixels deep (vtest's
    crowd, packed tighter), the first row touching the top of the frame."""
    boxes = [
        (20 + 30 * col + 10 * row, 40 * row, 60 + 30 * col + 10 * row, 100 + 40 * row)
        for row, col in itertools.product(range(rows), range(per_row))
    ]
    n = len(boxes)
    tracks = Tracks(range(1, n + 1), boxes, np.full(n, 0.87), np.zeros(n), np.ones(n, bool))
    return FrameResult(Frame(0, 0.0, np.zeros((height, width, 3), np.uint8)), tracks, "scheduled")


def test_no_two_labels_overlap_in_a_crowd() -> None:
    result = crowd()
    placed = LabelAnnotator(("person",)).placements(result.frame.image, result)
    assert len(placed) == len(result.tracks)
    rects = [rect for _, rect, _ in placed]
    for a, b in itertools.combinations(rects, 2):
        assert not _overlaps(a, b), (a, b)
    for x1, y1, x2, y2 in rects:
        assert 0 <= x1 < x2 <= 768 and 0 <= y1 < y2 <= 576


def test_label_goes_inside_the_box_at_the_top_edge() -> None:
    result = crowd(rows=1, per_row=1)
    (_, (_, y1, _, _), _) = LabelAnnotator(("person",)).placements(result.frame.image, result)[0]
    assert y1 == 0  # no room above a box touching the top: its tag is inside it


def test_label_fields() -> None:
    labels = LabelAnnotator(("person", "car"), ("id", "class", "score"))
    assert labels.text(7, 1, 0.876) == "7 car 0.88"
    assert LabelAnnotator(("person",), ("score",)).text(7, 0, 0.5) == "0.50"


def test_lines_and_labels_scale_with_the_frame() -> None:
    assert [line_width(np.zeros((h, w, 3), np.uint8)) for w, h in ((768, 576), (1920, 1080), (3840, 2160))] == [
        1,
        2,
        4,
    ]
    assert line_width(np.zeros((576, 768, 3), np.uint8), 3) == 3
    heights = []
    for w, h in ((768, 576), (3840, 2160)):
        result = crowd(w, h, rows=1, per_row=1)
        (_, (_, y1, _, y2), _) = LabelAnnotator(("person",)).placements(result.frame.image, result)[0]
        heights.append(y2 - y1)
    assert heights[1] >= 3 * heights[0]


def test_drawn_boxes_get_thicker_on_a_large_frame() -> None:
    def painted_rows(width: int, height: int) -> int:
        result = crowd(width, height, rows=1, per_row=1)
        image = result.frame.image.copy()
        BoxAnnotator().annotate(image, result)
        return int((image[:, 40].any(axis=1)).sum())  # a vertical cut through the box's top and bottom edges

    assert painted_rows(3840, 2160) >= 2 * painted_rows(768, 576)
