"""``mobilenet``: our MobileNetV2 + CenterNet detector for traffic and street cameras, trained by
``tracker train configs/training/train_mobilenet.yaml`` on about 20 cameras and photo sets, its
backbone started from the MobileNetV2 inside SSDLite. Classes: car, bus, truck, motorcycle,
bicycle, person (see ``detectors/weights/MODEL_CARD.md``).

The whole frame is resized to ``input_width x input_height`` (default: the size it was trained
for, in its metadata; rounded to a multiple of 32). The shipped ``mobilenet.tflite`` runs on
LiteRT at that size only; the network is fully convolutional, so ``weights: .../mobilenet.keras``
(TensorFlow, the ``[train]`` extra) runs the same weights at any such size. Decoding (peak
picking on the centre heatmaps, boxes from size and offset) runs in NumPy/OpenCV.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import Field, model_validator

from detectors.borders import without_bars
from detectors.keras_runtime import Network, keras_network, litert_network, load_metadata, load_model, weights_path
from tracker.core.errors import UserError
from tracker.core.settings import DetectorSettingsBase
from tracker.core.types import Detections, Frame

MAX_OBJECTS = 100  # peaks kept per frame before the score threshold


def _multiple_of_32(value: int) -> int:
    return max(32, int(round(value / 32)) * 32)


def keras_centernet(weights: Path, metadata: dict, width: int, height: int) -> Network:
    """The Keras model at ``weights`` for a ``width`` x ``height`` input (rebuilt with the same
    weights when it was saved for another size)."""
    from detectors.nets import mobilenet_centernet

    trained = load_model(weights)
    if (width, height) == tuple(trained.input_shape[2:0:-1]):
        return keras_network(trained)
    model = mobilenet_centernet(
        height, width, len(metadata["classes"]), metadata["alpha"], metadata["head_channels"], metadata["output_stride"]
    )
    model.set_weights(trained.get_weights())
    return keras_network(model)


def decode_centernet(output: np.ndarray, n_classes: int, stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One image's network output (H, W, n_classes + 4) -> the ``MAX_OBJECTS`` best heatmap peaks
    (3x3 local maxima) as boxes (xyxy, input pixels), scores and class ids, best first."""
    heat = 1.0 / (1.0 + np.exp(-output[..., :n_classes]))
    local_max = cv2.dilate(heat, np.ones((3, 3), np.uint8)).reshape(heat.shape)
    peaks = np.where(local_max == heat, heat, 0.0).ravel()
    count = min(MAX_OBJECTS, peaks.size)
    flat = np.argpartition(-peaks, count - 1)[:count]
    flat = flat[np.argsort(-peaks[flat], kind="stable")]
    class_ids, cell = flat % n_classes, flat // n_classes
    grid_w = output.shape[1]
    log_w, log_h, offset_x, offset_y = output.reshape(-1, n_classes + 4)[cell, n_classes:].T
    centre_x = (cell % grid_w + offset_x) * stride
    centre_y = (cell // grid_w + offset_y) * stride
    half_w, half_h = np.exp(log_w) * stride / 2, np.exp(log_h) * stride / 2
    boxes = np.stack([centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h], 1)
    return boxes.astype(np.float32), peaks[flat].astype(np.float32), class_ids.astype(np.int32)


def merge_flipped(output: np.ndarray, mirrored: np.ndarray, n_classes: int) -> np.ndarray:
    """CenterNet's flip test: one image's network output (H, W, n_classes + 4) merged with the
    output for the image mirrored left-right. The mirrored one is flipped back (its x offsets
    measured from the other side of each cell), then heatmaps are averaged as probabilities and
    sizes and offsets as they are; the result is an output like the network's (logit heatmaps)."""
    back = mirrored[:, ::-1].astype(np.float32)
    back[..., n_classes + 2] = 1.0 - back[..., n_classes + 2]
    merged = (output.astype(np.float32) + back) / 2
    probability = (1.0 / (1.0 + np.exp(-output[..., :n_classes])) + 1.0 / (1.0 + np.exp(-back[..., :n_classes]))) / 2
    probability = np.clip(probability, 1e-6, 1 - 1e-6)
    merged[..., :n_classes] = np.log(probability / (1.0 - probability))
    return merged


class MobileNetDetector:
    """CenterNet decoding of a MobileNetV2 backbone's heatmaps, batched over frames."""

    def __init__(
        self,
        weights: Path,
        input_size: tuple[int, int] | None = None,
        min_score: float = 0.3,
        crop_borders: bool = True,
        flip_test: bool = False,
    ) -> None:
        metadata = load_metadata(weights)
        self.crop_borders = crop_borders
        self.flip_test = flip_test
        self.class_names: tuple[str, ...] = tuple(metadata["classes"])
        width, height = input_size or (metadata["input_width"], metadata["input_height"])
        self.input_width, self.input_height = _multiple_of_32(width), _multiple_of_32(height)
        self.stride = int(metadata["output_stride"])
        self.min_score = min_score
        if weights.suffix != ".tflite":
            self._network = keras_centernet(weights, metadata, self.input_width, self.input_height)
            return
        self._network, model_size = litert_network(weights)
        if model_size != (self.input_width, self.input_height):
            raise UserError(
                f"{weights.name} runs at {model_size[0]}x{model_size[1]} only; for another input size set "
                f"detector.weights to {weights.with_suffix('.keras')} (needs TensorFlow: pip install 'tracker[train]')"
            )

    @property
    def input_size(self) -> tuple[int, int]:
        return self.input_width, self.input_height

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        if not frames:
            return []
        size = (self.input_width, self.input_height)
        pictures = [
            without_bars(frame.image) if self.crop_borders else (frame.image, np.zeros(4, np.float32))
            for frame in frames
        ]
        images = np.stack(
            [
                cv2.cvtColor(cv2.resize(picture, size, interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2RGB)
                for picture, _ in pictures
            ]
        ).astype(np.float32)
        n_classes = len(self.class_names)
        if self.flip_test:
            both = self._network(np.concatenate([images, images[:, :, ::-1]]))
            outputs = [merge_flipped(both[i], both[len(frames) + i], n_classes) for i in range(len(frames))]
        else:
            outputs = list(self._network(images))
        results = []
        for output, frame, (picture, offset) in zip(outputs, frames, pictures):
            boxes, scores, class_ids = decode_centernet(output, n_classes, self.stride)
            keep = scores >= self.min_score
            height, width = picture.shape[:2]
            scale = np.array([width / self.input_width, height / self.input_height] * 2, np.float32)
            xyxy = boxes[keep] * scale + offset
            xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, frame.width)
            xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, frame.height)
            results.append(Detections(xyxy, scores[keep], class_ids[keep]))
        return results


class MobileNetSettings(DetectorSettingsBase):
    """``mobilenet``: our MobileNetV2-CenterNet traffic detector (car, bus, truck, motorcycle, bicycle, person)."""

    name: Literal["mobilenet"] = "mobilenet"
    min_score: float = Field(0.3, ge=0, le=1, description="drop detections scoring below this")
    input_width: int | None = Field(
        None, ge=32, le=4096, description="network input width in pixels (default: as trained, 512)"
    )
    input_height: int | None = Field(
        None, ge=32, le=4096, description="network input height in pixels (default: as trained, 288)"
    )
    weights: Path | None = Field(
        None,
        description="weights: .tflite runs on LiteRT, .keras on TensorFlow (default: the shipped mobilenet.tflite)",
    )
    crop_borders: bool = Field(
        True, description="leave out black bars around the picture (letterbox, pillarbox) before resizing"
    )
    flip_test: bool = Field(
        False,
        description="also run the network on the mirrored frame and merge the two heatmaps (CenterNet's flip "
        "test): twice the detector time, car AP@0.5 on unseen cameras 0.39 -> 0.41, vehicle mAP 0.26 -> 0.28",
    )

    @model_validator(mode="after")
    def _both_sizes_or_neither(self) -> MobileNetSettings:
        if (self.input_width is None) != (self.input_height is None):
            raise ValueError("set both input_width and input_height, or neither")
        return self

    def build(self, source: Path | None) -> MobileNetDetector:
        size = None if self.input_width is None or self.input_height is None else (self.input_width, self.input_height)
        return MobileNetDetector(
            weights_path(self.weights, "mobilenet.tflite"), size, self.min_score, self.crop_borders, self.flip_test
        )
