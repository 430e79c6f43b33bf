"""``tracker eval``: score tracker output against MOTChallenge ground truth with TrackEval."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.core.errors import UserError
from tracker.core.files import atomic_path, write_text_atomic

DESCRIPTION = """\
Score tracks against MOTChallenge ground truth with TrackEval (MOT15 rules): HOTA, DetA,
AssA, LocA, MOTA, MOTP, IDF1, IDP, IDR, MT, ML, FP, FN, IDSW, Frag.

  tracker eval --gt SEQ_DIR --pred tracks.txt     one sequence (SEQ_DIR has gt/gt.txt, seqinfo.ini;
                                                  a bare gt.txt also works)
  tracker eval --gt SEQ_DIR --pred runs/track/X   the tracks of a `tracker track` output folder
  tracker eval --gt BENCH_DIR --pred PRED_DIR     every sequence folder in BENCH_DIR against
                                                  PRED_DIR/<sequence>.txt, plus a COMBINED row
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score tracks against MOTChallenge ground truth (HOTA, MOTA, IDF1)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--gt", type=Path, required=True, help="sequence folder, gt.txt, or folder of sequence folders")
    parser.add_argument(
        "--pred",
        type=Path,
        required=True,
        help="tracks file (frame,id,x,y,w,h,conf,...), a `tracker track` output folder, or a folder of <sequence>.txt",
    )
    parser.add_argument(
        "--seq-length",
        type=int,
        metavar="N",
        help="frame count when the gt has no seqinfo.ini (default: last gt frame)",
    )
    parser.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="PATH",
        help="write results as JSON to PATH; bare --json (or '-') prints JSON to stdout instead of the table",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="PNG",
        help="save a figure: HOTA/MOTA/IDF1 bars per sequence and FP/FN/IDSW per frame along each sequence",
    )
    parser.add_argument(
        "--workers", type=int, metavar="N", help="processes for a benchmark (default: min(CPUs, sequences))"
    )
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run a benchmark's sequences as Ray tasks: 'local' starts a local "
        "Ray instance, else a ray.init address (needs the [ray] extra)",
    )
    parser.add_argument("--verbose", action="store_true", help="also print TrackEval's own tables")
    parser.set_defaults(run=run)


@contextmanager
def _tracks_of(pred: Path) -> Iterator[Path]:
    """``pred`` itself, or for a ``tracker track`` output folder its tracks (``tracks.txt``, or its
    rotated segments joined)."""
    from tracker.outputs.layout import OutputLayout

    layout = OutputLayout(pred)
    if not pred.is_dir() or not layout.mot_tracks():
        yield pred
        return
    with layout.joined_mot_tracks() as tracks:
        yield tracks


def run(args: argparse.Namespace) -> int:
    import json

    from tracker.evaluation import BenchmarkResult, evaluate_benchmark, evaluate_sequence
    from tracker.evaluation.mot_files import benchmark_sequences, is_sequence
    from tracker.evaluation.report import format_table, plot_result

    per_frame = args.plot is not None
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}")
    if not args.gt.exists():
        raise UserError(f"--gt not found: {args.gt}")
    for output in (Path(args.json) if args.json not in (None, "-") else None, args.plot):
        if output is not None and not output.parent.is_dir():
            raise UserError(f"output folder does not exist: {output.parent}")
    if is_sequence(args.gt):
        with _tracks_of(args.pred) as pred:
            sequence = evaluate_sequence(
                args.gt, pred, seq_length=args.seq_length, per_frame=per_frame, verbose=args.verbose
            )
        result = BenchmarkResult([sequence], sequence.metrics)
    else:
        benchmark_sequences(args.gt)  # a clear error if it holds no sequences either
        if not args.pred.is_dir():
            raise UserError(
                f"--gt {args.gt} is a folder of sequences, so --pred must be a "
                f"folder of <sequence>.txt files; got {args.pred}"
            )
        result = evaluate_benchmark(
            args.gt, args.pred, workers=args.workers, ray_address=args.ray, per_frame=per_frame, verbose=args.verbose
        )
    text = json.dumps(result.to_dict(), indent=2)
    if args.json == "-":
        print(text)
    else:
        print(format_table(result))
        if args.json:
            write_text_atomic(Path(args.json), text + "\n")
            print(f"json: {args.json}", file=sys.stderr)
    if args.plot:
        with atomic_path(args.plot) as tmp:
            plot_result(result, tmp)
        print(f"plot: {args.plot}", file=sys.stderr)
    return 0
