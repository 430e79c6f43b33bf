"""Tracking accuracy benchmark on labelled MOTChallenge clips, with detections replayed.

The detector runs once per clip with a low score threshold and its boxes are saved as a
``det.txt`` (``cache_detections``); each config then replays them through the ``motfile``
detector with its own ``min_score`` (``run_config``), so every tracker sees exactly the boxes
the real detector would give it on the frames where it runs, and tuning stays fast. The cache
is keyed by the detector's code and model (``detector_fingerprint``), so a change to either
makes a new cache instead of replaying stale boxes.

Benchmark support, not part of the product: used by ``scripts/benchmark_tracking.py`` and
``tests/test_tracking_regression.py``.
"""

from __future__ import annotations

import hashlib
import inspect
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tracker.builder import build_pipeline
from tracker.capture import open_source
from tracker.config import Settings
from tracker.core.files import write_json_atomic, write_text_atomic
from tracker.core.mot import format_rows

CACHE_MIN_SCORE = 0.05  # below every config's min_score, so any config can be replayed

# The shipped configs that track people, as they are; then each tracker fed SSDLite on
# every frame and on every 5th frame (overrides on top of configs/default.yaml).
PERSON_CONFIGS = ("default", "pedestrians")
TRACKER_VARIANTS: dict[str, dict] = {
    "centroid": {"tracker.name": "centroid", "detector.min_score": 0.5},
    "dlib": {"tracker.name": "dlib", "detector.min_score": 0.5},
    "kalman": {"tracker.name": "kalman", "detector.min_score": 0.4},
    "bytetrack": {"tracker.name": "bytetrack", "detector.min_score": 0.1},
    "bytetrack-dlib": {"tracker.name": "bytetrack-dlib", "detector.min_score": 0.1},
}


def configurations() -> dict[str, tuple[str, dict]]:
    """Benchmark name -> (config file, overrides). The "every N" variants detect exactly every
    N frames (no ``max_detect_gap_s`` cap), whatever the clip's frame rate, and keep the
    default's output lag; the "no lag" ones write every frame as soon as it is tracked, as
    the peer trackers do; the "appearance" ones add the colour-histogram gate for lost tracks;
    "bytetrack every 3" is issue 12's second target, "no reupdate" turns OC-SORT's re-update off."""
    configs = {f"{name}.yaml": (name, {}) for name in PERSON_CONFIGS}
    for tracker, overrides in TRACKER_VARIANTS.items():
        for every in (1, 5):
            configs[f"{tracker} every {every}"] = (
                "default",
                {**overrides, **every_overrides(every)},
            )
    configs["bytetrack every 3"] = ("default", {**TRACKER_VARIANTS["bytetrack"], **every_overrides(3)})
    configs["bytetrack every 3 no reupdate"] = (
        "default",
        {**TRACKER_VARIANTS["bytetrack"], **every_overrides(3), "tracker.observation_reupdate": False},
    )
    for every in (1, 5):
        config_file, overrides = configs[f"bytetrack every {every}"]
        configs[f"bytetrack every {every} no lag"] = (config_file, {**overrides, "pipeline.lag_s": 0})
        configs[f"bytetrack every {every} appearance"] = (config_file, {**overrides, "tracker.appearance_gate": 0.4})
    return configs


SWEEP_EVERY = (1, 2, 3, 5, 10)


def sweep_configurations() -> dict[str, tuple[str, dict]]:
    """Sweep name -> (config file, overrides) for ``--sweep``: the shipped person configs and
    each tracker variant, to be run with ``pipeline.detect_every`` over ``SWEEP_EVERY``."""
    configs = {f"{name}.yaml": (name, {}) for name in PERSON_CONFIGS}
    configs.update({tracker: ("default", overrides) for tracker, overrides in TRACKER_VARIANTS.items()})
    return configs


def every_overrides(every: int) -> dict:
    """The overrides that make a run detect exactly every ``every`` frames (plus early calls),
    as ``--detect-every N`` does: no seconds cap, so new tracks ask to be confirmed early."""
    return {"pipeline.detect_every": every, "pipeline.max_detect_gap_s": None, "pipeline.redetect_on_tentative": True}


@dataclass(frozen=True)
class BenchmarkRow:
    """One config on one clip. ``fps`` counts the detector's measured time per call
    (``detect_ms`` from the cache run) plus the tracker's own measured time."""

    clip: str
    config: str
    HOTA: float
    DetA: float
    AssA: float
    MOTA: float
    IDF1: float
    IDSW: int
    fps: float
    detector_calls: int
    frames: int

    def as_dict(self) -> dict:
        return asdict(self)


def detector_fingerprint(input_size: tuple[int, int]) -> str:
    """A short hash of what SSDLite's boxes depend on: its code, its box decoding and NMS, the
    model file, and the input size."""
    from detectors import ssd_boxes, ssdlite

    digest = hashlib.sha256(f"{input_size}".encode())
    for module in (ssdlite, ssd_boxes):
        digest.update(inspect.getsource(module).encode())
    digest.update(ssdlite.SHIPPED_MODEL.read_bytes())
    return digest.hexdigest()[:12]


def cache_detections(sequence: Path, cache_dir: Path, input_size: tuple[int, int] = (300, 300)) -> Path:
    """Run SSDLite on every frame of ``sequence`` (``img1/``) once and save ``det.txt`` rows
    (score >= ``CACHE_MIN_SCORE``) plus ``timing.json`` (ms per detector call) in
    ``cache_dir/<clip>-ssdlite-<size>-<fingerprint>/``. Returns the det.txt path; an existing
    cache of the same detector code and model is reused."""
    from detectors.ssdlite import SSDLiteDetector

    folder = cache_dir / (f"{sequence.name}-ssdlite-{input_size[0]}x{input_size[1]}-{detector_fingerprint(input_size)}")
    det_file = folder / "det.txt"
    if det_file.is_file() and (folder / "timing.json").is_file():
        return det_file
    folder.mkdir(parents=True, exist_ok=True)
    detector = SSDLiteDetector(input_size, CACHE_MIN_SCORE)
    rows, times = [], []
    with open_source(str(sequence / "img1")) as source:
        for frame in source:
            start = time.perf_counter()
            detections = detector.detect([frame])[0]
            times.append(time.perf_counter() - start)
            rows += format_rows(frame.index + 1, [-1] * len(detections), detections.xyxy, detections.scores)
    steady = sorted(times[1:] or times)  # the first call traces the graph
    write_json_atomic(folder / "timing.json", {"detect_ms": 1000 * steady[len(steady) // 2], "frames": len(times)})
    write_text_atomic(det_file, "".join(rows))
    return det_file


JITTER_SCORE_SD = 0.02  # the scale of an int8 SSDLite's score changes (mean |change| 0.02-0.03, measured)


def jittered_detections(det_file: Path, seed: int, score_sd: float = JITTER_SCORE_SD) -> Path:
    """A copy of a cached ``det_file`` (with its ``timing.json``) whose scores carry seeded
    Gaussian noise of ``score_sd``, clipped to [0, 1]; boxes unchanged. Replaying several shows
    how much of a config's HOTA hangs on chance decisions at its score thresholds."""
    import numpy as np

    folder = det_file.parent / f"jitter-{score_sd}-{seed}"
    jittered = folder / "det.txt"
    if jittered.is_file():
        return jittered
    rng = np.random.default_rng(seed)
    rows = [line.split(",") for line in det_file.read_text().splitlines() if line]
    noise = rng.normal(0.0, score_sd, len(rows))
    for fields, delta in zip(rows, noise, strict=True):
        fields[6] = f"{min(max(float(fields[6]) + delta, 0.0), 1.0):.4f}"
    folder.mkdir(exist_ok=True)
    write_text_atomic(folder / "timing.json", (det_file.parent / "timing.json").read_text())
    write_text_atomic(jittered, "".join(",".join(fields) + "\n" for fields in rows))
    return jittered


def detect_ms(det_file: Path) -> float:
    import json

    return float(json.loads((det_file.parent / "timing.json").read_text())["detect_ms"])


def run_config(
    sequence: Path, settings: Settings, det_file: Path | None, out_dir: Path, config_name: str
) -> BenchmarkRow:
    """Track ``sequence`` with ``settings`` (detections replayed from ``det_file`` through the
    ``motfile`` detector with the config's own ``min_score``, or the configured detector when
    ``det_file`` is None) and score ``out_dir/tracks.txt`` with TrackEval."""
    from detectors.motfile import MOTFileSettings
    from tracker.evaluation import evaluate_sequence
    from tracker.outputs.track_files import MOTSink

    settings = settings.model_copy(deep=True)
    settings.output.video = False
    if det_file is not None:
        settings.detector = MOTFileSettings(min_score=settings.detector.min_score, det_file=det_file)
    out_dir.mkdir(parents=True, exist_ok=True)
    with build_pipeline(settings, str(sequence / "img1"), draw=False) as pipeline:
        stats = pipeline.run([MOTSink(out_dir / "tracks.txt")], progress=False)
    if det_file is not None:
        seconds = stats.timer.seconds["track"] + stats.detector_calls * detect_ms(det_file) / 1000
    else:
        seconds = stats.timer.seconds["track"] + stats.timer.seconds["detect"]
    metrics = evaluate_sequence(sequence, out_dir / "tracks.txt").metrics
    return BenchmarkRow(
        sequence.name,
        config_name,
        round(metrics.HOTA, 4),
        round(metrics.DetA, 4),
        round(metrics.AssA, 4),
        round(metrics.MOTA, 4),
        round(metrics.IDF1, 4),
        int(metrics.IDSW),
        round(stats.frames / max(seconds, 1e-9), 1),
        stats.detector_calls,
        stats.frames,
    )
