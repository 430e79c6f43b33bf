"""Training inputs: the real labelled frames and patch set, CenterNet targets, box-following
augmentation, patch split, window grid, settings."""

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from detectors.smallervgg import window_grid
from detectors.training import centernet
from detectors.training.detection_csv import DETECTION_CLASSES, read_detection_csv, read_scenes
from detectors.training.patches import PATCH_CLASSES, build_patch_set, split_fixed
from detectors.training.settings import SmallerVGGTrainSettings, load_train_settings
from detectors.training.voc import read_voc_folder
from tracker.core.errors import UserError


def test_targets_put_one_peak_per_box_with_its_size():
    boxes = np.zeros((centernet.MAX_BOXES, 4), np.float32)
    classes = np.full(centernet.MAX_BOXES, -1, np.int32)
    boxes[:2] = [[40, 40, 80, 60], [200, 100, 232, 164]]
    classes[:2] = [0, 2]
    target = centernet.render_targets(boxes, classes, (192, 320), 3)
    assert target.shape == (48, 80, 3 + 5)
    peaks = np.argwhere(target[..., :3] >= 0.999)
    assert sorted(map(tuple, peaks)) == [(12, 15, 0), (33, 54, 2)]
    np.testing.assert_allclose(np.exp(target[33, 54, 3:5]) * 4, [32, 64], rtol=1e-5)
    assert target[..., -1].sum() == 2


def test_targets_without_boxes_are_empty():
    boxes = np.zeros((centernet.MAX_BOXES, 4), np.float32)
    classes = np.full(centernet.MAX_BOXES, -1, np.int32)
    target = centernet.render_targets(boxes, classes, (64, 64), 2)
    assert target.max() == 0.0


def test_targets_at_stride_8_measure_sizes_in_stride_8_cells():
    boxes = np.zeros((centernet.MAX_BOXES, 4), np.float32)
    classes = np.full(centernet.MAX_BOXES, -1, np.int32)
    boxes[0], classes[0] = [100, 40, 140, 120], 5
    target = centernet.render_targets(boxes, classes, (288, 512), 6, stride=8)
    assert target.shape == (36, 64, 6 + 5)
    assert [tuple(p) for p in np.argwhere(target[..., :6] >= 0.999)] == [(10, 15, 5)]
    np.testing.assert_allclose(np.exp(target[10, 15, 6:8]) * 8, [40, 80], rtol=1e-5)


def test_mosaic_tiles_four_samples_and_moves_their_boxes():
    images = np.stack([np.full((32, 48, 3), value, np.float32) for value in (10, 20, 30, 40)])
    boxes = np.tile(np.array([[4, 4, 12, 20]], np.float32), (4, 1, 1))
    classes = np.arange(4, dtype=np.int32)[:, None]
    image, moved, ids = centernet.mosaic(images, boxes, classes)
    assert image.shape == (64, 96, 3)
    assert [image[0, 0, 0], image[0, 50, 0], image[40, 0, 0], image[40, 50, 0]] == [10, 20, 30, 40]
    assert moved.tolist() == [[4, 4, 12, 20], [52, 4, 60, 20], [4, 36, 12, 52], [52, 36, 60, 52]]
    assert ids.tolist() == [0, 1, 2, 3]


def test_rare_classes_are_repeated_and_empty_images_are_not():
    from detectors.labelled import LabelledImage

    empty = np.zeros((0, 4), np.float32)
    items = [LabelledImage(Path("a"), np.zeros((1, 4), np.float32), ("car",)) for _ in range(9)]
    items += [
        LabelledImage(Path("b"), np.zeros((2, 4), np.float32), ("car", "bus")),
        LabelledImage(Path("c"), empty, ()),
    ]
    factors = centernet.repeat_factors(items, ("car", "bus"), threshold=0.3)
    # car is in 10 of 11 images: no repeat; bus in 1 of 11: sqrt(0.3 * 11) = 1.82
    np.testing.assert_allclose(factors, [1.0] * 9 + [np.sqrt(0.3 * 11), 1.0])
    counts = np.bincount(centernet.sampled_indices(np.array([1.0, 2.0, 1.5] * 200), seed=1), minlength=600)
    assert set(counts[0::3]) == {1} and set(counts[1::3]) == {2} and set(counts[2::3]) == {1, 2}


def test_augmented_boxes_follow_the_image():
    """A white square on black stays under its box through crop, zoom and flip."""
    image = np.zeros((360, 640, 3), np.uint8)
    image[150:210, 300:380] = 255
    boxes = np.zeros((centernet.MAX_BOXES, 4), np.float32)
    classes = np.full(centernet.MAX_BOXES, -1, np.int32)
    boxes[0], classes[0] = [300, 150, 380, 210], 0
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(20):
        out, out_boxes, out_classes = centernet.augment_and_resize(image, boxes, classes, (192, 320), rng)
        if out_classes[0] < 0:
            continue  # the square was cropped away
        x1, y1, x2, y2 = out_boxes[0].round().astype(int)
        inside = out[y1 + 2 : y2 - 2, x1 + 2 : x2 - 2]
        if inside.size:
            assert inside.mean() > 0.5 * out.max()
            checked += 1
    assert checked >= 10, f"the square survived only {checked} of 20 augmentations"  # 3 in 4 do


def test_split_is_stratified_disjoint_and_fixed_by_seed():
    labels = np.repeat([0, 1, 2], [100, 40, 10])
    train, val = split_fixed(labels, 0.2, seed=3)
    assert not set(train) & set(val) and len(train) + len(val) == 150
    assert np.bincount(labels[val]).tolist() == [20, 8, 2]
    again_train, again_val = split_fixed(labels, 0.2, seed=3)
    assert np.array_equal(val, again_val) and np.array_equal(train, again_train)


def test_window_grid_covers_the_frame_inside_its_bounds():
    windows = window_grid(480, 270)
    assert windows[:, [0, 1]].min() >= 0 and windows[:, 2].max() <= 480 and windows[:, 3].max() <= 270
    aspects = (windows[:, 2] - windows[:, 0]) / (windows[:, 3] - windows[:, 1])
    assert set(np.round(aspects, 2)) == {0.5, 1.0}


def test_unknown_training_setting_is_a_user_error(tmp_path):
    config = tmp_path / "train.yaml"
    config.write_text("epochs: 2\nlearning_rat: 0.1\n")
    with pytest.raises(UserError, match="unknown key 'learning_rat'"):
        load_train_settings(config, SmallerVGGTrainSettings)
    config.write_text("epochs: many\n")
    with pytest.raises(UserError, match="epochs"):
        load_train_settings(config, SmallerVGGTrainSettings)


def test_labelled_traffic_frames_are_all_read(shared_data):
    """traffic-voc as ../shared/data/README.md counts it: 177 labelled train frames, 20 test."""
    folder = shared_data / "train" / "traffic-voc"
    train, test = read_voc_folder(folder / "train"), read_voc_folder(folder / "test")
    assert (len(train), len(test)) == (177, 20)
    assert all(len(item.xyxy) == len(item.labels) > 0 and item.image_path.is_file() for item in train + test)
    # Boxes counted on 2026-11-30; the 3 buses of train are read as truck.
    assert Counter(label for item in train for label in item.labels) == {"car": 612, "motorcycle": 576, "truck": 89}
    assert Counter(label for item in test for label in item.labels) == {"car": 79, "motorcycle": 65}


def test_patch_set_takes_patches_from_every_source(shared_data):
    """subset=4: 4 person crops; car: 4 vehicle crops + the car boxes of the first 4 labelled
    frames; background: 4 non-vehicle crops + 4 mined windows + 4 near misses (seed 7)."""
    patches, labels = build_patch_set(SmallerVGGTrainSettings(subset=4), shared_data)
    counts = dict(zip(PATCH_CLASSES, np.bincount(labels, minlength=len(PATCH_CLASSES)).tolist()))
    assert counts == {"background": 12, "person": 4, "car": 9, "motorcycle": 19, "truck": 1}
    assert patches.shape == (45, 32, 32, 3) and patches.dtype == np.uint8
    assert patches.reshape(45, -1).std(axis=1).min() > 1  # real image content, not blank patches


def test_detection_set_is_read_as_its_readme_counts_it(shared_data):
    """train/detection as ../shared/data/README.md counts it: 2,125 images, the val split's
    three cameras absent from train, box counts per class and split."""
    csv_path = shared_data / "train" / "detection" / "annotations.csv"
    train, val = read_detection_csv(csv_path, "train"), read_detection_csv(csv_path, "val")
    assert (len(train), len(val)) == (1920, 205)
    assert Counter(label for item in train for label in item.labels) == {
        "car": 5296, "person": 825, "truck": 673, "motorcycle": 532, "bus": 466, "bicycle": 335,
    }  # fmt: skip
    assert Counter(label for item in val for label in item.labels) == {
        "car": 556, "truck": 107, "motorcycle": 102, "person": 71, "bus": 57,
    }  # fmt: skip
    assert set(label for item in train + val for label in item.labels) <= set(DETECTION_CLASSES)
    assert sum(len(item.labels) == 0 for item in train + val) == 74  # negatives
    scenes = read_scenes(csv_path)
    val_cameras = {scenes[item.image_path] for item in val} - {""}
    assert val_cameras == {"ccc_cam36", "atl_roadside_C", "webcam_intersection_b"}
    assert not val_cameras & {scenes[item.image_path] for item in train}
    assert all(item.image_path.is_file() for item in val)


def test_batches_shape_validation_in_order_and_training_draws_anew(shared_data):
    items = read_detection_csv(shared_data / "train" / "detection" / "annotations.csv", "val")[:5]
    paths, boxes, classes = centernet.label_arrays(items, DETECTION_CLASSES)
    val = centernet.CenterNetBatches(paths, boxes, classes, (288, 512), 6, 8, 2, augment=False, seed=0)
    assert len(val) == 3
    images, targets = val[2]
    assert images.shape == (1, 288, 512, 3) and targets.shape == (1, 36, 64, 11)
    np.testing.assert_array_equal(val[0][1], val[0][1])
    train = centernet.CenterNetBatches(
        paths, boxes, classes, (256, 256), 6, 8, 4, augment=True, seed=0, inference_hw=(288, 512), steps=7
    )
    assert len(train) == 7
    first, second = train[0], train[0]
    assert first[0].shape == (4, 256, 256, 3) and first[1].shape == (4, 32, 32, 11)
    assert first[0].dtype == np.uint8 and first[0].std() > 10  # real image content
    assert not np.array_equal(first[0], second[0])


def test_loss_rewards_peaks_where_the_targets_have_them():
    boxes = np.zeros((centernet.MAX_BOXES, 4), np.float32)
    classes = np.full(centernet.MAX_BOXES, -1, np.int32)
    boxes[0], classes[0] = [100, 40, 140, 120], 1
    target = centernet.render_targets(boxes, classes, (64, 256), 2, stride=8)[None]
    loss = centernet.centernet_loss(2)
    guess = np.zeros_like(target[..., :6])
    guess[..., :2] = -4.0
    right = guess.copy()
    right[..., :2] = np.where(target[..., :2] >= 0.999, 4.0, -4.0)
    right[..., 2:6] = target[..., 2:6]
    assert float(loss(target, right)) < 0.1 < float(loss(target, guess))
