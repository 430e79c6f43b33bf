"""Tracking accuracy and speed of the shipped configs and tracker variants on the labelled
clips: HOTA, MOTA, IDF1, IDSW and fps per clip and config, as a table and as JSON.

SSDLite runs once per clip on every frame (score >= 0.05) and its boxes are cached in
``--cache`` (default runs/cache); every config then replays them through the ``motfile``
detector with its own ``detector.min_score``, on the frames where it would run the
detector. fps = frames / (tracker time + detector calls x SSDLite's measured ms per call).
``--live`` runs the real SSDLite in the loop instead (slower; for an end-to-end check).

    python scripts/benchmark_tracking.py                       # every config, every clip
    python scripts/benchmark_tracking.py --only bytetrack --json runs/bench.json
    python scripts/benchmark_tracking.py --sweep runs/sweep.png --only default   # HOTA vs detector calls

``--sweep PNG`` runs each shipped person config and tracker variant (``--only`` filters them)
with the detector every 1, 2, 3, 5 and 10 frames and prints and plots HOTA against the
fraction of frames with a detector call (early re-detections the tracker asks for counted).

``--jitter K`` also replays each config K times with the cached scores jittered (Gaussian, sd
0.02, about what an int8 SSDLite changes) and prints HOTA's mean and standard deviation: on
clips this small one id switch moves HOTA by points, and this shows by how many.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from detectors.training.paths import shared_data_dir  # noqa: E402
from scripts.tracking_bench import (  # noqa: E402
    JITTER_SCORE_SD,
    SWEEP_EVERY,
    BenchmarkRow,
    cache_detections,
    configurations,
    every_overrides,
    jittered_detections,
    run_config,
    sweep_configurations,
)
from tracker.config import Settings, load_settings  # noqa: E402
from tracker.core.errors import UserError  # noqa: E402
from tracker.core.files import write_json_atomic  # noqa: E402

DATA = shared_data_dir() or REPO.parent / "shared" / "data"


def print_table(rows: list[BenchmarkRow]) -> None:
    print("| config | clip | HOTA | DetA | AssA | MOTA | IDF1 | IDSW | fps | detector calls |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.config} | {row.clip} | {row.HOTA:.3f} | {row.DetA:.3f} | {row.AssA:.3f} | {row.MOTA:.3f} | {row.IDF1:.3f} | "
            f"{row.IDSW} | {row.fps:.1f} | {row.detector_calls}/{row.frames} |"
        )


def jitter_spread(
    clip: Path, settings: Settings, det_file: Path, out: Path, name: str, replays: int
) -> tuple[float, float]:
    """Mean and standard deviation of HOTA over ``replays`` replays of ``det_file`` with jittered
    scores (``jittered_detections``, seeds 1..replays)."""
    import numpy as np

    scores = [
        run_config(clip, settings, jittered_detections(det_file, seed), out / f"jitter-{seed}", name).HOTA
        for seed in range(1, replays + 1)
    ]
    return float(np.mean(scores)), float(np.std(scores))


def plot_sweep(rows: list[tuple[int, BenchmarkRow]], path: Path) -> None:
    """HOTA against the fraction of frames detected, one panel per clip, one line per config,
    each point labelled with its detection interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    clips = sorted({row.clip for _, row in rows})
    figure, axes = plt.subplots(1, len(clips), figsize=(6 * len(clips), 4.5), squeeze=False)
    for axis, clip in zip(axes[0], clips, strict=True):
        for config in dict.fromkeys(row.config for _, row in rows):
            points = sorted(
                (row.detector_calls / row.frames, row.HOTA, every)
                for every, row in rows
                if row.clip == clip and row.config == config
            )
            axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=config)
            for fraction, hota, every in points:
                axis.annotate(str(every), (fraction, hota), textcoords="offset points", xytext=(3, 3), fontsize=7)
        axis.set(title=clip, xlabel="fraction of frames with a detector call", ylabel="HOTA", xlim=(0, 1.05))
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def print_spreads(rows: list[BenchmarkRow], spreads: dict[tuple[str, str], tuple[float, float]], replays: int) -> None:
    print(f"\nHOTA with the detector's scores jittered (sd {JITTER_SCORE_SD}), mean +- sd over {replays} replays:\n")
    print("| config | clip | HOTA | jittered HOTA |")
    print("|---|---|---|---|")
    for row in rows:
        mean, sd = spreads[(row.config, row.clip)]
        print(f"| {row.config} | {row.clip} | {row.HOTA:.3f} | {mean:.3f} +- {sd:.3f} |")


def run_sweep(clips: list[Path], args: argparse.Namespace, extra: dict) -> list[tuple[int, BenchmarkRow]]:
    rows = []
    for name, (config, overrides) in sweep_configurations().items():
        if args.only and not any(part in name for part in args.only):
            continue
        for every in SWEEP_EVERY:
            settings = load_settings(config, {**overrides, **every_overrides(every), **extra})
            for clip in clips:
                det_file = None if args.live else cache_detections(clip, args.cache)
                out = args.runs / "sweep" / f"{name}-every-{every}" / clip.name
                rows.append((every, run_config(clip, settings, det_file, out, name)))
                print(f"{name} every {every} / {clip.name}: HOTA {rows[-1][1].HOTA:.3f}", file=sys.stderr)
    return rows


def print_sweep(rows: list[tuple[int, BenchmarkRow]]) -> None:
    print("| config | clip | detect every | frames detected | HOTA | AssA | IDF1 |")
    print("|---|---|---|---|---|---|---|")
    for every, row in rows:
        print(
            f"| {row.config} | {row.clip} | {every} | {row.detector_calls / row.frames:.2f} | {row.HOTA:.3f} | "
            f"{row.AssA:.3f} | {row.IDF1:.3f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA / "mot", help="folder of MOTChallenge clips")
    parser.add_argument("--cache", type=Path, default=REPO / "runs" / "cache", help="detection cache folder")
    parser.add_argument("--runs", type=Path, default=REPO / "runs" / "benchmark", help="tracker outputs")
    parser.add_argument("--only", action="append", default=[], help="configs whose name contains this")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra override applied to every config (for tuning)",
    )
    parser.add_argument("--live", action="store_true", help="run SSDLite in the loop instead of replaying")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument(
        "--sweep",
        type=Path,
        metavar="PNG",
        help="HOTA against the fraction of frames detected (every 1..10), plotted here",
    )
    parser.add_argument(
        "--write-baseline",
        type=Path,
        metavar="JSON",
        help="store HOTA/MOTA/IDF1 per config and clip for the regression test (tests/data/tracking_baseline.json)",
    )
    parser.add_argument(
        "--jitter",
        type=int,
        default=0,
        metavar="K",
        help=f"also replay each config K times with detection scores jittered (sd {JITTER_SCORE_SD}) and report HOTA's mean "
        "and standard deviation over them: the noise of a clip's figure",
    )
    args = parser.parse_args(argv)
    if args.jitter and (args.live or args.sweep):
        print("error: --jitter replays the main table's cached detections; not with --live or --sweep", file=sys.stderr)
        return 2
    if args.jitter < 0:
        print(f"error: --jitter must be 0 or more, not {args.jitter}", file=sys.stderr)
        return 2
    clips = sorted(p for p in args.data.iterdir() if (p / "gt" / "gt.txt").is_file()) if args.data.is_dir() else []
    if not clips:
        print(f"error: no MOTChallenge clips in {args.data}", file=sys.stderr)
        return 2
    from tracker.core.settings import parse_override

    extra = dict(parse_override(text) for text in args.overrides)
    if args.sweep:
        try:
            sweep = run_sweep(clips, args, extra)
        except UserError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print_sweep(sweep)
        plot_sweep(sweep, args.sweep)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps([{"every": e, **row.as_dict()} for e, row in sweep], indent=1) + "\n")
        return 0
    rows = []
    spreads: dict[tuple[str, str], tuple[float, float]] = {}
    try:
        for name, (config, overrides) in configurations().items():
            if args.only and not any(part in name for part in args.only):
                continue
            settings = load_settings(config, {**overrides, **extra})
            for clip in clips:
                det_file = None if args.live else cache_detections(clip, args.cache)
                out = args.runs / name.replace(" ", "-") / clip.name
                rows.append(run_config(clip, settings, det_file, out, name))
                if args.jitter and det_file is not None:
                    spreads[(name, clip.name)] = jitter_spread(clip, settings, det_file, out, name, args.jitter)
                print(f"{name} / {clip.name}: HOTA {rows[-1].HOTA:.3f}", file=sys.stderr)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print_table(rows)
    if spreads:
        print_spreads(rows, spreads, args.jitter)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        records = [
            {
                **row.as_dict(),
                **dict(zip(("HOTA_jitter_mean", "HOTA_jitter_sd"), spreads.get((row.config, row.clip), ()))),
            }
            for row in rows
        ]
        args.json.write_text(json.dumps(records, indent=1) + "\n")
    if args.write_baseline:
        baseline: dict[str, dict] = {}
        for row in rows:
            baseline.setdefault(row.config, {})[row.clip] = {"HOTA": row.HOTA, "MOTA": row.MOTA, "IDF1": row.IDF1}
        write_json_atomic(args.write_baseline, baseline)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
