"""How well an appearance cue tells people apart, on the labelled clips' ground-truth boxes.

For every pair of gt boxes 1-10 frames apart, the cue's similarity should be higher for the
same person than for two different people. The score is the ROC AUC of that ranking (1: always
right, 0.5: chance), over all pairs of different people and over the "near" ones only (centres
closer than the box's width: the crossings where a tracker can swap ids). Cues compared: the
colour histograms of ``tracker.trackers.appearance`` and SSDLite's own MobileNetV2 feature maps
(several layers), averaged over the cells inside each box (cosine similarity): the embedding
issue 12 proposes, free on detection frames. Needs the ``[train]`` extra (TensorFlow runs the
frozen graph up to those layers).

    python scripts/appearance_auc.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from detectors.ssdlite import graph_resize  # noqa: E402
from detectors.training.paths import shared_data_dir  # noqa: E402
from tracker.trackers.appearance import bhattacharyya_distance, color_histograms  # noqa: E402

DATA = shared_data_dir() or REPO.parent / "shared" / "data"
CLIPS = ("TUD-Campus", "PETS09-S3-MF1")
LAYERS = (  # stride 16 at 300x300 unless said
    "expanded_conv_5/output",  # stride 8, 32 channels
    "expanded_conv_12/output",  # 96 channels
    "expanded_conv_13/expansion_output",  # 576 channels (SSDLite's first box predictor)
    "expanded_conv_16/output",  # stride 32, 320 channels
)
MAX_FRAME_GAP = 10
Key = tuple[int, int]  # (frame, gt id)


def roc_auc(positive: list[float], negative: list[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([positive, negative]))
    count = len(positive)
    return float((ranks[:count].sum() - count * (count + 1) / 2) / (count * len(negative)))


def pooled(feature_map: np.ndarray, box: np.ndarray, width: int, height: int) -> np.ndarray:
    """Mean of the cells that overlap ``box`` (at least one), L2-normalised."""
    rows, cols = feature_map.shape[:2]
    x1, y1, x2, y2 = box
    c1 = int(np.clip(np.floor(x1 / width * cols), 0, cols - 1))
    c2 = int(np.clip(np.ceil(x2 / width * cols), c1 + 1, cols))
    r1 = int(np.clip(np.floor(y1 / height * rows), 0, rows - 1))
    r2 = int(np.clip(np.ceil(y2 / height * rows), r1 + 1, rows))
    vector = feature_map[r1:r2, c1:c2].reshape(-1, feature_map.shape[2]).mean(axis=0)
    return vector / (np.linalg.norm(vector) + 1e-9)


def clip_auc(clip: Path, network: Callable[[np.ndarray], list[np.ndarray]]) -> dict[str, tuple[float, float]]:
    """Cue -> (AUC over all pairs of different people, AUC over near pairs)."""
    gt = np.loadtxt(clip / "gt" / "gt.txt", delimiter=",", ndmin=2)
    boxes: dict[Key, np.ndarray] = {}
    cues: dict[str, dict[Key, np.ndarray]] = {"colour histograms": {}, **{layer: {} for layer in LAYERS}}
    for frame in sorted(set(gt[:, 0].astype(int))):
        image = cv2.imread(str(clip / "img1" / f"{frame:06d}.jpg"))
        if image is None:
            raise SystemExit(f"cannot read frame {frame} of {clip}")
        height, width = image.shape[:2]
        rows = gt[gt[:, 0] == frame]
        xyxy = np.c_[rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]]
        keys = [(frame, int(person)) for person in rows[:, 1]]
        rgb = cv2.cvtColor(graph_resize(image, (300, 300)), cv2.COLOR_BGR2RGB)[None].astype(np.float32)
        maps = network(rgb / 127.5 - 1.0)
        for key, box, histogram in zip(keys, xyxy, color_histograms(image, xyxy)):
            boxes[key] = box
            cues["colour histograms"][key] = histogram
            for layer, feature_map in zip(LAYERS, maps):
                cues[layer][key] = pooled(feature_map[0], box, width, height)
    keys = list(boxes)
    same, different, near = [], [], []
    for index, first in enumerate(keys):
        for second in keys[index + 1 :]:
            if not 1 <= abs(second[0] - first[0]) <= MAX_FRAME_GAP:
                continue
            if first[1] == second[1]:
                same.append((first, second))
                continue
            different.append((first, second))
            a, b = boxes[first], boxes[second]
            if abs((a[0] + a[2]) - (b[0] + b[2])) / 2 < a[2] - a[0]:
                near.append((first, second))
    result = {}
    for cue, values in cues.items():
        if cue == "colour histograms":

            def similarity(pair: tuple[Key, Key], values: dict[Key, np.ndarray] = values) -> float:
                return -float(bhattacharyya_distance(values[pair[0]][None], values[pair[1]][None])[0, 0])
        else:

            def similarity(pair: tuple[Key, Key], values: dict[Key, np.ndarray] = values) -> float:
                return float(values[pair[0]] @ values[pair[1]])

        positive = [similarity(pair) for pair in same]
        result[cue] = (
            roc_auc(positive, [similarity(pair) for pair in different]),
            roc_auc(positive, [similarity(pair) for pair in near]),
        )
    print(f"{clip.name}: {len(same)} same-person pairs, {len(different)} different ({len(near)} near)", file=sys.stderr)
    return result


def main() -> int:
    import tensorflow as tf

    from detectors.ssdlite_graph import NETWORK_INPUT, find_graph, graph_function
    from detectors.training.ssdlite_backbone import PREFIX

    function = graph_function(find_graph().read_bytes(), f"{NETWORK_INPUT}:0", [PREFIX + layer for layer in LAYERS])

    def network(images: np.ndarray) -> list[np.ndarray]:
        return [output.numpy() for output in function(tf.constant(images))]

    results = {clip: clip_auc(DATA / "mot" / clip, network) for clip in CLIPS}
    print("| cue | " + " | ".join(f"{clip} all / near" for clip in CLIPS) + " |")
    print("|---|" + "---|" * len(CLIPS))
    for cue in results[CLIPS[0]]:
        cells = " | ".join(f"{results[clip][cue][0]:.3f} / {results[clip][cue][1]:.3f}" for clip in CLIPS)
        print(f"| {cue} | {cells} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
