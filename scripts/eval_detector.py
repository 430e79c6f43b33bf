"""Measure detectors side by side on held-out labelled data.

    python scripts/eval_detector.py [--config configs/training/eval_detectors.yaml]
        [--detectors smallervgg mobilenet ssdlite hog] [--datasets traffic-voc mot]
        [--every N] [--out docs/detector_eval.md]

Per detector and dataset: AP@0.5 (VOC all-point), precision and recall at the detector's
``min_score``, per class, and milliseconds per frame (one frame per call, first two calls
not timed, at the input size of the detector's settings). ``traffic-voc`` is
``train/traffic-voc/test`` (classes car, motorcycle and ``vehicle`` = any vehicle class
matching any vehicle box); ``mot`` is the gt of the second half of each MOT clip (class
person; the first halves are smallervgg's hard-negative mining frames). ``detection-val`` is
the ``val`` split of ``train/detection`` (three cameras absent from training, and 10% of the
photo sets; six classes), ``detection-val-cameras`` its camera frames only; for these two the
table adds vehicle mAP@0.5 (car, bus, truck, motorcycle) and AP@0.5 by object size (COCO's
small < 32x32 px, medium < 96x96, large; in the stored image's pixels).
Writes a Markdown table (``--out``) and the same figures as JSON beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from tracker.core.errors import UserError
from tracker.core.files import write_json_atomic, write_text_atomic

VEHICLE_NAMES = {"car", "motorcycle", "truck", "bus", "vehicle"}
SIX_CLASSES = ("car", "bus", "truck", "motorcycle", "bicycle", "person")
MAP_CLASSES = ("car", "bus", "truck", "motorcycle")  # vehicle mAP
DATASET_CLASSES = {
    "traffic-voc": {"car": {"car"}, "motorcycle": {"motorcycle"}, "vehicle": VEHICLE_NAMES},
    "mot": {"person": {"person"}},
    "detection-val": {name: {name} for name in SIX_CLASSES},
    "detection-val-cameras": {name: {name} for name in SIX_CLASSES},
}
SIZE_RANGES = {"small": (0.0, 32.0**2), "medium": (32.0**2, 96.0**2), "large": (96.0**2, math.inf)}
AP_SCORE_FLOOR = 0.05  # detectors run at this threshold so that AP sees the whole ranking
TIMING_WARMUP = 2


def load_sequences(dataset: str, data_root: Path, every: int) -> list[list]:
    """Labelled frames as sequences (a fresh detector per sequence: ``motion`` candidates
    learn each clip's background). MOT clips: the second half only — the first half is
    where ``smallervgg`` mines hard negatives. ``every``: keep every Nth frame."""
    from detectors.training.hard_negatives import mot_mining_half
    from detectors.training.voc import read_voc_folder

    if dataset == "traffic-voc":
        return [read_voc_folder(data_root / "train" / "traffic-voc" / "test")[::every]]
    if dataset in ("detection-val", "detection-val-cameras"):
        from detectors.training.detection_csv import VAL_CAMERAS, read_detection_csv, read_scenes

        csv_path = data_root / "train" / "detection" / "annotations.csv"
        items, scenes = read_detection_csv(csv_path, "val"), read_scenes(csv_path)
        groups = [[item for item in items if scenes[item.image_path] == scene] for scene in VAL_CAMERAS]
        if dataset == "detection-val":
            groups.append([item for item in items if scenes[item.image_path] not in VAL_CAMERAS])
        return [group[::every] for group in groups]
    if dataset == "mot":
        return [
            mot_mining_half(clip)[1][::every]
            for clip in sorted((data_root / "mot").iterdir())
            if (clip / "gt" / "gt.txt").is_file()
        ]
    raise UserError(f"unknown dataset '{dataset}' (choose from: {', '.join(DATASET_CLASSES)})")


def evaluate(name: str, overrides: dict, dataset: str, sequences: list[list]) -> dict:
    """Run detector ``name`` over ``sequences``; per-class AP/P/R and ms per frame."""
    from detectors.evaluation import iterate_images, tally_frame
    from detectors.registry import build_detector, detector_settings
    from tracker.core.types import Frame

    settings = detector_settings(name, **overrides)
    operating_score = settings.min_score
    settings.min_score = min(settings.min_score, AP_SCORE_FLOOR)
    tallies: dict = {}
    size_tallies: dict[str, dict] = {size: {} for size in SIZE_RANGES}
    by_size = dataset.startswith("detection")
    seconds = []
    for frames in sequences:
        detector = build_detector(settings, None)
        for index, (gt, image) in enumerate(iterate_images(frames)):
            started = time.perf_counter()
            detections = detector.detect([Frame(index, 0.0, image)])[0]
            if index >= TIMING_WARMUP:
                seconds.append(time.perf_counter() - started)
            names = [detector.class_names[i] for i in detections.class_ids]
            tally_frame(tallies, DATASET_CLASSES[dataset], gt, detections.xyxy, names, detections.scores)
            for size, area_range in SIZE_RANGES.items() if by_size else ():
                tally_frame(
                    size_tallies[size],
                    DATASET_CLASSES[dataset],
                    gt,
                    detections.xyxy,
                    names,
                    detections.scores,
                    area_range,
                )
    classes = {}
    for class_name, tally in tallies.items():
        precision, recall = tally.precision_recall_at(operating_score)
        covered = bool(DATASET_CLASSES[dataset][class_name] & set(detector.class_names))
        classes[class_name] = {
            "ap50": tally.average_precision() if covered else None,
            "precision": precision if covered else None,
            "recall": recall if covered else None,
            "n_gt": tally.n_ground_truth,
            "ap50_by_size": {
                size: (size_tallies[size][class_name].average_precision() if covered else None)
                for size in SIZE_RANGES
                if by_size
            },
            "n_gt_by_size": {size: size_tallies[size][class_name].n_ground_truth for size in SIZE_RANGES if by_size},
        }
    n_frames = sum(len(frames) for frames in sequences)
    return {
        "detector": name,
        "dataset": dataset,
        "frames": n_frames,
        "min_score": operating_score,
        "input": input_description(detector, settings),
        "settings": overrides,
        "ms_per_frame": 1000.0 * sum(seconds) / max(len(seconds), 1),
        "classes": classes,
        "vehicle_map50": vehicle_map(classes) if by_size else None,
    }


def input_description(detector, settings) -> str:
    """The network input a detector ran at, as WxH (or the width alone, or "—")."""
    size = getattr(detector, "input_size", None) or (
        getattr(settings, "input_width", None),
        getattr(settings, "input_height", None),
    )
    return "x".join(str(v) for v in size if v) or "—"


def vehicle_map(classes: dict) -> float:
    """Mean AP@0.5 over car, bus, truck and motorcycle; a class the detector lacks counts 0."""
    return sum((classes[name]["ap50"] or 0.0) for name in MAP_CLASSES) / len(MAP_CLASSES)


def markdown_table(results: list[dict]) -> str:
    fmt = lambda v: "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"
    lines = [
        "| detector | data (frames) | class (gt boxes) | AP@0.5 | precision | recall | at score | ms/frame |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        if "error" in result:
            lines.append(f"| {result['detector']} | {result['dataset']} | not run: {result['error']} | | | | | |")
            continue
        for class_name, figures in result["classes"].items():
            if figures["n_gt"] == 0:
                continue  # a class this data has no box of (bicycle in the val split)
            lines.append(
                f"| {result['detector']} | {result['dataset']} ({result['frames']}) | "
                f"{class_name} ({figures['n_gt']}) | {fmt(figures['ap50'])} | {fmt(figures['precision'])} | "
                f"{fmt(figures['recall'])} | {result['min_score']:.2f} | {result['ms_per_frame']:.1f} |"
            )
        if result.get("vehicle_map50") is not None:
            lines.append(
                f"| {result['detector']} | {result['dataset']} ({result['frames']}) | **vehicle mAP** | "
                f"**{fmt(result['vehicle_map50'])}** | | | | |"
            )
    sized = [result for result in results if result.get("vehicle_map50") is not None]
    if sized:
        lines += ["", "AP@0.5 by object size (gt boxes per size in brackets):", ""]
        lines += [
            "| detector | data | class | " + " | ".join(SIZE_RANGES) + " |",
            "|---|---|---|" + "---|" * len(SIZE_RANGES),
        ]
        for result in sized:
            for class_name, figures in result["classes"].items():
                if figures["n_gt"] == 0:
                    continue
                cells = [
                    f"{fmt(figures['ap50_by_size'][size])} ({figures['n_gt_by_size'][size]})" for size in SIZE_RANGES
                ]
                lines.append(
                    f"| {result['detector']} | {result['dataset']} | {class_name} | " + " | ".join(cells) + " |"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("configs/training/eval_detectors.yaml"),
        help="detector settings per detector name (YAML mapping)",
    )
    parser.add_argument("--detectors", nargs="+", default=["smallervgg", "mobilenet", "ssdlite", "hog"])
    parser.add_argument("--datasets", nargs="+", default=["traffic-voc", "mot"])
    parser.add_argument("--every", type=int, default=1, help="evaluate every Nth frame (slow detectors)")
    parser.add_argument("--out", type=Path, default=Path("docs/detector_eval.md"))
    args = parser.parse_args(argv)
    try:
        from detectors.training.paths import shared_data_dir

        data_root = shared_data_dir()
        if data_root is None:
            raise UserError("shared data not found (../shared/data or $TRACKER_SHARED_DATA)")
        if not args.config.is_file():
            raise UserError(f"config file not found: {args.config}")
        per_detector = yaml.safe_load(args.config.read_text()) or {}
        results = []
        for dataset in args.datasets:
            sequences = load_sequences(dataset, data_root, max(args.every, 1))
            for name in args.detectors:
                try:
                    result = evaluate(name, dict(per_detector.get(name) or {}), dataset, sequences)
                except (UserError, ImportError) as error:
                    result = {"detector": name, "dataset": dataset, "error": str(error).splitlines()[0]}
                print(json.dumps(result), flush=True)
                results.append(result)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    table = markdown_table(results)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out, table)
    write_json_atomic(args.out.with_suffix(".json"), results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
