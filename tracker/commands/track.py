"""``tracker track SOURCE -o DIR``: detect, track, and write the annotated video and tracks."""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.core.errors import UserError

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.outputs.assemble import RunOutputs
    from tracker.outputs.layout import OutputLayout
    from tracker.pipeline import Pipeline

EPILOG = """\
sources: a video file, a folder of images (read in name order, e.g. MOTChallenge img1/),
a webcam index (0) or a stream URL (rtsp://, http://).

outputs in DIR: annotated.mp4, tracks.txt (MOTChallenge), tracks.csv, summary.json, and events.jsonl
when counting lines or zones are configured (counting.lines, counting.zones).

every config setting and its default (override any with --set SECTION.KEY=VALUE):
"""


class SettingsHelp(argparse.RawDescriptionHelpFormatter):
    """Lists every setting under the options; built only when help is asked for."""

    def format_help(self) -> str:
        from tracker.config import describe_settings

        return super().format_help() + describe_settings() + "\n"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "track",
        help="detect and track objects in a video, folder, webcam or stream",
        description="Detect objects every N frames, track them in between, and write an annotated "
        "video plus per-object tracks.",
        epilog=EPILOG,
        formatter_class=SettingsHelp,
    )
    parser.add_argument("source", metavar="SOURCE", help="video file, image folder, webcam index or stream URL")
    parser.add_argument("-o", "--output", metavar="DIR", required=True, type=Path, help="folder for the outputs")
    parser.add_argument(
        "-c",
        "--config",
        metavar="CONFIG",
        help="YAML config file, or a shipped config's name: default, pedestrians, traffic, vehicles "
        "(default: the built-in defaults, which are configs/default.yaml)",
    )
    parser.add_argument(
        "--detector",
        help="detector name (detector.name): ssdlite (default), mobilenet, smallervgg, hog, motion, motfile",
    )
    parser.add_argument(
        "--tracker", help="tracker name (tracker.name): bytetrack (default), bytetrack-dlib, kalman, dlib, centroid"
    )
    parser.add_argument(
        "--detect-every",
        type=int,
        metavar="N",
        help="run the detector exactly every N frames (and early when the tracker asks); "
        "lifts pipeline.max_detect_gap_s",
    )
    parser.add_argument("--min-score", type=float, metavar="X", help="drop detections scoring below X")
    parser.add_argument("--det-file", type=Path, metavar="PATH", help="motfile detector: det.txt to read")
    parser.add_argument("--no-video", action="store_true", help="do not write annotated.mp4")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override any config setting, e.g. --set tracker.max_disappeared=50 (repeatable)",
    )
    parser.add_argument(
        "--gt",
        type=Path,
        metavar="SEQ",
        help="MOTChallenge sequence folder (or gt.txt) to evaluate the tracks against "
        "right after tracking (HOTA, MOTA, IDF1... into summary.json)",
    )
    parser.add_argument(
        "--serve",
        metavar="HOST:PORT",
        help="live view in a browser at http://HOST:PORT/ (annotated stream, counts, fps); PORT alone binds 127.0.0.1",
    )
    parser.add_argument("--display", action="store_true", help="show the annotated frames in a window (needs a GUI)")
    parser.add_argument("--max-frames", type=int, metavar="N", help="stop after N frames")
    parser.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in DIR")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from tracker.core.settings import parse_override

    overrides = dict(parse_override(text) for text in args.overrides)
    for key, value in (
        ("detector.name", args.detector),
        ("tracker.name", args.tracker),
        ("pipeline.detect_every", args.detect_every),
        ("detector.min_score", args.min_score),
        ("detector.det_file", str(args.det_file) if args.det_file else None),
    ):
        if value is not None:
            overrides[key] = value
    if args.detect_every is not None:
        overrides.setdefault("pipeline.max_detect_gap_s", None)  # N on the command line is the exact schedule
    if args.no_video:
        overrides["output.video"] = False
    return overrides


def _check_output_dir(layout: OutputLayout, overwrite: bool) -> None:
    """Refuse a folder that is a file, or that holds an earlier run (without ``--overwrite``)."""
    out_dir = layout.out_dir
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"output path exists and is not a folder: {out_dir}")
    existing = layout.existing()
    if existing and not overwrite:
        names = ", ".join(path.name for path in existing[:3]) + (", ..." if len(existing) > 3 else "")
        raise UserError(f"{out_dir} already holds {names}; use --overwrite or another -o")


def clear_output_dir(layout: OutputLayout) -> None:
    """Remove an earlier run's outputs (so no stale file mixes with this run's) and make the folder."""
    try:
        for path in layout.existing():
            path.unlink(missing_ok=True)
        layout.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot write to output folder {layout.out_dir}: {error.strerror}") from None


def _check_live_outputs(args: argparse.Namespace) -> None:
    """Fail before any work when --serve or --display cannot work."""
    from tracker.outputs.live_view import gui_available, parse_host_port

    if args.serve is not None:
        parse_host_port(args.serve)
    if args.display and (reason := gui_available()):
        raise UserError(reason)


def _evaluate_into_summary(gt: Path, layout: OutputLayout, summary: dict[str, Any]) -> None:
    from tracker.core.files import write_json_atomic
    from tracker.evaluation import evaluate_sequence

    files = layout.mot_tracks()
    with tempfile.TemporaryDirectory() as scratch:
        joined = Path(scratch) / "tracks.txt"  # a rotated run's segments as one sequence
        joined.write_text("".join(path.read_text() for path in files))
        metrics = evaluate_sequence(gt, joined).metrics.to_dict()
    summary["evaluation"] = {"gt": str(gt), "rules": "MOT15 (TrackEval)", "metrics": metrics}
    write_json_atomic(layout.summary, summary)
    print("HOTA {HOTA:.3f}  MOTA {MOTA:.3f}  IDF1 {IDF1:.3f}  IDSW {IDSW}".format(**metrics), file=sys.stderr)


def run_summary(
    pipeline: Pipeline, outputs: RunOutputs, settings: Settings, config: str | None, started: float
) -> dict[str, Any]:
    """``summary.json`` of a run (also written by each camera of ``tracker monitor``)."""
    from tracker.config import settings_as_dict

    source = pipeline.source
    return {
        "source": {
            "name": source.info.name,
            "fps": source.info.fps,
            "frame_count": source.info.frame_count,
            "live": source.info.live,
            **source.stats(),
        },
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        **pipeline.stats.as_dict(),
        **({"counts": pipeline.counter.summary()} if pipeline.counter else {}),
        **outputs.summary(),
        "config": settings_as_dict(settings),
        "config_file": str(config) if config else None,
        "platform": {"python": platform.python_version(), "machine": platform.machine()},
    }


def run(args: argparse.Namespace) -> int:
    from tracker.config import load_settings
    from tracker.outputs.layout import OutputLayout

    if args.max_frames is not None and args.max_frames < 1:
        raise UserError("--max-frames must be at least 1")
    settings = load_settings(args.config, _overrides(args))
    if args.gt is not None and not args.gt.exists():
        raise UserError(f"ground truth not found: {args.gt}")
    _check_live_outputs(args)
    layout = OutputLayout(args.output)
    _check_output_dir(layout, args.overwrite)

    from tracker.builder import build_pipeline
    from tracker.core.files import write_json_atomic
    from tracker.interrupts import STOP
    from tracker.outputs.assemble import build_outputs

    with build_pipeline(
        settings, args.source, draw=settings.output.video or bool(args.serve) or args.display
    ) as pipeline:
        source = pipeline.source
        outputs = build_outputs(
            layout,
            settings.output,
            pipeline.class_names,
            source.info.fps,
            events=pipeline.counter is not None,
            serve=args.serve,
            display=args.display,
            prepare=lambda: clear_output_dir(layout),
        )
        started = time.time()
        with STOP.installed():  # SIGINT/SIGTERM: finish the frame, close the outputs, exit 0
            try:
                stats = pipeline.run(outputs.sinks, max_frames=args.max_frames, progress=not args.quiet)
            finally:
                summary = run_summary(pipeline, outputs, settings, args.config, started)
                write_json_atomic(layout.summary, summary)
    if args.gt is not None:
        _evaluate_into_summary(args.gt, layout, summary)
    ended = "stopped by a signal after" if stats.stopped_by == "interrupt" else "processed"
    print(
        f"{ended} {stats.frames} frames at {summary['fps']} fps; "
        f"{sum(summary['tracks_per_class'].values())} tracks -> {args.output}",
        file=sys.stderr,
    )
    return 0
