"""Loading the project's own models for inference.

Each model ``NAME`` ships as ``NAME.tflite`` (run on LiteRT by the main job) and ``NAME.keras``
(the trained original; running it needs TensorFlow, the ``[train]`` extra), with ``NAME.json``
beside them (class names and how it was built). A detector picks the runtime by the suffix of
its ``weights``; both take the same input and give the same output (within float error).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from detectors.litert_runtime import LiteRTModel
from detectors.tensorflow_runtime import import_tensorflow
from tracker.core.errors import UserError
from tracker.core.files import write_json_atomic

# The committed weights are package data: found where the package is installed (unpacked).
WEIGHTS_DIR = Path(str(files("detectors") / "weights"))

Network = Callable[[np.ndarray], np.ndarray]  # a batch of images in, the model's one output out


def weights_path(configured: Path | None, default_name: str) -> Path:
    path = Path(configured) if configured is not None else WEIGHTS_DIR / default_name
    if not path.is_file():
        raise UserError(f"weights file not found: {path} (train it with scripts/train_*.py)")
    return path


def load_metadata(path: Path) -> dict[str, Any]:
    """The metadata of the model at ``path``: ``path.with_suffix('.json')``."""
    metadata_path = Path(path).with_suffix(".json")
    if not metadata_path.is_file():
        raise UserError(f"model metadata not found beside the weights: {metadata_path}")
    return json.loads(metadata_path.read_text())


def load_model(path: Path):
    """The Keras model at ``path`` (inference only; needs TensorFlow)."""
    import_tensorflow()
    import keras

    try:
        return keras.models.load_model(path, compile=False)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot load model {path}: {error}") from None


def keras_network(model) -> Network:
    """``model`` as a ``tf.function`` with an input signature (never ``model.predict`` in the
    frame loop); TensorFlow places it on the GPU when it sees one."""
    tf = import_tensorflow()
    function = tf.function(
        lambda images: model(images, training=False),
        input_signature=[tf.TensorSpec([None, *model.input_shape[1:]], tf.float32)],
    )
    return lambda batch: function(tf.constant(batch, tf.float32)).numpy()


def litert_network(path: Path) -> tuple[Network, tuple[int, int]]:
    """The ``.tflite`` model at ``path`` on LiteRT, and the (width, height) of its input."""
    model = LiteRTModel(path)
    return (lambda batch: model(batch)[0]), model.input_size


def write_metadata(path: Path, metadata: dict[str, Any]) -> None:
    """Atomically write the metadata JSON that goes beside ``NAME.keras``."""
    write_json_atomic(path, metadata)
