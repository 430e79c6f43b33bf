"""Train the ``mobilenet`` detector (MobileNetV2 + CenterNet head) from scratch on traffic-voc.

    tracker train configs/training/train_mobilenet.yaml [--set key=value ...]

Writes ``<output_dir>/<name>.keras``, ``.tflite``, ``.classes.txt`` and ``_curves.png``;
TensorBoard logs and the best checkpoint go under ``<log_dir>/<name>/``.
"""

from __future__ import annotations

from pathlib import Path

VEHICLE_CLASSES = ("car", "motorcycle", "truck")


def train(config: Path, overrides: dict) -> None:
    import keras
    import numpy as np

    from detectors.keras_runtime import write_metadata
    from detectors.nets import mobilenet_centernet
    from detectors.training import centernet
    from detectors.training.keras_run import best_weights, export_model, save_curves, standard_callbacks
    from detectors.training.paths import resolve_data_path
    from detectors.training.settings import MobileNetTrainSettings, load_train_settings
    from detectors.training.voc import read_voc_folder
    from tracker.core.errors import UserError

    settings = load_train_settings(config, MobileNetTrainSettings, overrides)
    keras.utils.set_random_seed(settings.seed)
    frames_dir = resolve_data_path(settings.traffic_frames)
    items = read_voc_folder(frames_dir)
    if not items:
        raise UserError(f"no labelled frames (jpg + VOC xml) in {frames_dir}")
    order = np.random.default_rng(settings.seed).permutation(len(items))
    n_val = max(1, int(round(settings.val_fraction * len(items))))
    val_items = [items[i] for i in order[:n_val]]
    train_items = [items[i] for i in order[n_val:]]
    if settings.subset:
        train_items, val_items = train_items[: settings.subset], val_items[: settings.subset]
    print(f"{len(train_items)} training frames, {len(val_items)} validation frames")

    input_hw = (settings.input_height, settings.input_width)
    n_classes = len(VEHICLE_CLASSES)
    train_ds = centernet.make_dataset(
        *centernet.cache_frames(train_items, VEHICLE_CLASSES, settings.cache_width),
        (settings.train_crop, settings.train_crop),
        n_classes,
        settings.batch_size,
        augment=True,
        seed=settings.seed,
        source_per_output=settings.cache_width / settings.input_width,
    )
    val_ds = centernet.make_dataset(
        *centernet.cache_frames(val_items, VEHICLE_CLASSES, settings.cache_width),
        input_hw,
        n_classes,
        settings.batch_size,
        augment=False,
        seed=settings.seed,
    )

    # Trained on crops, validated on whole frames: one model with free input size.
    model = mobilenet_centernet(None, None, n_classes, settings.alpha, settings.head_channels)
    if settings.init_weights is not None:
        if not settings.init_weights.is_file():
            raise UserError(f"init_weights not found: {settings.init_weights}")
        model.set_weights(keras.models.load_model(settings.init_weights, compile=False).get_weights())
    schedule = keras.optimizers.schedules.CosineDecay(
        settings.learning_rate, decay_steps=settings.epochs * settings.steps_per_epoch, alpha=0.05
    )
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=centernet.centernet_loss(n_classes))
    run_dir = settings.log_dir / settings.name
    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=settings.epochs,
        steps_per_epoch=settings.steps_per_epoch,
        verbose=2,
        callbacks=standard_callbacks(
            run_dir / "tensorboard", run_dir / "best.keras", settings.patience, settings.max_minutes
        ),
    )
    best_weights(model, run_dir / "best.keras")
    out = settings.output_dir
    deployed = mobilenet_centernet(*input_hw, n_classes, settings.alpha, settings.head_channels)
    deployed.set_weights(model.get_weights())
    export_model(
        deployed, out / f"{settings.name}.keras", out / f"{settings.name}.tflite" if settings.export_tflite else None
    )
    write_metadata(
        out / f"{settings.name}.json",
        {
            "classes": list(VEHICLE_CLASSES),
            "input_width": settings.input_width,
            "input_height": settings.input_height,
            "alpha": settings.alpha,
            "head_channels": settings.head_channels,
            "output_stride": centernet.OUTPUT_STRIDE,
            "input": "RGB float32 0..255",
            "trained_with": settings.model_dump(mode="json"),
        },
    )
    save_curves(history.history, out / f"{settings.name}_curves.png", "mobilenet (CenterNet) on traffic-voc")
    print(f"wrote {out / settings.name}.keras")
