"""AP / precision / recall arithmetic on small synthetic cases with known answers."""

import numpy as np
import pytest

from detectors.evaluation import ClassTally
from tracker.core.geometry import iou_matrix


def test_iou_of_identical_disjoint_and_half_overlapping_boxes():
    a = np.array([[0, 0, 10, 10]], np.float32)
    b = np.array([[0, 0, 10, 10], [20, 20, 30, 30], [5, 0, 15, 10]], np.float32)
    np.testing.assert_allclose(iou_matrix(a, b)[0], [1.0, 0.0, 1 / 3], atol=1e-6)


def test_perfect_detections_give_ap_one():
    tally = ClassTally()
    gt = np.array([[0, 0, 10, 10], [50, 50, 70, 90]], np.float32)
    tally.add_frame(gt, gt.copy(), np.array([0.9, 0.8], np.float32))
    assert tally.average_precision() == pytest.approx(1.0)
    assert tally.precision_recall_at(0.5) == (1.0, 1.0)


def test_false_positive_ranked_first_halves_the_first_step():
    tally = ClassTally()
    gt = np.array([[0, 0, 10, 10]], np.float32)
    detections = np.array([[100, 100, 110, 110], [0, 0, 10, 10]], np.float32)
    tally.add_frame(gt, detections, np.array([0.9, 0.6], np.float32))
    # recall reaches 1 at the second detection, where precision is 1/2
    assert tally.average_precision() == pytest.approx(0.5)
    assert tally.precision_recall_at(0.7) == (0.0, 0.0)
    assert tally.precision_recall_at(0.5) == (0.5, 1.0)


def test_a_ground_truth_box_matches_only_one_detection():
    tally = ClassTally()
    gt = np.array([[0, 0, 10, 10]], np.float32)
    duplicates = np.array([[0, 0, 10, 10], [0, 0, 10, 11]], np.float32)
    tally.add_frame(gt, duplicates, np.array([0.9, 0.8], np.float32))
    assert tally.true_positive == [True, False]


def test_missed_objects_lower_recall_and_ap():
    tally = ClassTally()
    gt = np.array([[0, 0, 10, 10], [20, 0, 30, 10]], np.float32)
    tally.add_frame(gt, gt[:1], np.array([0.9], np.float32))
    assert tally.average_precision() == pytest.approx(0.5)
    assert tally.precision_recall_at(0.5) == (1.0, 0.5)


def test_ap_by_size_ignores_boxes_and_detections_of_other_sizes():
    """COCO's rule: with a size range, gt of another size is ignored (a detection on it is left
    out), and an unmatched detection counts as a false positive only if it is of that size."""
    small_gt, large_gt = [0, 0, 10, 10], [100, 100, 300, 300]
    gt = np.array([small_gt, large_gt], np.float32)
    detections = np.array(
        [large_gt, [400, 400, 420, 420], [500, 500, 700, 700], small_gt], np.float32
    )  # on the large box, a small false positive, a large false positive, on the small box
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    small = ClassTally()
    small.add_frame(gt, detections, scores, area_range=(0.0, 32.0**2))
    assert (small.n_ground_truth, small.true_positive) == (1, [False, True])  # the small FP, then the hit
    assert small.average_precision() == pytest.approx(0.5)
    large = ClassTally()
    large.add_frame(gt, detections, scores, area_range=(96.0**2, float("inf")))
    assert (large.n_ground_truth, large.true_positive) == (1, [True, False])
    assert large.average_precision() == pytest.approx(1.0)
