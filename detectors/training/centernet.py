"""CenterNet training pieces: the augmented batches over labelled images, their target maps,
and the loss. NumPy and OpenCV only (no TensorFlow), so training runs on any Keras backend:
TensorFlow on this CPU, JAX on a GPU machine.

Every sample is shaped as the detector will see it: the detector leaves out black bars around
the picture and resizes the rest of the frame to the network input (``inference_hw``), so a
training crop does the same and keeps that per-axis scale, with scale jitter on top. Half the
samples are mosaics of four such crops at half size; then photometric noise (colour,
night-like darkening, blur, JPEG artefacts).

Target tensor per image: ``(H/s, W/s, C + 5)`` = class heatmaps (Gaussian peaks of 1 at box
centres), log width/height in output cells, sub-cell centre offset, and a centre mask.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import cv2
import keras
import numpy as np
from keras import ops

from detectors.borders import without_bars
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


def read_picture(path: str, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The RGB uint8 image at ``path`` without the black bars around its picture (the detector
    leaves them out too), and ``boxes`` moved along; a file OpenCV cannot read is an error
    naming it."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f"cannot read image {path}")
    picture, offset = without_bars(image)
    return cv2.cvtColor(picture, cv2.COLOR_BGR2RGB), boxes - offset.astype(boxes.dtype)


def _crop_window(
    image_hw: tuple[int, int], out_hw: tuple[int, int], rng: np.random.Generator | None, inference_hw
) -> tuple[float, float, float, float]:
    """A crop (x1, y1, width, height) in image pixels: the whole frame, or, with ``rng``, a
    random window showing objects at ``ZOOM_RANGE`` times their size at inference (where the
    whole frame becomes ``inference_hw``), shifted anywhere (partly outside = black borders)."""
    height, width = image_hw
    if rng is None:
        return 0.0, 0.0, float(width), float(height)
    zoom = math.exp(rng.uniform(math.log(ZOOM_RANGE[0]), math.log(ZOOM_RANGE[1])))
    crop_w = out_hw[1] * (width / inference_hw[1]) / zoom
    crop_h = out_hw[0] * (height / inference_hw[0]) / zoom
    x1 = rng.uniform(-0.1 * crop_w, max(width - 0.9 * crop_w, -0.1 * crop_w + 1.0))
    y1 = rng.uniform(-0.1 * crop_h, max(height - 0.9 * crop_h, -0.1 * crop_h + 1.0))
    return x1, y1, crop_w, crop_h


def augment_and_resize(
    image: np.ndarray,
    boxes: np.ndarray,
    classes: np.ndarray,
    out_hw: tuple[int, int],
    rng: np.random.Generator | None,
    inference_hw: tuple[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crop/zoom and flip ``image`` to ``out_hw`` (float32 0..255, bilinear as at inference);
    boxes follow the image. Without ``rng``: the whole frame resized to ``out_hw``. Boxes less
    than 40 % inside the crop, or under 2 px, become padding."""
    out_h, out_w = out_hw
    x1, y1, crop_w, crop_h = _crop_window(image.shape[:2], out_hw, rng, inference_hw or out_hw)
    sx, sy = out_w / crop_w, out_h / crop_h
    flip = rng is not None and rng.random() < 0.5
    if flip:  # mirror inside the same warp: x -> out_w - x
        matrix = np.array([[-sx, 0.0, out_w + x1 * sx], [0.0, sy, -y1 * sy]])
    else:
        matrix = np.array([[sx, 0.0, -x1 * sx], [0.0, sy, -y1 * sy]])
    resized = cv2.warpAffine(
        image, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    moved = np.stack(
        [(boxes[:, 0] - x1) * sx, (boxes[:, 1] - y1) * sy, (boxes[:, 2] - x1) * sx, (boxes[:, 3] - y1) * sy], axis=1
    )
    clipped = np.clip(moved, 0.0, np.array([out_w, out_h, out_w, out_h], np.float32))
    area = lambda b: np.maximum(b[:, 2] - b[:, 0], 0) * np.maximum(b[:, 3] - b[:, 1], 0)
    keep = (
        (classes >= 0)
        & (area(clipped) >= 0.4 * area(moved))
        & (clipped[:, 2] - clipped[:, 0] >= 2)
        & (clipped[:, 3] - clipped[:, 1] >= 2)
    )
    if flip:
        clipped = np.stack([out_w - clipped[:, 2], clipped[:, 1], out_w - clipped[:, 0], clipped[:, 3]], axis=1)
    return resized.astype(np.float32), clipped.astype(np.float32), np.where(keep, classes, -1).astype(np.int32)


def mosaic(images: np.ndarray, boxes: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Four half-size samples (stacked) tiled 2x2 into one; their boxes shifted along."""
    half_h, half_w = images.shape[1], images.shape[2]
    tiled = np.concatenate(
        [np.concatenate([images[0], images[1]], axis=1), np.concatenate([images[2], images[3]], axis=1)], axis=0
    )
    shifts = np.array([[0, 0], [half_w, 0], [0, half_h], [half_w, half_h]], np.float32)  # (x, y) per tile
    moved = boxes + np.tile(shifts, (1, 2))[:, None, :]
    return tiled, moved.reshape(-1, 4), classes.reshape(-1)


def photometric(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Colour jitter, and sometimes night-like darkening with sensor noise, blur, JPEG artefacts."""
    image = image + rng.uniform(-0.15, 0.15) * 255.0
    image = (image - image.mean(axis=(0, 1))) * rng.uniform(0.7, 1.3) + image.mean(axis=(0, 1))
    grey = image.mean(axis=2, keepdims=True)
    image = np.clip(grey + (image - grey) * rng.uniform(0.6, 1.4), 0.0, 255.0)
    if rng.random() < DARKEN_SHARE:
        image = image * rng.uniform(0.25, 0.6)
        image = np.clip(image + rng.normal(0.0, 4.0, image.shape), 0.0, 255.0)
    if rng.random() < BLUR_SHARE:
        image = cv2.GaussianBlur(image, (5, 5), rng.uniform(0.6, 1.5))
    if rng.random() < JPEG_SHARE:
        quality = int(rng.integers(25, 86))
        _, encoded = cv2.imencode(".jpg", image.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
        return np.asarray(cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED), np.float32)
    return image.astype(np.float32)


def render_targets(
    boxes: np.ndarray, classes: np.ndarray, input_hw: tuple[int, int], num_classes: int, stride: int = 4
) -> np.ndarray:
    """Heatmaps, sizes, offsets and mask at ``stride`` for boxes in input pixels."""
    grid_h, grid_w = input_hw[0] // stride, input_hw[1] // stride
    valid = classes >= 0
    boxes, classes = boxes[valid] / stride, classes[valid]
    centre_x = (boxes[:, 0] + boxes[:, 2]) / 2
    centre_y = (boxes[:, 1] + boxes[:, 3]) / 2
    cell_x = np.clip(np.floor(centre_x), 0, grid_w - 1)
    cell_y = np.clip(np.floor(centre_y), 0, grid_h - 1)
    box_w = np.maximum(boxes[:, 2] - boxes[:, 0], 0.25)
    box_h = np.maximum(boxes[:, 3] - boxes[:, 1], 0.25)
    sigma_x = np.maximum(box_w * GAUSSIAN_SIZE_FACTOR, 0.5)
    sigma_y = np.maximum(box_h * GAUSSIAN_SIZE_FACTOR, 0.5)
    target = np.zeros((grid_h, grid_w, num_classes + 5), np.float32)
    xs = np.arange(grid_w, dtype=np.float32)
    ys = np.arange(grid_h, dtype=np.float32)
    for i, class_id in enumerate(classes):
        gauss = np.exp(-((ys[:, None] - cell_y[i]) ** 2) / (2 * sigma_y[i] ** 2)) * np.exp(
            -((xs[None, :] - cell_x[i]) ** 2) / (2 * sigma_x[i] ** 2)
        )
        np.maximum(target[..., class_id], gauss, out=target[..., class_id])
    regression = np.stack(
        [np.log(box_w), np.log(box_h), centre_x - cell_x, centre_y - cell_y, np.ones_like(centre_x)], axis=1
    )
    rows, cols = cell_y.astype(int), cell_x.astype(int)
    dense = np.zeros((grid_h, grid_w, 5), np.float32)
    counts = np.zeros((grid_h, grid_w), np.float32)
    np.add.at(dense, (rows, cols), regression)
    np.add.at(counts, (rows, cols), 1.0)
    target[..., num_classes:] = dense / np.maximum(counts, 1.0)[..., None]  # two centres in one cell: their mean
    return target


class CenterNetBatches(keras.utils.PyDataset):
    """Batches of (images as uint8, targets). Training (``augment``): ``steps`` batches per epoch of
    ``out_hw`` crops drawn at random (half of them mosaics) with photometric noise; every call
    draws new ones. Validation: each whole image resized to ``out_hw`` once, in order."""

    def __init__(
        self,
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
        steps: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if augment and not steps:
            raise ValueError("augmented batches need a number of steps per epoch")
        self.paths, self.boxes, self.classes = list(paths), boxes, classes
        self.out_hw, self.num_classes, self.stride = out_hw, num_classes, stride
        self.batch_size, self.augment, self.seed = batch_size, augment, seed
        self.inference_hw = inference_hw or out_hw
        self.steps = steps or 0
        self._calls = 0  # per process: forked or pickled workers each count their own

    def __len__(self) -> int:
        return self.steps if self.augment else math.ceil(len(self.paths) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not self.augment:
            rows = range(index * self.batch_size, min((index + 1) * self.batch_size, len(self.paths)))
            samples = [self._whole(row) for row in rows]
        else:  # a fresh stream per call: workers and epochs never repeat each other's draws
            self._calls += 1
            rng = np.random.default_rng([self.seed, index, os.getpid(), self._calls])
            samples = [self._augmented(rng) for _ in range(self.batch_size)]
        # uint8 (the model rescales inside): a quarter of float32's bytes between worker processes
        images = np.clip(np.rint(np.stack([image for image, _ in samples])), 0, 255).astype(np.uint8)
        targets = np.stack([render_targets(b, c, self.out_hw, self.num_classes, self.stride) for _, (b, c) in samples])
        return images, targets

    def _whole(self, row: int):
        image, boxes, classes = augment_and_resize(
            *read_picture(self.paths[row], self.boxes[row]), self.classes[row], self.out_hw, None
        )
        return image, (boxes, classes)

    def _augmented(self, rng: np.random.Generator):
        if rng.random() < MOSAIC_SHARE:
            half_hw = (self.out_hw[0] // 2, self.out_hw[1] // 2)
            half_inference = (self.inference_hw[0] // 2, self.inference_hw[1] // 2)
            tiles = [self._crop(rng, half_hw, half_inference) for _ in range(4)]
            image, boxes, classes = mosaic(*(np.stack(parts) for parts in zip(*tiles)))
        else:
            image, boxes, classes = self._crop(rng, self.out_hw, self.inference_hw)
        return photometric(image, rng), (boxes, classes)

    def _crop(self, rng: np.random.Generator, out_hw, inference_hw):
        row = int(rng.integers(len(self.paths)))
        return augment_and_resize(
            *read_picture(self.paths[row], self.boxes[row]), self.classes[row], out_hw, rng, inference_hw
        )


def centernet_loss(num_classes: int):
    """Penalty-reduced focal loss on the heatmaps (normalised by the number of centres) plus
    L1 on log-size and offset at the centres."""

    def loss(target, prediction):
        heat_true = target[..., :num_classes]
        logits = prediction[..., :num_classes]
        mask = target[..., -1:]
        positive = ops.cast(heat_true >= 0.999, "float32")
        prob = ops.sigmoid(logits)
        log_p = -ops.softplus(-logits)
        log_not_p = -ops.softplus(logits)
        pos_loss = -positive * (1 - prob) ** 2 * log_p
        neg_loss = -(1 - positive) * (1 - heat_true) ** 4 * prob**2 * log_not_p
        num_pos = ops.maximum(ops.sum(positive), 1.0)
        focal = (ops.sum(pos_loss) + ops.sum(neg_loss)) / num_pos
        num_centres = ops.maximum(ops.sum(mask), 1.0)
        regression = slice(num_classes, num_classes + 4)  # log size (2), then offset (2)
        l1 = ops.sum(mask * ops.abs(prediction[..., regression] - target[..., regression])) / num_centres
        return focal + l1

    return loss
