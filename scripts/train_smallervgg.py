"""Train the SmallerVGG patch classifier behind the ``smallervgg`` detector.

    python scripts/train_smallervgg.py [--config configs/train_smallervgg.yaml] [--set key=value ...]

Writes ``<output_dir>/<name>.keras``, ``.tflite``, ``.classes.txt`` and ``_curves.png``;
TensorBoard logs and the best checkpoint go under ``<log_dir>/<name>/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.training.cli import parse_common_args, report_user_errors  # noqa: E402


def train(config: Path, overrides: dict) -> None:
    import keras
    import numpy as np
    import tensorflow as tf

    from detectors.keras_runtime import write_metadata
    from detectors.nets import smaller_vgg
    from detectors.training.keras_run import export_model, save_curves, standard_callbacks
    from detectors.training.paths import resolve_data_path
    from detectors.training.patches import PATCH_CLASSES, augment_patch, build_patch_set, split_fixed
    from detectors.training.settings import SmallerVGGTrainSettings, load_train_settings
    from tracker.errors import UserError

    settings = load_train_settings(config, SmallerVGGTrainSettings, overrides)
    keras.utils.set_random_seed(settings.seed)
    data_root = resolve_data_path(Path("."))
    patches, labels = build_patch_set(settings, data_root)
    if len(np.unique(labels)) < 2:
        raise UserError(f"too few training patches found under {data_root} (need crops-vehicles, crops-person, traffic-voc)")
    train_idx, val_idx = split_fixed(labels, settings.val_fraction, settings.seed)
    counts = np.bincount(labels, minlength=len(PATCH_CLASSES))
    print("patches per class:", dict(zip(PATCH_CLASSES, counts.tolist())), f"train {len(train_idx)} val {len(val_idx)}")

    size, n_classes = settings.patch_size, len(PATCH_CLASSES)
    one_hot = lambda ids: tf.one_hot(ids, n_classes)
    train_ds = (tf.data.Dataset.from_tensor_slices((patches[train_idx], labels[train_idx]))
                .shuffle(len(train_idx), seed=settings.seed)
                .map(lambda x, y: (augment_patch(x, size), one_hot(y)), num_parallel_calls=tf.data.AUTOTUNE)
                .batch(settings.batch_size).prefetch(tf.data.AUTOTUNE))
    val_ds = (tf.data.Dataset.from_tensor_slices((patches[val_idx], labels[val_idx]))
              .map(lambda x, y: (tf.cast(x, tf.float32), one_hot(y)), num_parallel_calls=tf.data.AUTOTUNE)
              .batch(settings.batch_size).prefetch(tf.data.AUTOTUNE))
    # Rare classes (truck: ~90 patches) weigh more, capped so they do not dominate.
    train_counts = np.maximum(np.bincount(labels[train_idx], minlength=n_classes), 1)
    class_weight = {i: float(min(train_counts.max() / c, 10.0)) for i, c in enumerate(train_counts)}

    model = smaller_vgg(size, n_classes)
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.05), metrics=["accuracy"])
    run_dir = settings.log_dir / settings.name
    history = model.fit(train_ds, validation_data=val_ds, epochs=settings.epochs, verbose=2,
                        class_weight=class_weight,
                        callbacks=[*standard_callbacks(run_dir / "tensorboard", run_dir / "best.keras",
                                                       settings.patience, settings.max_minutes),
                                   keras.callbacks.ReduceLROnPlateau(patience=2, factor=0.3)])
    out = settings.output_dir
    export_model(model, out / f"{settings.name}.keras",
                 out / f"{settings.name}.tflite" if settings.export_tflite else None)
    write_metadata(out / f"{settings.name}.json", {
        "classes": list(PATCH_CLASSES), "patch_size": size, "input": "RGB float32 0..255",
        "trained_with": settings.model_dump(mode="json")})
    save_curves(history.history, out / f"{settings.name}_curves.png", "SmallerVGG patch classifier")
    print(f"wrote {out / settings.name}.keras")


def main(argv: list[str] | None = None) -> int:
    args = parse_common_args(argv, __doc__, Path("configs/train_smallervgg.yaml"))
    return report_user_errors(lambda: train(args.config, args.overrides))


if __name__ == "__main__":
    raise SystemExit(main())
