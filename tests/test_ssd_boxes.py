"""SSD box decoding and NMS (the detector's post-processing outside the network)."""

import numpy as np

from detectors.ssd_boxes import decode_boxes, non_max_suppression


def test_zero_encoding_gives_the_anchor_and_offsets_scale_with_it() -> None:
    anchors = np.array([[0.2, 0.1, 0.6, 0.3]], np.float32)  # ymin, xmin, ymax, xmax; h 0.4, w 0.2
    assert np.allclose(decode_boxes(np.zeros((1, 4), np.float32), anchors), anchors)
    # ty = 10 * 0.25 moves the centre down by a quarter of the anchor height; tw = 5 * ln 2 doubles the width.
    moved = decode_boxes(np.array([[2.5, 0.0, 0.0, 5 * np.log(2)]], np.float32), anchors)
    assert np.allclose(moved, [[0.3, 0.0, 0.7, 0.4]], atol=1e-6)


def test_decoded_boxes_are_clipped_to_the_image() -> None:
    anchors = np.array([[0.8, 0.8, 1.0, 1.0]], np.float32)
    assert decode_boxes(np.array([[10.0, 10.0, 5.0, 5.0]], np.float32), anchors).max() == 1.0


def test_nms_keeps_the_best_of_overlapping_boxes_and_separate_ones() -> None:
    boxes = np.array([[0.0, 0.0, 0.5, 0.5], [0.02, 0.0, 0.52, 0.5], [0.6, 0.6, 0.9, 0.9]], np.float32)
    scores = np.array([0.7, 0.9, 0.6], np.float32)
    assert non_max_suppression(boxes, scores, 0.6, 100).tolist() == [1, 2]
    assert non_max_suppression(boxes, scores, 0.6, 1).tolist() == [1]
    assert non_max_suppression(boxes[:0], scores[:0], 0.6, 100).tolist() == []
