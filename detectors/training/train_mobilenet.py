"""Train the ``mobilenet`` detector: MobileNetV2 (width 1.0) + CenterNet head for six classes
(car, bus, truck, motorcycle, bicycle, person) on the multi-camera detection set.

    tracker train configs/training/train_mobilenet.yaml [--set key=value ...]

The backbone starts from the MobileNetV2 inside SSDLite's frozen graph (``backbone_init:
ssdlite``; no download) or from random weights (``scratch``). Training runs on square crops at
the inference scale; validation on the ``val`` split (cameras absent from ``train``) at the
inference size. Writes ``<output_dir>/<name>.keras``, ``.tflite``, ``.json`` and
``_curves.png``; TensorBoard logs and the best checkpoint go under ``<log_dir>/<name>/``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

    from detectors.training.settings import MobileNetTrainSettings


def train(config: Path, overrides: dict) -> None:
    import keras

    from detectors.keras_runtime import write_metadata
    from detectors.training import centernet
    from detectors.training.detection_csv import DETECTION_CLASSES, read_detection_csv
    from detectors.training.keras_run import best_weights, export_model, save_curves, standard_callbacks
    from detectors.training.paths import resolve_data_path
    from detectors.training.settings import MobileNetTrainSettings, load_train_settings
    from detectors.training.voc import read_voc_folder
    from tracker.core.errors import UserError
    from tracker.core.files import write_json_atomic

    settings = load_train_settings(config, MobileNetTrainSettings, overrides)
    if settings.backbone_init == "scratch" and settings.frozen_blocks:
        raise UserError("backbone_init: scratch needs frozen_blocks: 0 (random layers cannot stay frozen)")
    if importlib.util.find_spec("tensorflow") is None:  # e.g. Keras on JAX on a GPU machine
        if settings.export_tflite:
            raise UserError("export_tflite needs TensorFlow: set export_tflite=false and convert where it is installed")
        if settings.backbone_init == "ssdlite" and settings.init_weights is None:
            raise UserError(
                "backbone_init: ssdlite reads SSDLite's graph with TensorFlow; without it, give init_weights"
            )
    keras.utils.set_random_seed(settings.seed)
    annotations = resolve_data_path(settings.annotations)
    train_items = read_detection_csv(annotations, "train")
    for folder in settings.extra_voc_folders:
        train_items += read_voc_folder(resolve_data_path(folder))
    val_items = read_detection_csv(annotations, "val")
    if settings.subset:
        train_items, val_items = train_items[: settings.subset], val_items[: settings.subset]
    if not train_items or not val_items:
        raise UserError(f"no training or validation images in {annotations}")
    factors = centernet.repeat_factors(train_items, DETECTION_CLASSES, settings.repeat_threshold)
    sampled = [train_items[i] for i in centernet.sampled_indices(factors, settings.seed)]
    print(f"{len(train_items)} training images ({len(sampled)} after class balancing), {len(val_items)} validation")
    print(f"Keras backend: {keras.backend.backend()}")

    input_hw = (settings.input_height, settings.input_width)
    n_classes = len(DETECTION_CLASSES)
    stride = settings.output_stride
    train_batches = centernet.CenterNetBatches(
        *centernet.label_arrays(sampled, DETECTION_CLASSES),
        (settings.train_crop, settings.train_crop),
        n_classes,
        stride,
        settings.batch_size,
        augment=True,
        seed=settings.seed,
        inference_hw=input_hw,
        steps=settings.steps_per_epoch,
        workers=settings.data_workers,
        use_multiprocessing=settings.data_processes,
    )
    val_batches = centernet.CenterNetBatches(
        *centernet.label_arrays(val_items, DETECTION_CLASSES),
        input_hw,
        n_classes,
        stride,
        settings.batch_size,
        augment=False,
        seed=settings.seed,
        workers=settings.data_workers,
        use_multiprocessing=settings.data_processes,
    )

    model = initial_network(settings)
    for layer in model.layers:
        if is_frozen(layer.name, settings.frozen_blocks):
            layer.trainable = False
    total_steps = settings.epochs * settings.steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if settings.warmup_steps else settings.learning_rate,
        decay_steps=max(total_steps - settings.warmup_steps, 1),
        alpha=0.05,
        warmup_target=settings.learning_rate if settings.warmup_steps else None,
        warmup_steps=settings.warmup_steps,
    )
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=centernet.centernet_loss(n_classes))
    run_dir = settings.log_dir / settings.name
    history = model.fit(
        train_batches,
        validation_data=val_batches,
        epochs=settings.epochs,
        verbose=2,
        callbacks=standard_callbacks(
            run_dir / "tensorboard", run_dir / "best.keras", settings.patience, settings.max_minutes
        ),
    )
    write_json_atomic(run_dir / "history.json", history.history)
    best_weights(model, run_dir / "best.keras")
    out = settings.output_dir
    deployed = network(settings, *input_hw)
    deployed.set_weights(model.get_weights())
    export_model(
        deployed, out / f"{settings.name}.keras", out / f"{settings.name}.tflite" if settings.export_tflite else None
    )
    write_metadata(
        out / f"{settings.name}.json",
        {
            "classes": list(DETECTION_CLASSES),
            "input_width": settings.input_width,
            "input_height": settings.input_height,
            "alpha": settings.alpha,
            "head_channels": settings.head_channels,
            "output_stride": stride,
            "input": "RGB float32 0..255",
            "trained_with": settings.model_dump(mode="json"),
        },
    )
    save_curves(history.history, out / f"{settings.name}_curves.png", "mobilenet (CenterNet), six classes")
    print(f"wrote {out / settings.name}.keras")


def network(settings: MobileNetTrainSettings, height: int | None, width: int | None) -> keras.Model:
    """The untrained network of ``settings`` (``None`` sizes: any multiple of 32)."""
    from detectors.nets import mobilenet_centernet
    from detectors.training.detection_csv import DETECTION_CLASSES

    classes = len(DETECTION_CLASSES)
    return mobilenet_centernet(height, width, classes, settings.alpha, settings.head_channels, settings.output_stride)


def initial_network(settings: MobileNetTrainSettings) -> keras.Model:
    """The network training starts from, with a free input size (trained on crops, validated on
    whole frames): ``init_weights``, else SSDLite's backbone (``backbone_init: ssdlite``), else random."""
    import keras

    from tracker.core.errors import UserError

    model = network(settings, None, None)
    if settings.init_weights is not None:
        if not settings.init_weights.is_file():
            raise UserError(f"init_weights not found: {settings.init_weights}")
        model.set_weights(keras.models.load_model(settings.init_weights, compile=False).get_weights())
    elif settings.backbone_init == "ssdlite":
        from detectors.ssdlite_graph import find_graph
        from detectors.training.ssdlite_backbone import load_into

        print(f"backbone: {load_into(model, find_graph()):,} parameters from SSDLite's MobileNetV2")
    return model


def is_frozen(layer_name: str, frozen_blocks: int) -> bool:
    """Whether a Keras MobileNetV2 layer belongs to the stem or blocks ``0 .. frozen_blocks - 1``."""
    if frozen_blocks == 0:
        return False
    if layer_name.startswith(("Conv1", "bn_Conv1", "expanded_conv_")):
        return True
    parts = layer_name.split("_")
    return parts[0] == "block" and parts[1].isdigit() and int(parts[1]) < frozen_blocks
