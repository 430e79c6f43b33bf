"""What every training run shares: callbacks, the curves PNG, and export (.keras + .tflite)."""

from __future__ import annotations

import importlib.util
import tempfile
import time
from pathlib import Path

import keras

from tracker.core.files import atomic_path, write_bytes_atomic


class TimeLimit(keras.callbacks.Callback):
    """Stops training at the end of the epoch during which ``minutes`` ran out."""

    def __init__(self, minutes: float) -> None:
        super().__init__()
        self.seconds = minutes * 60.0
        self.started = 0.0

    def on_train_begin(self, logs=None) -> None:
        self.started = time.monotonic()

    def on_epoch_end(self, epoch, logs=None) -> None:
        if time.monotonic() - self.started > self.seconds:
            print(f"time limit reached after epoch {epoch + 1}")
            self.model.stop_training = True


def standard_callbacks(
    log_dir: Path, checkpoint_path: Path, patience: int, max_minutes: float
) -> list[keras.callbacks.Callback]:
    """TensorBoard logs (they need TensorFlow), per-epoch CSV log, best-model checkpoint (by
    val_loss), early stopping, time limit."""
    checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
    tensorboard = (
        [keras.callbacks.TensorBoard(log_dir=str(log_dir), histogram_freq=0, write_graph=False)]
        if importlib.util.find_spec("tensorflow")
        else []
    )
    return tensorboard + [
        keras.callbacks.CSVLogger(str(checkpoint_path.parent / "epochs.csv")),
        keras.callbacks.ModelCheckpoint(str(checkpoint_path), monitor="val_loss", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True),
        TimeLimit(max_minutes),
    ]


def save_curves(history: dict[str, list[float]], path: Path, title: str) -> None:
    """Loss (and accuracy when present) per epoch, train vs validation, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [name for name in history if not name.startswith("val_") and name != "learning_rate"]
    figure, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for axis, name in zip(axes[0], metrics):
        axis.plot(history[name], label=f"train {name}")
        if f"val_{name}" in history:
            axis.plot(history[f"val_{name}"], label=f"val {name}")
        axis.set_xlabel("epoch")
        axis.set_title(name)
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=80)
    plt.close(figure)


def best_weights(model: keras.Model, checkpoint_path: Path) -> None:
    """Load the best checkpoint's weights into ``model`` (a time limit may stop training
    after a worse epoch; early stopping restores the best only when it fires itself)."""
    if checkpoint_path.is_file():
        model.set_weights(keras.models.load_model(checkpoint_path, compile=False).get_weights())


def export_model(model: keras.Model, keras_path: Path, tflite_path: Path | None) -> None:
    """Write the ``.keras`` file (an uncompiled copy: no optimizer state) and optionally TFLite."""
    model = _uncompiled_copy(model)
    keras_path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(keras_path) as tmp:
        model.save(tmp)
    if tflite_path is not None:
        export_tflite(model, tflite_path)


def export_tflite(model: keras.Model, tflite_path: Path) -> None:
    """Convert ``model`` (fixed input size) to TensorFlow Lite; needs TensorFlow."""
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as saved_model_dir:
        model.export(saved_model_dir, format="tf_saved_model", verbose=False)
        payload = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir).convert()
    write_bytes_atomic(tflite_path, payload)


def _uncompiled_copy(model: keras.Model) -> keras.Model:
    copy = model.__class__.from_config(model.get_config())  # no compile state, no optimizer
    copy.set_weights(model.get_weights())
    return copy
