"""The SmallerVGG patch set: labelled square patches from the shared training data.

Sources (all under ``../shared/data/train``):
- ``crops-vehicles/vehicles`` -> ``car`` (GTI/KITTI crops are cars), ``non-vehicles`` -> ``background``;
- ``crops-person/person`` (INRIA) -> ``person``, cut to the 64x128 person box inside the 96x160 crop;
- ``traffic-voc/train`` boxes -> ``car`` / ``motorcycle`` / ``truck`` (bus joins truck);
- background mined from ``traffic-voc/train`` frames: random windows that overlap no labelled
  box, plus near misses (IoU 0.05..0.3 with a box) so that the window search learns to peak
  on well-placed windows. The MOT clips are not used at all (they are the person test set).
Every patch is resized (aspect not kept) to ``patch_size`` square, RGB uint8.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from detectors.training.voc import read_voc_folder
from tracker.core.geometry import iou_matrix

PATCH_CLASSES = ("background", "person", "car", "motorcycle", "truck")
INRIA_PERSON_BOX = (16, 16, 80, 144)  # x1, y1, x2, y2 of the person inside a 96x160 INRIA crop
TALL_ASPECT = 0.5  # width / height of person windows


def _patch(image: np.ndarray, box, size: int) -> np.ndarray:
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    crop = image[max(y1, 0) : max(y2, y1 + 1), max(x1, 0) : max(x2, x1 + 1)]
    return cv2.cvtColor(cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)


def _sample_files(folder: Path, limit: int | None, rng: np.random.Generator) -> list[Path]:
    files = sorted(folder.rglob("*.jpg")) + sorted(folder.rglob("*.png"))
    if limit is not None and len(files) > limit:
        files = [files[i] for i in sorted(rng.choice(len(files), limit, replace=False))]
    return files


def _crop_folder(
    folder: Path, label: str, size: int, limit: int | None, rng, box=None
) -> Iterator[tuple[np.ndarray, str]]:
    for path in _sample_files(folder, limit, rng):
        image = cv2.imread(str(path))
        if image is not None:
            yield _patch(image, box or (0, 0, image.shape[1], image.shape[0]), size), label


def _random_window(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    side = np.exp(rng.uniform(np.log(0.03 * height), np.log(0.6 * height)))
    aspect = rng.choice([1.0, TALL_ASPECT, 1.5])
    w, h = side * np.sqrt(aspect), side / np.sqrt(aspect)
    x1, y1 = rng.uniform(0, width - w), rng.uniform(0, height - h)
    return np.array([x1, y1, x1 + w, y1 + h])


def _traffic_patches(
    folder: Path, size: int, n_background: int, n_near: int, limit: int | None, rng
) -> Iterator[tuple[np.ndarray, str]]:
    items = read_voc_folder(folder)[:limit]
    per_frame_bg = int(np.ceil(n_background / max(len(items), 1)))
    per_frame_near = int(np.ceil(n_near / max(len(items), 1)))
    for item in items:
        image = cv2.imread(str(item.image_path))
        assert image is not None, item.image_path
        height, width = image.shape[:2]
        for box, label in zip(item.xyxy, item.labels):
            if min(box[2] - box[0], box[3] - box[1]) >= 12:
                yield _patch(image, box, size), label
        made_bg = made_near = tries = 0
        while (made_bg < per_frame_bg or made_near < per_frame_near) and tries < 200 * (per_frame_bg + per_frame_near):
            tries += 1
            window = _random_window(width, height, rng)
            best = iou_matrix(window[None], item.xyxy)[0].max(initial=0.0)
            if best == 0.0 and made_bg < per_frame_bg:
                made_bg += 1
                yield _patch(image, window, size), "background"
            elif 0.05 < best < 0.3 and made_near < per_frame_near:
                made_near += 1
                yield _patch(image, window, size), "background"


def build_patch_set(settings, data_root: Path) -> tuple[np.ndarray, np.ndarray]:
    """All patches (N, S, S, 3) RGB uint8 and their class ids into ``PATCH_CLASSES``."""
    rng = np.random.default_rng(settings.seed)
    size, limit = settings.patch_size, settings.subset
    cap = min(settings.max_crops_per_folder, limit) if limit else settings.max_crops_per_folder
    vehicles = data_root / settings.vehicle_crops
    sources = [
        _crop_folder(vehicles / "vehicles", "car", size, cap, rng),
        _crop_folder(vehicles / "non-vehicles", "background", size, cap, rng),
        _crop_folder(data_root / settings.person_crops, "person", size, limit, rng, box=INRIA_PERSON_BOX),
        _traffic_patches(
            data_root / settings.traffic_frames,
            size,
            settings.mined_backgrounds if not limit else limit,
            settings.near_miss_backgrounds if not limit else limit,
            limit,
            rng,
        ),
    ]
    patches, labels = [], []
    for source in sources:
        for patch, label in source:
            patches.append(patch)
            labels.append(PATCH_CLASSES.index(label))
    if not patches:
        return np.zeros((0, size, size, 3), np.uint8), np.zeros(0, np.int32)
    return np.stack(patches), np.asarray(labels, np.int32)


def split_fixed(labels: np.ndarray, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/validation indices, the same for the same seed."""
    rng = np.random.default_rng(seed)
    train: list[int] = []
    val: list[int] = []
    for class_id in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == class_id))
        n_val = int(round(val_fraction * len(members)))
        val.extend(members[:n_val])
        train.extend(members[n_val:])
    return np.sort(np.asarray(train, np.int_)), np.sort(np.asarray(val, np.int_))


def augment_patch(patch, size: int):
    """Scale and shift (resize up to 1.25x then a random crop), flip, brightness, contrast."""
    import tensorflow as tf

    image = tf.cast(patch, tf.float32)
    grown = tf.cast(tf.round(size * tf.random.uniform([], 1.0, 1.25)), tf.int32)
    image = tf.image.resize(image, [grown, grown])
    image = tf.image.random_crop(image, [size, size, 3])
    image = tf.image.random_flip_left_right(image)
    image = tf.image.random_brightness(image, 0.2 * 255.0)
    image = tf.image.random_contrast(image, 0.7, 1.3)
    return tf.clip_by_value(image, 0.0, 255.0)
