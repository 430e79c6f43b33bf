"""Hard-negative mining for the SmallerVGG window search (Dalal & Triggs' second round).

The trained classifier scans frames with the detector's own window grid; windows that
overlap no labelled object (IoU < 0.3) yet score as an object are cut out as new
``background`` patches. Mining frames: traffic-voc/train, and the first half of each MOT
clip (its second half stays held out for the person evaluation).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from detectors.labelled import mot_frames
from detectors.smallervgg import window_grid
from detectors.training.voc import read_voc_folder
from tracker.core.geometry import iou_matrix

MINING_IOU = 0.3
CHUNK = 1024


def mot_mining_half(clip: Path) -> tuple[list, list]:
    """(mining frames, held-out frames) of a MOT clip: first half / second half."""
    frames = mot_frames(clip)
    half = len(frames) // 2
    return frames[:half], frames[half:]


def mining_frames(
    data_root: Path, traffic_frames: Path, n_traffic: int, mot_clips: list[Path], every: int, rng: np.random.Generator
) -> list:
    traffic = read_voc_folder(data_root / traffic_frames)
    picked = [traffic[i] for i in sorted(rng.choice(len(traffic), min(n_traffic, len(traffic)), replace=False))]
    for clip in mot_clips:
        picked += mot_mining_half(data_root / clip)[0][::every]
    return picked


def mine(
    model,
    frames: list,
    input_size: tuple[int, int],
    patch_size: int,
    background_id: int,
    min_score: float,
    per_frame: int,
) -> np.ndarray:
    """Background patches (RGB uint8) from windows scored as objects away from every gt box."""
    import tensorflow as tf

    width, height = input_size
    windows = window_grid(width, height)
    normalised = (windows / np.array([width, height, width, height], np.float32))[:, [1, 0, 3, 2]]
    mined = []
    for frame in frames:
        original = frame.load()
        image = cv2.cvtColor(cv2.resize(original, input_size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
        scale = np.array([width / original.shape[1], height / original.shape[0]] * 2, np.float32)
        far = iou_matrix(windows, frame.xyxy * scale).max(axis=1, initial=0.0) < MINING_IOU
        boxes = normalised[far]
        batch = tf.constant(image[None].astype(np.float32))
        crop_chunks: list[np.ndarray] = []
        score_chunks: list[np.ndarray] = []
        for start in range(0, len(boxes), CHUNK):
            chunk = tf.image.crop_and_resize(
                batch,
                boxes[start : start + CHUNK],
                tf.zeros(len(boxes[start : start + CHUNK]), tf.int32),
                [patch_size, patch_size],
            )
            probabilities = model(chunk, training=False).numpy()
            crop_chunks.append(chunk.numpy())
            score_chunks.append(1.0 - probabilities[:, background_id])
        crops, scores = np.concatenate(crop_chunks), np.concatenate(score_chunks)
        worst = np.argsort(-scores)[:per_frame]
        worst = worst[scores[worst] >= min_score]
        mined.append(np.clip(np.round(crops[worst]), 0, 255).astype(np.uint8))
    return np.concatenate(mined) if mined else np.zeros((0, patch_size, patch_size, 3), np.uint8)
