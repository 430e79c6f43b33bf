"""CenterNet training pieces: the augmented ``tf.data`` pipeline over VOC frames, target
maps rendered in-graph, and the loss.

Target tensor per image: ``(H/4, W/4, C + 5)`` = class heatmaps (Gaussian peaks of 1 at box
centres), log width/height in output cells, sub-cell centre offset, and a centre mask.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import tensorflow as tf

from detectors.training.voc import LabelledImage

OUTPUT_STRIDE = 4
MAX_BOXES = 64
GAUSSIAN_SIZE_FACTOR = 0.54 / 6.0  # TTFNet's elliptical Gaussian: sigma = 0.54 * side / 6


def cache_frames(
    items: Sequence[LabelledImage], class_names: Sequence[str], width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode every frame once at ``width`` (aspect kept): RGB uint8 images, boxes scaled to
    that size and padded to ``MAX_BOXES``, class ids (-1 = padding)."""
    images, boxes, classes = [], [], []
    for item in items:
        image = cv2.imread(str(item.image_path))
        assert image is not None, item.image_path
        scale = width / image.shape[1]
        height = int(round(image.shape[0] * scale))
        images.append(cv2.cvtColor(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB))
        padded = np.zeros((MAX_BOXES, 4), np.float32)
        ids = np.full(MAX_BOXES, -1, np.int32)
        count = min(len(item.labels), MAX_BOXES)
        padded[:count] = item.xyxy[:count] * scale
        ids[:count] = [class_names.index(label) for label in item.labels[:count]]
        boxes.append(padded)
        classes.append(ids)
    return np.stack(images), np.stack(boxes), np.stack(classes)


def _crop_window(image_shape, out_hw, augment: bool, source_per_output: float):
    """A crop box (normalised y1, x1, y2, x2): the whole frame, or, when augmenting, a random
    window that shows objects at 0.6..1.6 times their size at inference (``source_per_output``
    = cached pixels per network pixel at inference), shifted anywhere (partly outside the
    frame means black borders)."""
    if not augment:
        return tf.constant([0.0, 0.0, 1.0, 1.0])
    height = tf.cast(image_shape[0], tf.float32)
    width = tf.cast(image_shape[1], tf.float32)
    zoom = tf.exp(tf.random.uniform([], tf.math.log(0.6), tf.math.log(1.6)))
    crop_w = out_hw[1] * source_per_output / zoom
    crop_h = out_hw[0] * source_per_output / zoom
    x1 = tf.random.uniform([], -0.1 * crop_w, width - 0.9 * crop_w)
    y1 = tf.random.uniform([], -0.1 * crop_h, height - 0.9 * crop_h)
    return tf.stack([y1 / height, x1 / width, (y1 + crop_h) / height, (x1 + crop_w) / width])


def augment_and_resize(image, boxes, classes, out_hw: tuple[int, int], augment: bool, source_per_output: float = 1.0):
    """Crop/zoom, flip and colour-jitter ``image`` to ``out_hw``; boxes follow the image.
    Without ``augment``: the whole frame resized to ``out_hw``. Boxes less than 40 % inside
    the crop, or under 2 px, become padding."""
    out_h, out_w = out_hw
    shape = tf.shape(image)
    crop = _crop_window(shape, out_hw, augment, source_per_output)
    resized = tf.image.crop_and_resize(tf.cast(image[None], tf.float32), crop[None], [0], [out_h, out_w])[0]
    height, width = tf.cast(shape[0], tf.float32), tf.cast(shape[1], tf.float32)
    sy = out_h / ((crop[2] - crop[0]) * height)
    sx = out_w / ((crop[3] - crop[1]) * width)
    ox, oy = crop[1] * width, crop[0] * height
    moved = tf.stack(
        [(boxes[:, 0] - ox) * sx, (boxes[:, 1] - oy) * sy, (boxes[:, 2] - ox) * sx, (boxes[:, 3] - oy) * sy], axis=1
    )
    clipped = tf.stack(
        [
            tf.clip_by_value(moved[:, 0], 0, out_w),
            tf.clip_by_value(moved[:, 1], 0, out_h),
            tf.clip_by_value(moved[:, 2], 0, out_w),
            tf.clip_by_value(moved[:, 3], 0, out_h),
        ],
        1,
    )
    area = lambda b: tf.maximum(b[:, 2] - b[:, 0], 0) * tf.maximum(b[:, 3] - b[:, 1], 0)
    keep = (
        (classes >= 0)
        & (area(clipped) >= 0.4 * area(moved))
        & (clipped[:, 2] - clipped[:, 0] >= 2)
        & (clipped[:, 3] - clipped[:, 1] >= 2)
    )
    classes = tf.where(keep, classes, -1)
    if augment:
        flip = tf.random.uniform([]) < 0.5
        resized = tf.cond(flip, lambda: resized[:, ::-1], lambda: resized)
        clipped = tf.cond(
            flip,
            lambda: tf.stack([out_w - clipped[:, 2], clipped[:, 1], out_w - clipped[:, 0], clipped[:, 3]], 1),
            lambda: clipped,
        )
        resized = tf.image.random_brightness(resized, 0.2 * 255.0)
        resized = tf.image.random_contrast(resized, 0.7, 1.3)
        resized = tf.image.random_saturation(resized, 0.7, 1.3)
        resized = tf.clip_by_value(resized, 0.0, 255.0)
    return resized, clipped, classes


def render_targets(boxes, classes, input_hw: tuple[int, int], num_classes: int):
    """Heatmaps, sizes, offsets and mask at stride ``OUTPUT_STRIDE`` for boxes in input pixels."""
    grid_h, grid_w = input_hw[0] // OUTPUT_STRIDE, input_hw[1] // OUTPUT_STRIDE
    valid = classes >= 0
    boxes = tf.boolean_mask(boxes, valid) / OUTPUT_STRIDE
    classes = tf.boolean_mask(classes, valid)
    centre_x = (boxes[:, 0] + boxes[:, 2]) / 2
    centre_y = (boxes[:, 1] + boxes[:, 3]) / 2
    cell_x = tf.clip_by_value(tf.floor(centre_x), 0, grid_w - 1)
    cell_y = tf.clip_by_value(tf.floor(centre_y), 0, grid_h - 1)
    box_w = tf.maximum(boxes[:, 2] - boxes[:, 0], 0.25)
    box_h = tf.maximum(boxes[:, 3] - boxes[:, 1], 0.25)
    sigma_x = tf.maximum(box_w * GAUSSIAN_SIZE_FACTOR, 0.5)
    sigma_y = tf.maximum(box_h * GAUSSIAN_SIZE_FACTOR, 0.5)
    xs = tf.range(grid_w, dtype=tf.float32)[None, None, :]
    ys = tf.range(grid_h, dtype=tf.float32)[None, :, None]
    gauss = tf.exp(
        -((xs - cell_x[:, None, None]) ** 2) / (2 * sigma_x[:, None, None] ** 2)
        - ((ys - cell_y[:, None, None]) ** 2) / (2 * sigma_y[:, None, None] ** 2)
    )  # (N,H,W)
    one_hot = tf.one_hot(classes, num_classes)  # (N,C)
    per_box = gauss[..., None] * one_hot[:, None, None, :]  # (N,H,W,C)
    background = tf.zeros([1, grid_h, grid_w, num_classes])  # keeps the max defined when N = 0
    heatmap = tf.reduce_max(tf.concat([background, per_box], 0), axis=0)
    indices = tf.cast(tf.stack([cell_y, cell_x], 1), tf.int32)
    regression = tf.stack(
        [tf.math.log(box_w), tf.math.log(box_h), centre_x - cell_x, centre_y - cell_y, tf.ones_like(centre_x)], 1
    )
    dense = tf.scatter_nd(indices, regression, [grid_h, grid_w, 5])
    counts = tf.scatter_nd(indices, tf.ones_like(centre_x), [grid_h, grid_w])
    dense = dense / tf.maximum(counts, 1.0)[..., None]  # two centres in one cell: their mean
    return tf.concat([heatmap, dense], axis=-1)


def make_dataset(
    images,
    boxes,
    classes,
    out_hw,
    num_classes: int,
    batch_size: int,
    augment: bool,
    seed: int,
    source_per_output: float = 1.0,
) -> tf.data.Dataset:
    """``tf.data`` pipeline: shuffle -> map (augment, parallel) -> map (targets) -> batch -> prefetch.
    Training batches are ``out_hw`` crops (see ``augment_and_resize``); validation is whole frames."""
    dataset = tf.data.Dataset.from_tensor_slices((images, boxes, classes))
    if augment:
        dataset = dataset.repeat().shuffle(len(images), seed=seed)
    dataset = dataset.map(
        lambda i, b, c: augment_and_resize(i, b, c, out_hw, augment, source_per_output),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    dataset = dataset.map(
        lambda i, b, c: (i, render_targets(b, c, out_hw, num_classes)), num_parallel_calls=tf.data.AUTOTUNE
    )
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def centernet_loss(num_classes: int):
    """Penalty-reduced focal loss on the heatmaps (normalised by the number of centres) plus
    L1 on log-size and offset at the centres."""

    def loss(target, prediction):
        heat_true = target[..., :num_classes]
        logits = prediction[..., :num_classes]
        mask = target[..., -1:]
        positive = tf.cast(heat_true >= 0.999, tf.float32)
        prob = tf.sigmoid(logits)
        log_p = -tf.nn.softplus(-logits)
        log_not_p = -tf.nn.softplus(logits)
        pos_loss = -positive * (1 - prob) ** 2 * log_p
        neg_loss = -(1 - positive) * (1 - heat_true) ** 4 * prob**2 * log_not_p
        num_pos = tf.maximum(tf.reduce_sum(positive), 1.0)
        focal = (tf.reduce_sum(pos_loss) + tf.reduce_sum(neg_loss)) / num_pos
        num_centres = tf.maximum(tf.reduce_sum(mask), 1.0)
        size_l1 = (
            tf.reduce_sum(
                mask
                * tf.abs(prediction[..., num_classes : num_classes + 2] - target[..., num_classes : num_classes + 2])
            )
            / num_centres
        )
        offset_l1 = (
            tf.reduce_sum(
                mask
                * tf.abs(
                    prediction[..., num_classes + 2 : num_classes + 4] - target[..., num_classes + 2 : num_classes + 4]
                )
            )
            / num_centres
        )
        return focal + size_l1 + offset_l1

    return loss
