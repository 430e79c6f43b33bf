"""Labelled images, the one type detector training and detector evaluation share: an image
file with its ground-truth boxes and class names. VOC folders are read by
``detectors.training.voc.read_voc_folder``, MOTChallenge clips by ``mot_frames`` here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tracker.core.geometry import xywh_to_xyxy
from tracker.core.mot import read_rows


@dataclass(frozen=True)
class LabelledImage:
    """One labelled frame: its image path, boxes (xyxy pixels, float32) and class names."""

    image_path: Path
    xyxy: np.ndarray
    labels: tuple[str, ...]

    def load(self) -> np.ndarray:
        """The image (BGR); ``OSError`` when it cannot be read."""
        image = cv2.imread(str(self.image_path))
        if image is None:
            raise OSError(f"cannot read {self.image_path}")
        return image


def mot_frames(clip: Path) -> list[LabelledImage]:
    """Every frame of a MOTChallenge clip (``img1/*.jpg``) with its gt boxes, all ``person``."""
    gt = read_rows(clip / "gt" / "gt.txt", kind="gt")
    frames = []
    for image_path in sorted((clip / "img1").glob("*.jpg")):
        rows = gt[gt[:, 0] == int(image_path.stem)]
        frames.append(LabelledImage(image_path, xywh_to_xyxy(rows[:, 2:6]).astype(np.float32), ("person",) * len(rows)))
    return frames
