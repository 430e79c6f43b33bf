"""Convert a trained ``.keras`` detector (e.g. one trained on a GPU machine without TensorFlow)
to the ``.tflite`` beside it, which the main job runs.

    python scripts/export_tflite.py detectors/weights/mobilenet.keras
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.training.cli import report_user_errors
from tracker.core.errors import UserError


def convert(keras_path: Path) -> None:
    import keras

    from detectors.training.keras_run import export_tflite

    if not keras_path.is_file() or keras_path.suffix != ".keras":
        raise UserError(f"not a .keras file: {keras_path}")
    model = keras.models.load_model(keras_path, compile=False)
    if None in model.input_shape[1:3]:
        raise UserError(f"{keras_path} has a free input size; TFLite needs the fixed one it runs at")
    export_tflite(model, keras_path.with_suffix(".tflite"))
    print(f"wrote {keras_path.with_suffix('.tflite')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("keras_path", type=Path, metavar="MODEL.keras")
    args = parser.parse_args(argv)
    return report_user_errors(lambda: convert(args.keras_path))


if __name__ == "__main__":
    sys.exit(main())
