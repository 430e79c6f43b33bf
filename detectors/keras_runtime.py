"""Loading the project's own Keras models for inference.

Each model ``NAME.keras`` has ``NAME.json`` beside it (class names and how it was built).
Inference goes through ``tf.function``s with input signatures (never ``model.predict`` in
the frame loop); TensorFlow places them on the GPU when it sees one.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from tracker.core.errors import UserError
from tracker.core.files import write_json_atomic

# The committed weights are package data: found where the package is installed (unpacked).
WEIGHTS_DIR = Path(str(files("detectors") / "weights"))


def weights_path(configured: Path | None, default_name: str) -> Path:
    path = Path(configured) if configured is not None else WEIGHTS_DIR / default_name
    if not path.is_file():
        raise UserError(f"weights file not found: {path} (train it with scripts/train_*.py)")
    return path


def load_model(path: Path):
    """The Keras model at ``path`` (inference only) and its metadata from ``path.with_suffix('.json')``."""
    import keras

    path = Path(path)
    metadata_path = path.with_suffix(".json")
    if not metadata_path.is_file():
        raise UserError(f"model metadata not found beside the weights: {metadata_path}")
    try:
        model = keras.models.load_model(path, compile=False)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot load model {path}: {error}") from None
    return model, json.loads(metadata_path.read_text())


def write_metadata(path: Path, metadata: dict[str, Any]) -> None:
    """Atomically write the metadata JSON that goes beside ``NAME.keras``."""
    write_json_atomic(path, metadata)
