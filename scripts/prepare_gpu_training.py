"""Everything ``tracker train`` needs on a GPU machine without TensorFlow and with a small upload.

    python scripts/prepare_gpu_training.py OUT_DIR [--config configs/training/train_mobilenet.yaml]
        [--scale 1.0] [--quality 72]

- ``OUT_DIR/train/detection``: every ``train`` and ``val`` image of the config's ``annotations``
  (and of its ``extra_voc_folders``, as ``train``) without black bars around the picture, resized
  to ``scale`` times the network input (per axis, as the detector resizes a frame) and re-encoded
  as JPEG, with the scaled boxes in ``annotations.csv``. Crops zoomed in beyond ``scale`` are
  upsampled in training.
- ``OUT_DIR/ssdlite_init.keras``: the untrained network with SSDLite's MobileNetV2 loaded (reading
  the frozen graph needs TensorFlow), for ``init_weights``.

Then, there: ``KERAS_BACKEND=jax TRACKER_SHARED_DATA=OUT_DIR tracker train
configs/training/train_mobilenet_gpu.yaml --set init_weights=OUT_DIR/ssdlite_init.keras``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.borders import without_bars
from detectors.training.cli import report_user_errors
from detectors.training.detection_csv import read_detection_csv
from detectors.training.paths import resolve_data_path
from detectors.training.settings import MobileNetTrainSettings, load_train_settings
from detectors.training.voc import read_voc_folder
from tracker.core.errors import UserError

HEADER = ["image", "x1", "y1", "x2", "y2", "class", "width", "height", "dataset", "scene", "split"]


def prepare(out_dir: Path, config: Path, scale: float, quality: int, max_images: int | None = None) -> None:
    settings = load_train_settings(config, MobileNetTrainSettings)
    pack_images(out_dir, settings, scale, quality, max_images)
    write_initial_model(out_dir / "ssdlite_init.keras", settings)


def write_initial_model(path: Path, settings: MobileNetTrainSettings) -> None:
    import keras

    from detectors.training.train_mobilenet import initial_network
    from tracker.core.files import atomic_path

    keras.utils.set_random_seed(settings.seed)
    model = initial_network(settings.model_copy(update={"backbone_init": "ssdlite", "init_weights": None}))
    with atomic_path(path) as tmp:
        model.save(tmp)
    print(f"wrote {path}")


def pack_images(
    out_dir: Path, settings: MobileNetTrainSettings, scale: float, quality: int, max_images: int | None
) -> None:
    annotations = resolve_data_path(settings.annotations)
    splits = {"train": read_detection_csv(annotations, "train"), "val": read_detection_csv(annotations, "val")}
    for folder in settings.extra_voc_folders:
        splits["train"] += read_voc_folder(resolve_data_path(folder))
    target = out_dir / "train" / "detection"
    if target.exists():
        raise UserError(f"{target} exists: pack into a new folder")
    (target / "images").mkdir(parents=True)
    size = (round(settings.input_width * scale), round(settings.input_height * scale))
    rows, total_bytes = [], 0
    items = [(split, item) for split, listed in splits.items() for item in listed[:max_images]]
    for number, (split, item) in enumerate(tqdm(items, desc="packing", unit="image")):
        image, offset = without_bars(item.load())  # the detector leaves black bars out
        resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        name = f"images/{number:05d}.jpg"
        ok, encoded = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise UserError(f"cannot encode {item.image_path}")
        (target / name).write_bytes(encoded.tobytes())
        total_bytes += encoded.size
        factors = np.array([size[0] / image.shape[1], size[1] / image.shape[0]] * 2, np.float32)
        scaled = (item.xyxy - offset) * factors
        base = {"image": name, "width": size[0], "height": size[1], "dataset": "packed", "scene": "", "split": split}
        if not item.labels:
            rows.append({**base, "x1": "", "y1": "", "x2": "", "y2": "", "class": ""})
        for box, label in zip(scaled, item.labels):
            rows.append({**base, **dict(zip(("x1", "y1", "x2", "y2"), (f"{v:.1f}" for v in box))), "class": label})
    with (target / "annotations.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(items)} images at {size[0]}x{size[1]}, {total_bytes / 2**20:.1f} MiB, in {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--config", type=Path, default=Path("configs/training/train_mobilenet.yaml"))
    parser.add_argument("--scale", type=float, default=1.0, help="stored size / network input size")
    parser.add_argument("--quality", type=int, default=72, help="JPEG quality")
    parser.add_argument("--max-images", type=int, default=None, help="only the first N per split (quick checks)")
    args = parser.parse_args(argv)
    return report_user_errors(lambda: prepare(args.out_dir, args.config, args.scale, args.quality, args.max_images))


if __name__ == "__main__":
    sys.exit(main())
