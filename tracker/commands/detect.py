"""``tracker detect SOURCE -o DIR``: detection without tracking, as ``yolo predict`` users expect.

SOURCE is an image, a folder of images (searched recursively) or a video. DIR gets
``detections.csv`` (one row per box: ``image,frame,x1,y1,x2,y2,class,score``), flushed after
every image, and with ``--save-images`` the annotated images under ``DIR/images/``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.core.errors import UserError

if TYPE_CHECKING:
    import numpy as np

    from tracker.core.types import Detections

COLUMNS = ("image", "frame", "x1", "y1", "x2", "y2", "class", "score")
DETECTIONS = "detections.csv"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "detect",
        help="detect objects in an image, a folder of images or a video (no tracking)",
        description="Run the detector on every image (or every video frame) and write detections.csv.",
    )
    parser.add_argument("source", metavar="SOURCE", help="an image, a folder of images (recursive) or a video file")
    parser.add_argument(
        "-o", "--output", metavar="DIR", type=Path, help="folder for the outputs (default: runs/detect/<source name>)"
    )
    parser.add_argument("-c", "--config", metavar="CONFIG", help="YAML config file or a shipped config's name")
    parser.add_argument("--detector", help="detector name (detector.name), e.g. ssdlite, mobilenet, hog")
    parser.add_argument("--min-score", type=float, metavar="X", help="drop detections scoring below X")
    parser.add_argument("--classes", metavar="A,B", help="keep only these classes, e.g. person,car")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override any config setting (repeatable)")  # fmt: skip
    parser.add_argument("--save-images", action="store_true", help="also write annotated images to DIR/images/")
    parser.add_argument("--overwrite", action="store_true", help="replace the detections of an earlier run in DIR")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    parser.set_defaults(run=run)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from tracker.core.settings import parse_override

    overrides = dict(parse_override(text) for text in args.overrides)
    for key, value in (("detector.name", args.detector), ("detector.min_score", args.min_score)):
        if value is not None:
            overrides[key] = value
    if args.classes is not None:
        overrides["detector.classes"] = [name.strip() for name in args.classes.split(",") if name.strip()]
    return overrides


def _images(source: Path) -> Iterator[tuple[str, int | None, np.ndarray]]:
    """``(name relative to SOURCE, frame number or None, BGR image)`` for every input image; an
    image that cannot be read is skipped with a warning."""
    import cv2

    from tracker.capture import IMAGE_SUFFIXES, open_source

    if source.is_dir():
        paths = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not paths:
            raise UserError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in folder or its subfolders: {source}")
        names = [path.relative_to(source).as_posix() for path in paths]
    elif source.suffix.lower() in IMAGE_SUFFIXES:
        paths, names = [source], [source.name]
    else:
        with open_source(str(source)) as video:
            for frame in video:
                yield source.name, frame.index + 1, frame.image
        return
    for path, name in zip(paths, names):
        image = cv2.imread(str(path))
        if image is None:
            print(f"warning: cannot read image {path}: skipped", file=sys.stderr)
            continue
        yield name, None, image


def _saved_image_path(images_dir: Path, name: str, frame: int | None) -> Path:
    relative = Path(name).with_suffix(".jpg") if frame is None else Path(f"{Path(name).stem}_{frame:06d}.jpg")
    return images_dir / relative


def _drawn(image: np.ndarray, detections: Detections, class_names: tuple[str, ...]) -> np.ndarray:
    """A copy of ``image`` with a box and a ``class score`` tag per detection (coloured by class)."""
    import numpy as np

    from tracker.core.protocols import FrameResult
    from tracker.core.types import Frame, Tracks
    from tracker.outputs.annotators import BoxAnnotator, LabelAnnotator

    n = len(detections)
    boxes = Tracks(detections.class_ids + 1, detections.xyxy, detections.scores, detections.class_ids, np.ones(n, bool))
    result = FrameResult(Frame(0, 0.0, image), boxes, "scheduled")
    drawn = image.copy()
    for annotator in (BoxAnnotator(), LabelAnnotator(class_names, ("class", "score"))):
        annotator.annotate(drawn, result)
    return drawn


def run(args: argparse.Namespace) -> int:
    import cv2

    from detectors import build_detector
    from tracker.config import load_settings
    from tracker.core.types import Frame
    from tracker.outputs.layout import default_run_dir

    settings = load_settings(args.config, _overrides(args))
    source = Path(args.source)
    if not source.exists():
        raise UserError(f"source not found: {args.source}")
    out_dir = args.output if args.output is not None else default_run_dir("detect", args.source)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"output path exists and is not a folder: {out_dir}")
    if (out_dir / DETECTIONS).exists() and not args.overwrite:
        raise UserError(f"{out_dir} already holds {DETECTIONS}; use --overwrite or another -o")
    images = _images(source)
    first = next(images, None)  # a source that cannot be read fails before the model loads
    if first is None:
        raise UserError(f"no readable image or frame in {source}")
    detector = build_detector(settings.detector, source if source.is_dir() else source.parent)
    class_names = detector.class_names
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        partial = out_dir / f".{DETECTIONS}.partial"
        handle = partial.open("w", newline="")
    except OSError as error:
        raise UserError(f"cannot write to output folder {out_dir}: {error.strerror}") from None
    started, count, boxes = time.perf_counter(), 0, 0
    try:
        with handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for name, frame_number, image in itertools.chain([first], images):
                detections = detector.detect([Frame(count, 0.0, image)])[0]
                for (x1, y1, x2, y2), class_id, score in zip(
                    detections.xyxy.tolist(), detections.class_ids.tolist(), detections.scores.tolist()
                ):
                    row = (name, frame_number or "", f"{x1:.1f}", f"{y1:.1f}", f"{x2:.1f}", f"{y2:.1f}")
                    writer.writerow((*row, class_names[class_id], f"{score:.4f}"))
                handle.flush()
                if args.save_images:
                    path = _saved_image_path(out_dir / "images", name, frame_number)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(path), _drawn(image, detections, class_names))
                count += 1
                boxes += len(detections)
    finally:  # the rows written so far are kept, also after Ctrl-C or an error
        partial.replace(out_dir / DETECTIONS)
    if not args.quiet:
        seconds = time.perf_counter() - started
        print(f"{boxes} detections in {count} images ({count / max(seconds, 1e-9):.1f} per s) -> {out_dir}",
              file=sys.stderr)  # fmt: skip
    return 0
