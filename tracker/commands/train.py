"""``tracker train CONFIG``: train one of our detectors from a training config
(``configs/training/train_*.yaml``; its ``name`` says which model)."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
from pathlib import Path

from tracker.core.errors import UserError

TRAINERS = {"mobilenet": "detectors.training.train_mobilenet", "smallervgg": "detectors.training.train_smallervgg"}
NEEDS_TENSORFLOW = {"smallervgg"}  # mobilenet trains on any Keras backend (JAX on a GPU machine)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train one of our detectors (needs the [train] extra; mobilenet also trains on Keras' JAX backend)",
        description="Train a detector from a training config; TensorBoard logs, the best checkpoint, curves "
        "(PNG), and the .keras + .tflite weights with their metadata. Models: " + ", ".join(TRAINERS) + ". "
        "KERAS_BACKEND picks the backend (default tensorflow); mobilenet also trains on jax, without TensorFlow "
        "when export_tflite is false and init_weights is given (see configs/training/train_mobilenet_gpu.yaml).",
    )
    parser.add_argument(
        "config", metavar="CONFIG", type=Path, help="training config, e.g. configs/training/train_mobilenet.yaml"
    )
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override one setting, e.g. --set epochs=1 (repeatable)")  # fmt: skip
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tracker.core.settings import parse_override, read_yaml_mapping

    overrides = dict(parse_override(text) for text in args.overrides)
    if not args.config.is_file():
        raise UserError(f"training config not found: {args.config}")
    name = overrides.get("name", read_yaml_mapping(args.config).get("name"))
    if name not in TRAINERS:
        raise UserError(f"{args.config}: name {name!r} is not a model we train (choose from: {', '.join(TRAINERS)})")
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if importlib.util.find_spec(backend) is None:
        raise UserError(f"training on Keras' {backend} backend needs {backend}: pip install -e '.[train]'")
    if name in NEEDS_TENSORFLOW and importlib.util.find_spec("tensorflow") is None:
        raise UserError(f"training {name} needs TensorFlow (its data pipeline is tf.data): pip install -e '.[train]'")
    importlib.import_module(TRAINERS[name]).train(args.config, overrides)
    return 0
