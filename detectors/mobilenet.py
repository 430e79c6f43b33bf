"""``mobilenet``: a MobileNetV2 (width 0.35) + CenterNet vehicle detector, trained from scratch
on traffic-voc by ``scripts/train_mobilenet.py``. Classes: car, motorcycle, truck (trucks and
the few buses of the training set). Suits street and traffic cameras seen from above, like
the training frames; it knows no people.

The whole frame is resized to ``input_width x input_height`` (rounded to a multiple of 32; the
network is fully convolutional, so any such size works, but it was trained at 320x192).
Decoding (peak picking on the centre heatmaps, boxes from size and offset) runs inside the
same ``tf.function`` as the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import Field

from detectors.keras_runtime import load_model, weights_path
from detectors.tensorflow_runtime import import_tensorflow
from tracker.core.settings import DetectorSettingsBase
from tracker.core.types import Detections, Frame

MAX_OBJECTS = 100  # peaks kept per frame before the score threshold


def _multiple_of_32(value: int) -> int:
    return max(32, int(round(value / 32)) * 32)


class MobileNetDetector:
    """CenterNet decoding of a MobileNetV2 backbone's heatmaps, batched over frames."""

    def __init__(self, weights: Path, input_size: tuple[int, int], min_score: float = 0.3) -> None:
        tf = import_tensorflow()

        from detectors.nets import mobilenet_centernet

        trained, metadata = load_model(weights)
        self.class_names: tuple[str, ...] = tuple(metadata["classes"])
        self.input_width, self.input_height = (_multiple_of_32(v) for v in input_size)
        self.stride = int(metadata["output_stride"])
        if (self.input_width, self.input_height) == tuple(trained.input_shape[2:0:-1]):
            self.model = trained
        else:  # same weights, another input size
            self.model = mobilenet_centernet(
                self.input_height, self.input_width, len(self.class_names), metadata["alpha"], metadata["head_channels"]
            )
            self.model.set_weights(trained.get_weights())
        self.min_score = min_score
        self._infer = tf.function(
            self._forward_and_decode,
            input_signature=[tf.TensorSpec([None, self.input_height, self.input_width, 3], tf.float32)],
        )

    def _forward_and_decode(self, images):
        import tensorflow as tf

        n_classes = len(self.class_names)
        output = self.model(images, training=False)
        heat = tf.sigmoid(output[..., :n_classes])
        peaks = heat * tf.cast(tf.nn.max_pool2d(heat, 3, 1, "SAME") == heat, heat.dtype)
        batch, grid_h, grid_w = tf.shape(heat)[0], tf.shape(heat)[1], tf.shape(heat)[2]
        scores, flat = tf.math.top_k(tf.reshape(peaks, [batch, -1]), k=MAX_OBJECTS)
        class_ids = flat % n_classes
        cell = flat // n_classes
        cell_y, cell_x = cell // grid_w, cell % grid_w
        regression = tf.gather_nd(
            tf.reshape(output[..., n_classes:], [batch, grid_h * grid_w, 4]), cell[..., None], batch_dims=1
        )
        centre_x = (tf.cast(cell_x, tf.float32) + regression[..., 2]) * self.stride
        centre_y = (tf.cast(cell_y, tf.float32) + regression[..., 3]) * self.stride
        half_w = tf.exp(regression[..., 0]) * self.stride / 2
        half_h = tf.exp(regression[..., 1]) * self.stride / 2
        boxes = tf.stack([centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h], -1)
        return boxes, scores, class_ids

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        if not frames:
            return []
        size = (self.input_width, self.input_height)
        images = np.stack(
            [
                cv2.cvtColor(cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
                for frame in frames
            ]
        ).astype(np.float32)
        boxes, scores, class_ids = (tensor.numpy() for tensor in self._infer(images))
        results = []
        for i, frame in enumerate(frames):
            keep = scores[i] >= self.min_score
            scale = np.array([frame.width / self.input_width, frame.height / self.input_height] * 2, np.float32)
            xyxy = boxes[i][keep] * scale
            xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, frame.width)
            xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, frame.height)
            results.append(Detections(xyxy, scores[i][keep], class_ids[i][keep]))
        return results


class MobileNetSettings(DetectorSettingsBase):
    """``mobilenet``: our MobileNetV2-CenterNet vehicle detector (car, motorcycle, truck)."""

    slow_to_load = True

    name: Literal["mobilenet"] = "mobilenet"
    min_score: float = Field(0.3, ge=0, le=1, description="drop detections scoring below this")
    input_width: int = Field(320, ge=32, le=4096, description="network input width in pixels (trained at 320)")
    input_height: int = Field(192, ge=32, le=4096, description="network input height in pixels (trained at 192)")
    weights: Path | None = Field(None, description="weights file (default: the shipped mobilenet.keras)")

    def build(self, source: Path | None) -> MobileNetDetector:
        return MobileNetDetector(
            weights_path(self.weights, "mobilenet.keras"), (self.input_width, self.input_height), self.min_score
        )
