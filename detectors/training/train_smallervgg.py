"""Train the SmallerVGG patch classifier behind the ``smallervgg`` detector.

    tracker train configs/training/train_smallervgg.yaml [--set key=value ...]

Writes ``<output_dir>/<name>.keras``, ``.tflite``, ``.classes.txt`` and ``_curves.png``;
TensorBoard logs and the best checkpoint go under ``<log_dir>/<name>/``.
"""

from __future__ import annotations

from pathlib import Path


def _datasets(patches, labels, train_idx, val_idx, settings):
    import tensorflow as tf

    from detectors.training.patches import PATCH_CLASSES, augment_patch

    size, n_classes = settings.patch_size, len(PATCH_CLASSES)
    one_hot = lambda ids: tf.one_hot(ids, n_classes)
    train_ds = (
        tf.data.Dataset.from_tensor_slices((patches[train_idx], labels[train_idx]))
        .shuffle(len(train_idx), seed=settings.seed)
        .map(lambda x, y: (augment_patch(x, size), one_hot(y)), num_parallel_calls=tf.data.AUTOTUNE)
        .batch(settings.batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    val_ds = (
        tf.data.Dataset.from_tensor_slices((patches[val_idx], labels[val_idx]))
        .map(lambda x, y: (tf.cast(x, tf.float32), one_hot(y)), num_parallel_calls=tf.data.AUTOTUNE)
        .batch(settings.batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    return train_ds, val_ds


def _fit(model, patches, labels, settings, epochs: int, learning_rate: float, run_dir: Path) -> dict:
    """One training round: compile, fit with the standard callbacks, keep the best weights."""
    import keras
    import numpy as np

    from detectors.training.keras_run import best_weights, standard_callbacks
    from detectors.training.patches import PATCH_CLASSES, split_fixed

    train_idx, val_idx = split_fixed(labels, settings.val_fraction, settings.seed)
    counts = np.bincount(labels, minlength=len(PATCH_CLASSES))
    print("patches per class:", dict(zip(PATCH_CLASSES, counts.tolist())), f"train {len(train_idx)} val {len(val_idx)}")
    train_ds, val_ds = _datasets(patches, labels, train_idx, val_idx, settings)
    # Rare classes (truck: ~90 patches) weigh more, capped so they do not dominate.
    train_counts = np.maximum(np.bincount(labels[train_idx], minlength=len(PATCH_CLASSES)), 1)
    class_weight = {i: float(min(train_counts.max() / c, 10.0)) for i, c in enumerate(train_counts)}
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.05),
        metrics=["accuracy"],
    )
    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=epochs,
        verbose=2,
        class_weight=class_weight,
        callbacks=[
            *standard_callbacks(
                run_dir / "tensorboard", run_dir / "best.keras", settings.patience, settings.max_minutes
            ),
            keras.callbacks.ReduceLROnPlateau(patience=2, factor=0.3),
        ],
    )
    best_weights(model, run_dir / "best.keras")
    return history.history


def train(config: Path, overrides: dict) -> None:
    import keras
    import numpy as np

    from detectors.keras_runtime import write_metadata
    from detectors.nets import smaller_vgg
    from detectors.training import hard_negatives
    from detectors.training.keras_run import export_model, save_curves
    from detectors.training.patches import PATCH_CLASSES, build_patch_set
    from detectors.training.paths import resolve_data_path
    from detectors.training.settings import SmallerVGGTrainSettings, load_train_settings
    from tracker.core.errors import UserError

    settings = load_train_settings(config, SmallerVGGTrainSettings, overrides)
    keras.utils.set_random_seed(settings.seed)
    data_root = resolve_data_path(Path("."))
    patches, labels = build_patch_set(settings, data_root)
    if len(np.unique(labels)) < 2:
        raise UserError(
            f"too few training patches found under {data_root} (need crops-vehicles, crops-person, traffic-voc)"
        )
    run_dir = settings.log_dir / settings.name
    model = smaller_vgg(settings.patch_size, len(PATCH_CLASSES))
    history: dict = {}
    if settings.init_weights is not None:
        if not settings.init_weights.is_file():
            raise UserError(f"init_weights not found: {settings.init_weights}")
        model.set_weights(keras.models.load_model(settings.init_weights, compile=False).get_weights())
    else:
        history = _fit(model, patches, labels, settings, settings.epochs, settings.learning_rate, run_dir / "round1")

    if settings.hard_negative_epochs:
        rng = np.random.default_rng(settings.seed)
        frames = hard_negatives.mining_frames(
            data_root,
            settings.traffic_frames,
            settings.subset or settings.hard_negative_traffic_frames,
            settings.hard_negative_mot_clips if not settings.subset else [],
            settings.hard_negative_every,
            rng,
        )
        mined = hard_negatives.mine(
            model,
            frames,
            (settings.window_input_width, settings.window_input_height),
            settings.patch_size,
            PATCH_CLASSES.index("background"),
            settings.hard_negative_min_score,
            settings.hard_negative_per_frame,
        )
        print(f"mined {len(mined)} hard negatives from {len(frames)} frames")
        patches = np.concatenate([patches, mined])
        labels = np.concatenate([labels, np.full(len(mined), PATCH_CLASSES.index("background"), np.int32)])
        second = _fit(
            model,
            patches,
            labels,
            settings,
            settings.hard_negative_epochs,
            settings.learning_rate * 0.3,
            run_dir / "round2",
        )
        history = {key: history.get(key, []) + values for key, values in second.items()}

    out = settings.output_dir
    export_model(
        model, out / f"{settings.name}.keras", out / f"{settings.name}.tflite" if settings.export_tflite else None
    )
    write_metadata(
        out / f"{settings.name}.json",
        {
            "classes": list(PATCH_CLASSES),
            "patch_size": settings.patch_size,
            "input": "RGB float32 0..255",
            "trained_with": settings.model_dump(mode="json"),
        },
    )
    save_curves(history, out / f"{settings.name}_curves.png", "SmallerVGG patch classifier (round 1 + hard negatives)")
    print(f"wrote {out / settings.name}.keras")
