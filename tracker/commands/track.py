"""``tracker track SOURCE -o DIR``: detect, track, and write the annotated video and tracks."""

from __future__ import annotations

import argparse
import platform
import sys
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
    """Lists every setting under the options; built only when the full help (which ends with the
    epilog) is asked for, not for the usage line of an error."""

    def format_help(self) -> str:
        text = super().format_help()
        if not text.rstrip().endswith(EPILOG.rstrip().rsplit("\n", 1)[-1]):
            return text
        from tracker.config import describe_settings

        return text + describe_settings() + "\n"


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
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        type=Path,
        help="folder for the outputs (default: runs/track/<source name>, numbered -2, -3... when taken)",
    )
    parser.add_argument(
        "-c",
        "--config",
        metavar="CONFIG",
        help="YAML config file, or a shipped config's name: default, pedestrians, traffic, vehicles, motion "
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
        "lifts pipeline.max_detect_gap_s and turns pipeline.redetect_on_tentative on",
    )
    parser.add_argument("--min-score", type=float, metavar="X", help="drop detections scoring below X")
    parser.add_argument("--det-file", type=Path, metavar="PATH", help="motfile detector: det.txt to read")
    parser.add_argument(
        "--classes", type=_names, metavar="A,B", help="keep only these classes, e.g. person,car (detector.classes)"
    )
    parser.add_argument(
        "--labels",
        type=_names,
        metavar="FIELDS",
        help="what each box's tag shows: any of id,class,score (output.labels; default id,class)",
    )
    parser.add_argument(
        "--line-width",
        type=int,
        metavar="PX",
        help="box line width in pixels; labels scale with it (output.line_width; default: scaled to the frame)",
    )
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="read a file or folder at its frame rate, as a camera would deliver it (live sources already are)",
    )
    parser.add_argument("--no-video", action="store_true", help="do not write annotated.mp4")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override any config setting, e.g. --set tracker.max_age_s=2.5 (repeatable)",
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
    parser.add_argument(
        "--grid",
        type=Path,
        metavar="PNG",
        help="only save the first frame with a pixel grid to PNG (to read counting-line coordinates off) and exit",
    )
    parser.add_argument("--max-frames", type=int, metavar="N", help="stop after N frames")
    parser.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in DIR")
    parser.add_argument("-q", "--quiet", action="store_true", help="no start-up messages and no progress")
    parser.set_defaults(run=run)


def _names(text: str) -> list[str]:
    """``"person, car"`` -> ``["person", "car"]`` (an empty text: none)."""
    return [name.strip() for name in text.split(",") if name.strip()]


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from tracker.core.settings import parse_override

    overrides = dict(parse_override(text) for text in args.overrides)
    for key, value in (
        ("detector.name", args.detector),
        ("tracker.name", args.tracker),
        ("pipeline.detect_every", args.detect_every),
        ("detector.min_score", args.min_score),
        ("detector.det_file", str(args.det_file) if args.det_file else None),
        ("detector.classes", args.classes),
        ("output.labels", args.labels),
        ("output.line_width", args.line_width),
    ):
        if value is not None:
            overrides[key] = value
    if args.detect_every is not None:
        overrides.setdefault("pipeline.max_detect_gap_s", None)  # N on the command line is the exact schedule
        overrides.setdefault("pipeline.redetect_on_tentative", True)  # uncapped gaps: confirm new tracks early
    if args.no_video:
        overrides["output.video"] = False
    return overrides


def _check_output_dir(layout: OutputLayout, overwrite: bool) -> None:
    """Refuse a folder that is a file, that cannot be written, or that holds an earlier run
    (without ``--overwrite``)."""
    from tracker.outputs.earlier_run import check_writable

    out_dir = layout.out_dir
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"output path exists and is not a folder: {out_dir}")
    existing = layout.existing()
    if existing and not overwrite:
        names = ", ".join(path.name for path in existing[:3]) + (", ..." if len(existing) > 3 else "")
        raise UserError(f"{out_dir} already holds {names}; use --overwrite or another -o")
    check_writable(out_dir)


def _check_live_outputs(args: argparse.Namespace) -> None:
    """Fail before any work when --serve or --display cannot work."""
    from tracker.outputs.live_view import check_can_listen, gui_available, parse_host_port

    if args.serve is not None:
        check_can_listen(*parse_host_port(args.serve))
    if args.display and (reason := gui_available()):
        raise UserError(reason)


def _output_dir(args: argparse.Namespace) -> Path:
    """``-o``, else ``runs/track/<source name>`` (numbered when taken)."""
    from tracker.outputs.layout import default_run_dir

    return args.output if args.output is not None else default_run_dir("track", args.source)


def _say(args: argparse.Namespace, text: str) -> None:
    """A start-up message on stderr (not with ``-q``)."""
    if not args.quiet:
        print(text, file=sys.stderr, flush=True)


def _build(args: argparse.Namespace, settings: Settings) -> Pipeline:
    """Open the source first (a missing or corrupt one fails at once), paced when ``--realtime``;
    then load the detector and tracker, and say how long that took."""
    from tracker.builder import build_pipeline
    from tracker.capture import open_source, paced_if

    source = open_source(args.source, settings.live)
    run_source = paced_if(source, args.realtime)
    started = time.perf_counter()
    try:
        draw = settings.output.video or bool(args.serve) or args.display
        pipeline = build_pipeline(settings, run_source, draw=draw)
    except BaseException:
        source.close()
        raise
    # said once it worked (an error stays one line); LiteRT loads any shipped model in about 0.1 s
    _say(
        args,
        f"loaded detector '{settings.detector.name}' and tracker '{settings.tracker.name}' "
        f"in {time.perf_counter() - started:.1f} s",
    )
    if run_source is not source:
        _say(args, f"reading {source.info.name} at its {source.info.fps:g} fps (--realtime)")
    return pipeline


def _write_grid(args: argparse.Namespace, settings: Settings) -> int:
    """``--grid PNG``: the source's first frame with a pixel grid (a line every 50 pixels, 100
    on frames over 1000 wide), no detector loaded."""
    import cv2

    from tracker.capture import open_source
    from tracker.outputs.annotators import pixel_grid

    with open_source(args.source, settings.live) as source:
        frame = next(iter(source))
    height, width = frame.image.shape[:2]
    step = 100 if width > 1000 else 50
    if not args.grid.parent.is_dir() or not cv2.imwrite(str(args.grid), pixel_grid(frame.image, step)):
        raise UserError(f"--grid: cannot write {args.grid} (an existing folder and a .png or .jpg name?)")
    print(f"{args.grid}: first frame of {source.info.name}, {width}x{height}, grid every {step} px", file=sys.stderr)
    return 0


def _check_video(settings: Settings) -> None:
    """Fail before any work when the annotated video's codec cannot be written."""
    from tracker.outputs.encoders import check_codec

    if settings.output.video:
        check_codec(settings.output.codec, settings.output.fps or 25.0)


def _evaluate_into_summary(gt: Path, layout: OutputLayout, summary: dict[str, Any]) -> None:
    from tracker.core.files import write_json_atomic
    from tracker.evaluation import evaluate_sequence

    with layout.joined_mot_tracks() as tracks:
        metrics = evaluate_sequence(gt, tracks).metrics.to_dict()
    summary["evaluation"] = {"gt": str(gt), "rules": "MOT15 (TrackEval)", "metrics": metrics}
    write_json_atomic(layout.summary, summary)
    print("HOTA {HOTA:.3f}  MOTA {MOTA:.3f}  IDF1 {IDF1:.3f}  IDSW {IDSW}".format(**metrics), file=sys.stderr)


def os_error_text(error: OSError) -> str:
    """``No space left on device`` (with the file name when the error has one)."""
    text = error.strerror or str(error)
    return f"{text}: {error.filename}" if error.filename else text


def _write_summary(layout: OutputLayout, summary: dict[str, Any]) -> OSError | None:
    """Write summary.json; the error when it cannot be written (a full disk)."""
    from tracker.core.files import write_json_atomic

    try:
        write_json_atomic(layout.summary, summary)
    except OSError as error:
        return error
    return None


def _raise_output_failure(layout: OutputLayout, failure: OSError | None, summary_error: OSError | None) -> None:
    """One error line (exit 1) when an output or summary.json could not be written."""
    if failure is None and summary_error is None:
        return
    message = f"cannot write the outputs in {layout.out_dir}: {os_error_text(failure)}" if failure else ""
    if summary_error is not None:
        message += "; " if message else ""
        message += f"cannot write {layout.summary.name}: {os_error_text(summary_error)}"
    elif failure is not None:
        message += f" (outputs kept up to the last frame written; how the run ended: {layout.summary.name})"
    raise UserError(message, exit_code=1)


def run_summary(
    pipeline: Pipeline,
    outputs: RunOutputs,
    settings: Settings,
    config: str | None,
    started: float,
    failure: OSError | None = None,
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
        **({"error": os_error_text(failure)} if failure is not None else {}),
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
    if args.grid is not None:
        return _write_grid(args, settings)
    if args.gt is not None and not args.gt.exists():
        raise UserError(f"ground truth not found: {args.gt}")
    _check_live_outputs(args)
    _check_video(settings)
    layout = OutputLayout(_output_dir(args))
    _check_output_dir(layout, args.overwrite)

    from tracker.interrupts import STOP
    from tracker.outputs.assemble import build_outputs
    from tracker.outputs.earlier_run import EarlierRun

    earlier = EarlierRun(layout)  # --overwrite: replaced only once this run writes a frame
    with _build(args, settings) as pipeline, earlier.replacing():
        source = pipeline.source
        outputs = build_outputs(
            layout,
            settings.output,
            pipeline.class_names,
            source.info.fps,
            events=pipeline.counter is not None,
            serve=args.serve,
            display=args.display,
            prepare=earlier.prepare,
        )
        started = time.time()
        # SIGINT/SIGTERM: finish the frame, close the outputs, exit 0; from then on signals are only noted
        with STOP.installed():
            failure: OSError | None = None
            try:
                stats = pipeline.run([*outputs.sinks, earlier], max_frames=args.max_frames, progress=not args.quiet)
            except OSError as error:  # an output could not be written (a full disk)
                failure = error
            finally:
                summary = run_summary(pipeline, outputs, settings, args.config, started, failure)
                summary_error = _write_summary(layout, summary)
                STOP.ignore_after_uninstall()  # the run is over: later signals must not break the exit
            _raise_output_failure(layout, failure, summary_error)
            if args.gt is not None and earlier.frames_written:
                _evaluate_into_summary(args.gt, layout, summary)
            ended = f"stopped by {stats.signal} after" if stats.stopped_by == "interrupt" else "processed"
            print(
                f"{ended} {stats.frames} frames at {summary['fps']} fps; "
                f"{sum(summary['tracks_per_class'].values())} tracks -> {layout.out_dir}",
                file=sys.stderr,
            )
    return 0
