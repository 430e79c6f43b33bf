"""Leave-one-clip-out tuning of the default tracker on the labelled clips.

For each clip held out, the tracker's parameters are chosen on the *other* clip only, by
coordinate ascent over ``CANDIDATES`` (each parameter in turn, the others fixed; ties keep the
current value), maximising the mean HOTA with the detector on every frame and on every 3rd
frame (issue 12's two targets); the choice is then scored on the held-out clip. SSDLite's
boxes are cached and replayed as in ``scripts/benchmark_tracking.py``. With ``--jitter K``
every score is the mean over the cached boxes and K replays of them with jittered scores
(``tracking_bench.jittered_detections``), so a choice must win on more than one lucky id switch.

    python scripts/tune_tracking.py [--jitter K] [--json runs/tuning.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from detectors.training.paths import shared_data_dir  # noqa: E402
from scripts.tracking_bench import cache_detections, every_overrides, jittered_detections, run_config  # noqa: E402
from tracker.config import load_settings  # noqa: E402

DATA = shared_data_dir() or REPO.parent / "shared" / "data"
CLIPS = ("TUD-Campus", "PETS09-S3-MF1")
TARGET_EVERY = (1, 3)
# Each parameter's candidates; the first is the value shipped before tuning.
CANDIDATES: dict[str, list] = {
    "tracker.shared_box_iou": [0.5, None],
    "tracker.observation_reupdate": [True, False],
    "tracker.observation_recovery": [False, True],
    "tracker.direction_weight": [None, 0.2],
    "tracker.appearance_weight": [None, 0.3],
    "tracker.birth_score": [None, 0.6],
    "tracker.birth_max_iou": [None, 0.6],
    "tracker.max_age_s": [1.2, 0.6, 2.4],
    "tracker.max_cost": [1.0, 0.9, 1.1],
    "pipeline.lag_s": [1.4, 0.4, 1.0, 2.0],
}


def score(clip: str, choice: dict, det_file: Path, runs: Path, jitter: int = 0) -> dict[int, float]:
    """HOTA of the default config with ``choice`` on ``clip``, per detection interval (the mean
    over the cached boxes and ``jitter`` jittered replays of them)."""
    det_files = [det_file, *(jittered_detections(det_file, seed) for seed in range(1, jitter + 1))]
    result = {}
    for every in TARGET_EVERY:
        settings = load_settings("default", {**choice, **every_overrides(every)})
        rows = [run_config(DATA / "mot" / clip, settings, det, runs / clip, "tuning") for det in det_files]
        result[every] = sum(row.HOTA for row in rows) / len(rows)
    return result


def tune_on(clip: str, det_file: Path, runs: Path, jitter: int = 0) -> dict:
    """Coordinate ascent over ``CANDIDATES`` on ``clip`` alone."""
    choice = {name: values[0] for name, values in CANDIDATES.items()}
    best = sum(score(clip, choice, det_file, runs, jitter).values())
    for name, values in CANDIDATES.items():
        for value in values:
            if value == choice[name]:
                continue
            trial = {**choice, name: value}
            total = sum(score(clip, trial, det_file, runs, jitter).values())
            print(f"  tune on {clip}: {name}={value}: {total / len(TARGET_EVERY):.3f}", file=sys.stderr)
            if total > best + 1e-9:
                best, choice = total, trial
    return choice


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=REPO / "runs" / "cache", help="detection cache folder")
    parser.add_argument("--runs", type=Path, default=REPO / "runs" / "tuning", help="tracker outputs")
    parser.add_argument("--json", type=Path, help="also write the choices and held-out scores here")
    parser.add_argument(
        "--jitter", type=int, default=0, metavar="K", help="score each choice over K jittered replays as well"
    )
    args = parser.parse_args(argv)
    if args.jitter < 0:
        print(f"error: --jitter must be 0 or more, not {args.jitter}", file=sys.stderr)
        return 2
    missing = [clip for clip in CLIPS if not (DATA / "mot" / clip / "gt" / "gt.txt").is_file()]
    if missing:
        print(f"error: MOT clips not found in {DATA / 'mot'}: {', '.join(missing)}", file=sys.stderr)
        return 2
    dets = {clip: cache_detections(DATA / "mot" / clip, args.cache) for clip in CLIPS}
    report = {}
    for held_out in CLIPS:
        tuned_on = next(clip for clip in CLIPS if clip != held_out)
        choice = tune_on(tuned_on, dets[tuned_on], args.runs, args.jitter)
        changed = {name: value for name, value in choice.items() if value != CANDIDATES[name][0]}
        held = score(held_out, choice, dets[held_out], args.runs, args.jitter)
        report[held_out] = {"tuned_on": tuned_on, "choice": changed, "held_out_HOTA": held}
        print(f"held out {held_out} (tuned on {tuned_on}): {changed} -> HOTA {held}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
