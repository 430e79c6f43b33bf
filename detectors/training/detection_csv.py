"""The multi-camera detection set (``train/detection/annotations.csv`` of the shared data):
one row per box, ``image,x1,y1,x2,y2,class,width,height,dataset,scene,split``; a row with an
empty class is an image without objects (a negative)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

from detectors.labelled import LabelledImage
from tracker.core.errors import UserError

DETECTION_CLASSES = ("car", "bus", "truck", "motorcycle", "bicycle", "person")
COLUMNS = ("image", "x1", "y1", "x2", "y2", "class", "split")
VAL_CAMERAS = ("ccc_cam36", "atl_roadside_C", "webcam_intersection_b")  # the val split's whole cameras


def read_detection_csv(csv_path: Path, split: str) -> list[LabelledImage]:
    """The images of ``split`` (``train`` or ``val``) with their boxes, in file order."""
    if not csv_path.is_file():
        raise UserError(f"detection annotations not found: {csv_path}")
    boxes: dict[str, list[list[float]]] = defaultdict(list)
    labels: dict[str, list[str]] = defaultdict(list)
    with csv_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise UserError(f"{csv_path}: missing columns {', '.join(sorted(missing))}")
        for row in reader:
            if row["split"] != split:
                continue
            boxes[row["image"]]  # an image without objects still gets an (empty) entry
            if row["class"]:
                boxes[row["image"]].append([float(row[key]) for key in ("x1", "y1", "x2", "y2")])
                labels[row["image"]].append(row["class"])
    return [
        LabelledImage(csv_path.parent / image, np.asarray(rows, np.float32).reshape(-1, 4), tuple(labels[image]))
        for image, rows in boxes.items()
    ]


def read_scenes(csv_path: Path) -> dict[Path, str]:
    """Image path (as ``read_detection_csv`` gives it) -> its ``scene`` (camera; may be empty)."""
    with csv_path.open(newline="") as handle:
        return {csv_path.parent / row["image"]: row["scene"] for row in csv.DictReader(handle)}
