"""``tracker track SOURCE -o DIR``: detect, track, and write the annotated video and tracks."""

from __future__ import annotations

import argparse
import platform
import re
import sys
import time
from pathlib import Path
from typing import Any

from detectors.registry import detector_names
from tracker.config import describe_settings, load_settings, parse_override, settings_as_dict
from tracker.core.errors import UserError

EPILOG = """\
sources: a video file, a folder of images (read in name order, e.g. MOTChallenge img1/),
a webcam index (0) or a stream URL (rtsp://, http://).

outputs in DIR: annotated.mp4, tracks.txt (MOTChallenge), tracks.csv, summary.json, and events.jsonl
when counting lines or zones are configured (counting.lines, counting.zones).

every config setting (override any with --set SECTION.KEY=VALUE):
""" + describe_settings()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "track", help="detect and track objects in a video, folder, webcam or stream",
        description="Detect objects every N frames, track them in between, and write an annotated "
                    "video plus per-object tracks.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", metavar="SOURCE", help="video file, image folder, webcam index or stream URL")
    parser.add_argument("-o", "--output", metavar="DIR", required=True, type=Path, help="folder for the outputs")
    parser.add_argument("-c", "--config", metavar="CONFIG", type=Path,
                        help="YAML config (default: configs/default.yaml)")
    parser.add_argument("--detector", help=f"detector name (detector.name): {', '.join(detector_names())}")
    parser.add_argument("--tracker", help="tracker name (tracker.name): centroid, dlib, kalman, bytetrack, bytetrack-dlib")
    parser.add_argument("--detect-every", type=int, metavar="N", help="run the detector every N frames")
    parser.add_argument("--min-score", type=float, metavar="X", help="drop detections scoring below X")
    parser.add_argument("--det-file", type=Path, metavar="PATH", help="motfile detector: det.txt to read")
    parser.add_argument("--no-video", action="store_true", help="do not write annotated.mp4")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override any config setting, e.g. --set tracker.max_disappeared=50 (repeatable)")
    parser.add_argument("--gt", type=Path, metavar="SEQ",
                        help="MOTChallenge sequence folder (or gt.txt) to evaluate the tracks against "
                             "right after tracking (HOTA, MOTA, IDF1... into summary.json)")
    parser.add_argument("--serve", metavar="HOST:PORT",
                        help="live view in a browser at http://HOST:PORT/ (annotated stream, counts, fps); "
                             "PORT alone binds 127.0.0.1")
    parser.add_argument("--display", action="store_true", help="show the annotated frames in a window (needs a GUI)")
    parser.add_argument("--max-frames", type=int, metavar="N", help="stop after N frames")
    parser.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in DIR")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides = dict(parse_override(text) for text in args.overrides)
    for key, value in (("detector.name", args.detector), ("tracker.name", args.tracker),
                       ("pipeline.detect_every", args.detect_every), ("detector.min_score", args.min_score),
                       ("detector.det_file", str(args.det_file) if args.det_file else None)):
        if value is not None:
            overrides[key] = value
    if args.no_video:
        overrides["output.video"] = False
    return overrides


SEGMENT_NAME = re.compile(r"^(tracks\.\d{4}\.(txt|csv)|annotated\.\d{4}\.mp4|events\.\d{4}\.jsonl)$")


def _prepare_output_dir(out_dir: Path, overwrite: bool) -> None:
    from tracker.pipeline import OUTPUT_FILES

    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"output path exists and is not a folder: {out_dir}")
    existing = [name for name in OUTPUT_FILES if (out_dir / name).exists()]
    segments = sorted(p for p in out_dir.iterdir() if SEGMENT_NAME.match(p.name)) if out_dir.is_dir() else []
    existing += [path.name for path in segments[:3]]
    if existing and not overwrite:
        raise UserError(f"{out_dir} already holds {', '.join(existing)}; use --overwrite or another -o")
    for path in segments + [out_dir / name for name in existing]:  # no stale file mixes with this run's
        path.unlink(missing_ok=True)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create output folder {out_dir}: {error.strerror}") from None


def _check_live_outputs(args: argparse.Namespace) -> None:
    """Fail before any work when --serve or --display cannot work."""
    from tracker.outputs.live_view import gui_available, parse_host_port

    if args.serve is not None:
        parse_host_port(args.serve)
    if args.display and (reason := gui_available()):
        raise UserError(reason)


def _evaluate_into_summary(gt: Path, out_dir: Path, summary: dict[str, Any]) -> None:
    from tracker.core.files import write_json_atomic
    from tracker.evaluation import evaluate_sequence

    metrics = evaluate_sequence(gt, out_dir / "tracks.txt").metrics.to_dict()
    summary["evaluation"] = {"gt": str(gt), "rules": "MOT15 (TrackEval)", "metrics": metrics}
    write_json_atomic(out_dir / "summary.json", summary)
    print("HOTA {HOTA:.3f}  MOTA {MOTA:.3f}  IDF1 {IDF1:.3f}  IDSW {IDSW}".format(**metrics), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.max_frames is not None and args.max_frames < 1:
        raise UserError("--max-frames must be at least 1")
    settings = load_settings(args.config, _overrides(args))
    if args.gt is not None and not args.gt.exists():
        raise UserError(f"ground truth not found: {args.gt}")
    _check_live_outputs(args)
    _prepare_output_dir(args.output, args.overwrite)

    from detectors import build_detector
    from tracker.capture import open_source
    from tracker.core.files import write_json_atomic
    from tracker.interrupts import STOP
    from tracker.outputs.assemble import build_outputs
    from tracker.pipeline import RunStats, run_pipeline
    from tracker.trackers import build_tracker

    tracker = build_tracker(settings.tracker)
    with open_source(args.source, settings.live) as source:
        detector = build_detector(settings.detector, source.info.path)
        STOP.install()  # SIGINT/SIGTERM: finish the frame, close the outputs, exit 0
        stats = RunStats()
        outputs = None
        started = time.time()
        try:
            outputs = build_outputs(args.output, settings, detector.class_names, source.info.fps,
                                    serve=args.serve, display=args.display)
            run_pipeline(source, detector, tracker, settings, outputs.sinks, stats,
                         max_frames=args.max_frames, progress=not args.quiet)
        finally:
            summary = {
                "source": {"name": source.info.name, "fps": source.info.fps,
                           "frame_count": source.info.frame_count, "live": source.info.live,
                           **source.stats()},
                "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
                **stats.as_dict(),
                **(outputs.summary() if outputs else {}),
                "config": settings_as_dict(settings),
                "config_file": str(args.config) if args.config else "configs/default.yaml",
                "platform": {"python": platform.python_version(), "machine": platform.machine()},
            }
            write_json_atomic(args.output / "summary.json", summary)
    if args.gt is not None:
        _evaluate_into_summary(args.gt, args.output, summary)
    ended = "stopped by Ctrl-C after" if stats.stopped_by == "interrupt" else "processed"
    print(f"{ended} {stats.frames} frames at {summary['fps']} fps; "
          f"{sum(summary['tracks_per_class'].values())} tracks -> {args.output}", file=sys.stderr)
    return 0
