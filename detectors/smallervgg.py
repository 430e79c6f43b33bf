"""``smallervgg``: the SmallerVGG patch classifier (trained by ``scripts/train_smallervgg.py``)
used as a detector.

Candidate regions come from one of two places (``detector.candidates``):

- ``windows`` (default): a multi-scale window search over the frame resized to
  ``input_width x input_height`` — square windows for vehicles and tall 1:2 windows for
  people, at five scales each, stride half a window. Works on any camera, moving or not,
  but is slow (thousands of windows per frame) and only as well placed as the grid.
- ``motion``: moving blobs from MOG2 background subtraction. Suits fixed cameras (street
  and traffic cameras on a pole, surveillance); wrong for moving or shaking cameras, and
  blind to objects that stand still. Fast: a handful of candidates per frame.

All candidates of a batch of frames are cropped and resized to the patch size (bilinear, as
TensorFlow's ``crop_and_resize``) and classified in one call of the network (the shipped
``smallervgg.tflite`` on LiteRT, or ``smallervgg.keras`` on TensorFlow), then non-maximum
suppression per class.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import Field, model_validator

from detectors.keras_runtime import keras_network, litert_network, load_metadata, load_model, weights_path
from detectors.motion import MotionBlobs
from tracker.core.settings import DetectorSettingsBase
from tracker.core.types import Detections, Frame

SQUARE_SIDES = (0.08, 0.12, 0.18, 0.27, 0.40)  # window side / frame height (vehicles)
TALL_HEIGHTS = (0.16, 0.24, 0.36, 0.54, 0.80)  # window height / frame height (people, width = height / 2)
WINDOW_STRIDE = 0.5  # step between windows / window size
NMS_IOU = 0.4
BLOB_PADDING = 0.1  # motion blobs grow by this share of their size on each side


def window_grid(width: int, height: int) -> np.ndarray:
    """Every search window (xyxy float32) over a ``width x height`` frame."""
    shapes = [(side * height, side * height) for side in SQUARE_SIDES]
    shapes += [(0.5 * tall * height, tall * height) for tall in TALL_HEIGHTS]
    windows = []
    for w, h in shapes:
        xs = np.arange(0, width - w + 1, WINDOW_STRIDE * w)
        ys = np.arange(0, height - h + 1, WINDOW_STRIDE * h)
        gx, gy = np.meshgrid(xs, ys)
        windows.append(np.stack([gx.ravel(), gy.ravel(), gx.ravel() + w, gy.ravel() + h], 1))
    return np.concatenate(windows).astype(np.float32)


def padded_blobs(blobs: MotionBlobs, image: np.ndarray) -> np.ndarray:
    """Moving blobs grown by ``BLOB_PADDING`` on each side, so the crop shows the whole object."""
    boxes, _ = blobs.find(image)
    pad = (boxes[:, 2:] - boxes[:, :2]) * BLOB_PADDING
    return np.concatenate([boxes[:, :2] - pad, boxes[:, 2:] + pad], axis=1)


def crop_and_resize(images: np.ndarray, boxes: np.ndarray, image_ids: np.ndarray, size: int) -> np.ndarray:
    """``size`` x ``size`` bilinear crops of ``images`` (B, H, W, C float32) at ``boxes`` (N, 4
    normalised y1, x1, y2, x2) of image ``image_ids``: TensorFlow's ``crop_and_resize`` (samples
    from the first to the last pixel of the box; 0 outside the image)."""
    _, height, width, _ = images.shape
    steps = np.arange(size, dtype=np.float32) / np.float32(max(size - 1, 1))

    def sample_points(start: np.ndarray, stop: np.ndarray, extent: int):
        points = start[:, None] * (extent - 1) + steps[None] * ((stop - start)[:, None] * (extent - 1))
        low = np.floor(points)
        inside = (points >= 0) & (points <= extent - 1)
        return (
            low.clip(0, extent - 1).astype(np.intp),
            np.ceil(points).clip(0, extent - 1).astype(np.intp),
            (points - low).astype(np.float32),
            inside,
        )

    top, bottom, y_lerp, y_inside = sample_points(boxes[:, 0], boxes[:, 2], height)
    left, right, x_lerp, x_inside = sample_points(boxes[:, 1], boxes[:, 3], width)
    ids = image_ids[:, None, None]
    x_weight = x_lerp[:, None, :, None]
    upper = images[ids, top[:, :, None], left[:, None, :]]
    upper += (images[ids, top[:, :, None], right[:, None, :]] - upper) * x_weight
    lower = images[ids, bottom[:, :, None], left[:, None, :]]
    lower += (images[ids, bottom[:, :, None], right[:, None, :]] - lower) * x_weight
    crops = upper + (lower - upper) * y_lerp[:, :, None, None]
    crops[~(y_inside[:, :, None] & x_inside[:, None, :])] = 0.0
    return crops


class SmallerVGGDetector:
    """Window search (any camera) or motion blobs (fixed cameras) classified by SmallerVGG."""

    def __init__(
        self,
        weights: Path,
        input_size: tuple[int, int],
        min_score: float = 0.5,
        candidates: str = "windows",
        min_area: int = 400,
    ) -> None:
        metadata = load_metadata(weights)
        self._classify = (
            litert_network(weights)[0] if weights.suffix == ".tflite" else keras_network(load_model(weights))
        )
        self.patch_classes: tuple[str, ...] = tuple(metadata["classes"])
        self.background_id = self.patch_classes.index("background")
        self.class_names = tuple(name for name in self.patch_classes if name != "background")
        self.patch_size = int(metadata["patch_size"])
        self.input_width, self.input_height = input_size
        self.min_score = min_score
        self.candidates = candidates
        self.windows = window_grid(self.input_width, self.input_height)
        self.motion = MotionBlobs(min_area) if candidates == "motion" else None

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        if not frames:
            return []
        size = (self.input_width, self.input_height)
        images = np.stack([cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA) for frame in frames])
        per_frame = [padded_blobs(self.motion, image) if self.motion else self.windows for image in images]
        boxes = np.concatenate(per_frame)
        image_ids = np.repeat(np.arange(len(frames), dtype=np.int32), [len(b) for b in per_frame])
        if len(boxes):
            rgb = images[..., ::-1].astype(np.float32)
            scale = np.array([self.input_width, self.input_height] * 2, np.float32)
            normalised = (boxes / scale)[:, [1, 0, 3, 2]]  # -> y1, x1, y2, x2
            probabilities = self._classify(crop_and_resize(rgb, normalised, image_ids, self.patch_size))
        else:
            probabilities = np.zeros((0, len(self.patch_classes)), np.float32)
        return [
            self._select(frame, boxes[image_ids == i], probabilities[image_ids == i]) for i, frame in enumerate(frames)
        ]

    def _select(self, frame: Frame, boxes: np.ndarray, probabilities: np.ndarray) -> Detections:
        """Best non-background class per window, score threshold, NMS per class, frame pixels."""
        object_probs = np.delete(probabilities, self.background_id, axis=1)
        class_ids = object_probs.argmax(axis=1) if len(boxes) else np.zeros(0, int)
        scores = object_probs.max(axis=1) if len(boxes) else np.zeros(0, np.float32)
        keep = scores >= self.min_score
        boxes, scores, class_ids = boxes[keep], scores[keep], class_ids[keep]
        if not len(boxes):
            return Detections.empty()
        xywh = np.column_stack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
        kept = np.asarray(
            cv2.dnn.NMSBoxesBatched(xywh.tolist(), scores.tolist(), class_ids.tolist(), self.min_score, NMS_IOU), int
        ).reshape(-1)
        scale = np.array([frame.width / self.input_width, frame.height / self.input_height] * 2, np.float32)
        xyxy = boxes[kept] * scale
        xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, frame.width)
        xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, frame.height)
        return Detections(xyxy, scores[kept], class_ids[kept])


class SmallerVGGSettings(DetectorSettingsBase):
    """``smallervgg``: our SmallerVGG patch classifier over candidate regions."""

    name: Literal["smallervgg"] = "smallervgg"
    min_score: float = Field(0.8, ge=0, le=1, description="drop detections scoring below this")
    input_width: int = Field(480, ge=32, le=4096, description="windows: frames are resized to this width first")
    input_height: int = Field(270, ge=32, le=4096, description="windows: frames are resized to this height first")
    candidates: Literal["windows", "motion"] = Field(
        "windows",
        description="candidate regions: 'windows' (multi-scale search, any camera) or 'motion' "
        "(moving blobs, fixed cameras only)",
    )
    min_area: int = Field(400, ge=1, le=10**8, description="motion candidates: smallest blob area in pixels")
    weights: Path | None = Field(
        None,
        description="weights: .tflite runs on LiteRT, .keras on TensorFlow (default: the shipped smallervgg.tflite)",
    )

    @model_validator(mode="after")
    def _min_area_needs_motion(self) -> SmallerVGGSettings:
        if self.candidates != "motion" and "min_area" in self.model_fields_set:
            raise ValueError("min_area applies only to candidates 'motion'")
        return self

    def build(self, source: Path | None) -> SmallerVGGDetector:
        return SmallerVGGDetector(
            weights_path(self.weights, "smallervgg.tflite"),
            (self.input_width, self.input_height),
            self.min_score,
            self.candidates,
            self.min_area,
        )
