"""CenterNet training pieces: the augmented ``tf.data`` pipeline over labelled images, target
maps rendered in-graph, and the loss.

Images are read from their files (JPEG) inside the pipeline. Every sample is shaped as the
detector will see it: the detector resizes a whole frame to the network input
(``inference_hw``), so a training crop keeps that per-axis scale, with scale jitter on top.
Half the batches are mosaics of four such crops at half size; then photometric noise (colour,
night-like darkening, blur, JPEG artefacts).

Target tensor per image: ``(H/s, W/s, C + 5)`` = class heatmaps (Gaussian peaks of 1 at box
centres), log width/height in output cells, sub-cell centre offset, and a centre mask.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from detectors.labelled import LabelledImage

MAX_BOXES = 100
GAUSSIAN_SIZE_FACTOR = 0.54 / 6.0  # TTFNet's elliptical Gaussian: sigma = 0.54 * side / 6
ZOOM_RANGE = (0.6, 1.6)  # objects are shown at this range of their size at inference
MOSAIC_SHARE = 0.5
DARKEN_SHARE = 0.2  # night-like frames: darker, noisier
BLUR_SHARE = 0.2
JPEG_SHARE = 0.3


def label_arrays(
    items: Sequence[LabelledImage], class_names: Sequence[str]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Paths, boxes padded to ``MAX_BOXES`` (xyxy pixels of the stored image) and class ids
    (-1 = padding; labels outside ``class_names`` are dropped)."""
    boxes = np.zeros((len(items), MAX_BOXES, 4), np.float32)
    classes = np.full((len(items), MAX_BOXES), -1, np.int32)
    for row, item in enumerate(items):
        kept = [(box, class_names.index(label)) for box, label in zip(item.xyxy, item.labels) if label in class_names]
        for slot, (box, class_id) in enumerate(kept[:MAX_BOXES]):
            boxes[row, slot], classes[row, slot] = box, class_id
    return [str(item.image_path) for item in items], boxes, classes


def repeat_factors(items: Sequence[LabelledImage], class_names: Sequence[str], threshold: float) -> np.ndarray:
    """LVIS repeat-factor sampling: an image is repeated ``max(1, sqrt(threshold / f))`` times,
    ``f`` the share of images holding its rarest class; images without objects get 1."""
    holds = np.array([[name in item.labels for name in class_names] for item in items], bool).reshape(len(items), -1)
    share = holds.mean(axis=0) if len(items) else np.ones(len(class_names))
    per_class = np.maximum(1.0, np.sqrt(threshold / np.maximum(share, 1e-9)))
    return np.array([per_class[row].max() if row.any() else 1.0 for row in holds])


def sampled_indices(factors: np.ndarray, seed: int) -> np.ndarray:
    """Each index ``floor(f)`` times plus once more with probability ``f - floor(f)``."""
    rng = np.random.default_rng(seed)
    counts = np.floor(factors).astype(int) + (rng.random(len(factors)) < factors % 1)
    return np.repeat(np.arange(len(factors)), counts)


def read_image(path):
    return tf.io.decode_jpeg(tf.io.read_file(path), channels=3)


def _crop_window(image_shape, out_hw, augment: bool, inference_hw):
    """A crop box (normalised y1, x1, y2, x2): the whole frame, or, when augmenting, a random
    window showing objects at ``ZOOM_RANGE`` times their size at inference (where the whole
    frame becomes ``inference_hw``), shifted anywhere (partly outside = black borders)."""
    if not augment:
        return tf.constant([0.0, 0.0, 1.0, 1.0])
    height = tf.cast(image_shape[0], tf.float32)
    width = tf.cast(image_shape[1], tf.float32)
    zoom = tf.exp(tf.random.uniform([], np.log(ZOOM_RANGE[0]), np.log(ZOOM_RANGE[1])))
    crop_w = out_hw[1] * (width / inference_hw[1]) / zoom
    crop_h = out_hw[0] * (height / inference_hw[0]) / zoom
    x1 = tf.random.uniform([], -0.1 * crop_w, tf.maximum(width - 0.9 * crop_w, -0.1 * crop_w + 1.0))
    y1 = tf.random.uniform([], -0.1 * crop_h, tf.maximum(height - 0.9 * crop_h, -0.1 * crop_h + 1.0))
    return tf.stack([y1 / height, x1 / width, (y1 + crop_h) / height, (x1 + crop_w) / width])


def augment_and_resize(image, boxes, classes, out_hw: tuple[int, int], augment: bool, inference_hw=None):
    """Crop/zoom and flip ``image`` to ``out_hw`` (float 0..255); boxes follow the image.
    Without ``augment``: the whole frame resized to ``out_hw``. Boxes less than 40 % inside
    the crop, or under 2 px, become padding."""
    out_h, out_w = out_hw
    shape = tf.shape(image)
    crop = _crop_window(shape, out_hw, augment, inference_hw or out_hw)
    resized = tf.image.crop_and_resize(tf.cast(image[None], tf.float32), crop[None], [0], [out_h, out_w])[0]
    height, width = tf.cast(shape[0], tf.float32), tf.cast(shape[1], tf.float32)
    sy = out_h / ((crop[2] - crop[0]) * height)
    sx = out_w / ((crop[3] - crop[1]) * width)
    ox, oy = crop[1] * width, crop[0] * height
    moved = tf.stack(
        [(boxes[:, 0] - ox) * sx, (boxes[:, 1] - oy) * sy, (boxes[:, 2] - ox) * sx, (boxes[:, 3] - oy) * sy], axis=1
    )
    limits = tf.constant([out_w, out_h, out_w, out_h], tf.float32)
    clipped = tf.clip_by_value(moved, 0.0, limits)
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
    return resized, clipped, classes


def mosaic(images, boxes, classes):
    """Four half-size samples (batched) tiled 2x2 into one; their boxes shifted along."""
    half_h, half_w = tf.shape(images)[1], tf.shape(images)[2]
    top = tf.concat([images[0], images[1]], axis=1)
    bottom = tf.concat([images[2], images[3]], axis=1)
    fh, fw = tf.cast(half_h, tf.float32), tf.cast(half_w, tf.float32)
    shifts = tf.stack([[0.0, 0.0], [fw, 0.0], [0.0, fh], [fw, fh]])  # (x, y) per tile
    moved = boxes + tf.tile(shifts, [1, 2])[:, None, :]
    return tf.concat([top, bottom], axis=0), tf.reshape(moved, [-1, 4]), tf.reshape(classes, [-1])


def photometric(image):
    """Colour jitter, and sometimes night-like darkening with sensor noise, blur, JPEG artefacts."""
    image = tf.image.random_brightness(image, 0.15 * 255.0)
    image = tf.image.random_contrast(image, 0.7, 1.3)
    image = tf.image.random_saturation(image, 0.6, 1.4)
    image = tf.clip_by_value(image, 0.0, 255.0)

    def darken(x):
        x = x * tf.random.uniform([], 0.25, 0.6)
        return tf.clip_by_value(x + tf.random.normal(tf.shape(x), stddev=4.0), 0.0, 255.0)

    def blur(x):
        sigma = tf.random.uniform([], 0.6, 1.5)
        taps = tf.exp(-(tf.range(-2.0, 3.0) ** 2) / (2 * sigma**2))
        kernel = taps[:, None] * taps[None, :]
        kernel = tf.tile((kernel / tf.reduce_sum(kernel))[:, :, None, None], [1, 1, 3, 1])
        return tf.nn.depthwise_conv2d(x[None], kernel, [1, 1, 1, 1], "SAME")[0]

    def jpeg(x):
        return tf.image.random_jpeg_quality(x / 255.0, 25, 85) * 255.0

    image = tf.cond(tf.random.uniform([]) < DARKEN_SHARE, lambda: darken(image), lambda: image)
    image = tf.cond(tf.random.uniform([]) < BLUR_SHARE, lambda: blur(image), lambda: image)
    noisy = tf.cond(tf.random.uniform([]) < JPEG_SHARE, lambda: jpeg(image), lambda: image)
    return tf.ensure_shape(noisy, image.shape)  # JPEG coding loses the static shape


def render_targets(boxes, classes, input_hw: tuple[int, int], num_classes: int, stride: int = 4):
    """Heatmaps, sizes, offsets and mask at ``stride`` for boxes in input pixels."""
    grid_h, grid_w = input_hw[0] // stride, input_hw[1] // stride
    valid = classes >= 0
    boxes = tf.boolean_mask(boxes, valid) / stride
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
    paths: Sequence[str],
    boxes: np.ndarray,
    classes: np.ndarray,
    out_hw: tuple[int, int],
    num_classes: int,
    stride: int,
    batch_size: int,
    augment: bool,
    seed: int,
    inference_hw: tuple[int, int] | None = None,
) -> tf.data.Dataset:
    """Training (``augment``): an endless shuffle of ``out_hw`` crops (half of them mosaics) with
    photometric noise. Validation: each whole image resized to ``out_hw`` once."""
    source = tf.data.Dataset.from_tensor_slices((list(paths), boxes, classes))
    load = lambda path, b, c: (read_image(path), b, c)
    targets = lambda i, b, c: (i, render_targets(b, c, out_hw, num_classes, stride))
    noisy_targets = lambda i, b, c: targets(photometric(i), b, c)
    if not augment:
        return (
            source.map(load, num_parallel_calls=tf.data.AUTOTUNE)
            .map(lambda i, b, c: augment_and_resize(i, b, c, out_hw, False), num_parallel_calls=tf.data.AUTOTUNE)
            .map(targets, num_parallel_calls=tf.data.AUTOTUNE)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE)
        )
    shuffled = source.repeat().shuffle(len(paths), seed=seed).map(load, num_parallel_calls=tf.data.AUTOTUNE)
    half_hw = (out_hw[0] // 2, out_hw[1] // 2)
    half_inference = (inference_hw or out_hw)[0] // 2, (inference_hw or out_hw)[1] // 2
    singles = shuffled.map(
        lambda i, b, c: augment_and_resize(i, b, c, out_hw, True, inference_hw), num_parallel_calls=tf.data.AUTOTUNE
    )
    mosaics = (
        shuffled.map(
            lambda i, b, c: augment_and_resize(i, b, c, half_hw, True, half_inference),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        .batch(4)
        .map(mosaic, num_parallel_calls=tf.data.AUTOTUNE)
    )
    return (
        tf.data.Dataset.sample_from_datasets(
            [singles.map(noisy_targets), mosaics.map(noisy_targets)],
            [1.0 - MOSAIC_SHARE, MOSAIC_SHARE],
            seed=seed,
        )
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )


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
        regression = slice(num_classes, num_classes + 4)  # log size (2), then offset (2)
        l1 = tf.reduce_sum(mask * tf.abs(prediction[..., regression] - target[..., regression])) / num_centres
        return focal + l1

    return loss
