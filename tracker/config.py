"""Typed, validated settings loaded from a YAML file in ``configs/`` plus command-line overrides.

Every setting has a default, so a config file only needs the keys it changes. Unknown keys
and wrong types are errors that name the key and the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tracker.core.errors import UserError

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

class DetectorSettings(_Strict):
    name: str = Field(
        "ssdlite", description="detector: ssdlite, hog, motfile, motion, smallervgg, mobilenet (see detectors/)")
    min_score: float = Field(0.5, description="drop detections scoring below this")
    classes: list[str] | None = Field(None, description="keep only these class names (default: all)")
    input_width: int = Field(300, gt=0, description="network input width in pixels (CNN detectors)")
    input_height: int = Field(300, gt=0, description="network input height in pixels (CNN detectors)")
    runtime: str = Field("tflite", description="ssdlite: tflite (CPU, XNNPACK) or tf (batched tf.function, GPU)")
    threads: int = Field(0, ge=0, description="ssdlite tflite: CPU threads for the network (0 = all cores)")
    det_file: Path | None = Field(
        None, description="motfile: MOTChallenge det.txt (default: SOURCE/../det/det.txt)")
    weights: Path | None = Field(None, description="weights file for detectors trained by this project")
    hog_width: int = Field(640, gt=0, description="hog: frames are resized to this width before the scan")
    min_area: int = Field(400, ge=0, description="motion: smallest blob area in pixels")
    candidates: Literal["windows", "motion"] = Field(
        "windows", description="smallervgg: candidate regions, 'windows' (multi-scale search, any camera) "
                               "or 'motion' (moving blobs, fixed cameras only)")

class TrackerSettings(_Strict):
    name: str = Field(
        "centroid", description="tracker: centroid, dlib, kalman, bytetrack or bytetrack-dlib (see tracker/trackers/)")
    max_disappeared: int = Field(
        30, ge=0, description="frames a track survives without a matching detection")
    confirm_hits: int = Field(
        3, ge=1, description="detections a track needs before it gets a public id")
    max_distance: float = Field(
        0.6, gt=0, description="centroid: match gate, in units of the track box's diagonal")
    min_iou: float = Field(0.3, ge=0, le=1, description="dlib: least IoU to match a detection to a track")
    min_confidence: float = Field(
        5.0, description="dlib, bytetrack-dlib: peak-to-sidelobe ratio under which a correlation tracker counts as "
        "lost (dlib: the detector runs early); on real footage locked trackers mostly read 6-10")
    downscale: float = Field(
        1.0, gt=0, le=1, description="dlib: track on frames scaled by this factor (0.5 = half size)")
    max_cost: float = Field(
        1.0, gt=0, lt=2, description="kalman, bytetrack: match gate on 1 - IoU + (centre distance / "
        "enclosing box diagonal)^2; under 1 the boxes must overlap, up to 2 they may be apart")
    high_score: float = Field(
        0.5, ge=0, le=1, description="bytetrack: detections scoring at least this are matched first and "
        "start tracks; lower ones (down to detector.min_score) only keep the tracks left over alive")
    appearance_gate: float | None = Field(
        None, gt=0, le=1, description="bytetrack, bytetrack-dlib: a lost track only takes a detection whose "
        "colour histograms are within this Bhattacharyya distance of its own (0.4 measured best; off by default: "
        "it helps when the detector runs on every frame, see docs/tracking-benchmark.md)")

class PipelineSettings(_Strict):
    detect_every: int = Field(10, ge=1, description="run the detector every N frames (1 = every frame)")
    redetect_on_low_confidence: bool = Field(
        True, description="run the detector early when a tracker's confidence drops")
    redetect_on_exit: bool = Field(True, description="run the detector early when a track leaves the frame")
    redetect_on_tentative: bool = Field(
        True, description="run the detector on the next frame while a new track waits for confirmation")
    max_detect_gap_s: float | None = Field(
        None, gt=0, description="never leave more than this many seconds of video between detections: "
                                "caps detect_every on low-frame-rate sources (e.g. 0.25: every 5th frame "
                                "at 25 fps, every frame at 7 fps)")
    lag_frames: int = Field(
        0, ge=0, description="hold each frame's tracks this many frames before writing them, and revise them "
        "meanwhile: boxes between two detections are interpolated, a track the detector missed for a few frames "
        "is filled in, a new track shows from its first detection. Outputs (and --serve) run this many frames "
        "behind; 0 writes each frame as soon as it is tracked")

class OutputSettings(_Strict):
    video: bool = Field(True, description="write annotated.mp4")
    codec: str = Field("mp4v", min_length=4, max_length=4, description="FourCC of the annotated video")
    trail: int = Field(20, ge=0, description="points in each track's drawn trail")
    fps: float | None = Field(None, gt=0, description="frame rate of the output (default: the source's)")
    rotate_minutes: float | None = Field(
        None, gt=0, description="start new numbered output files (tracks.0001.txt, ...) every this many minutes")
    rotate_mb: float | None = Field(
        None, gt=0, description="start new numbered output files when the current ones reach this many MB")

class CountingLine(_Strict):
    name: str = Field(description="name used in events.jsonl and summary.json")
    points: list[tuple[float, float]] = Field(
        min_length=2, max_length=2, description="the segment's two end points [[x1, y1], [x2, y2]] in pixels")

    @model_validator(mode="after")
    def _has_length(self) -> CountingLine:
        if self.points[0] == self.points[1]:
            raise ValueError(f"line '{self.name}': its two points are the same")
        return self

class CountingZone(_Strict):
    name: str = Field(description="name used in events.jsonl and summary.json")
    polygon: list[tuple[float, float]] = Field(min_length=3, description="corners [[x, y], ...] in pixels")

class CountingSettings(_Strict):
    lines: list[CountingLine] = Field(
        default_factory=list,
        description="counting segments [{name, points: [[x1,y1],[x2,y2]]}]; 'in' = crossing to the right-hand "
                    "side walking from the first point to the second (a line drawn left to right: moving down)")
    zones: list[CountingZone] = Field(
        default_factory=list, description="zones [{name, polygon: [[x,y],...]}]: inside now, entries, exits, dwell")
    anchor: Literal["bottom_center", "center"] = Field(
        "bottom_center", description="the point of each box that crosses lines and enters zones")
    min_frames_each_side: int = Field(
        3, ge=1, description="frames a track must spend on each side of a line (or in/out of a zone) to count")
    count_at_track_end: bool = Field(
        True, description="count a crossing whose track ends on the far side sooner (lines near the frame edge)")

    @model_validator(mode="after")
    def _unique_names(self) -> CountingSettings:
        names = [item.name for item in (*self.lines, *self.zones)]
        if duplicates := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"line and zone names must differ: {', '.join(duplicates)} used twice")
        return self

class LiveSettings(_Strict):
    open_timeout_s: float = Field(10.0, gt=0, description="live sources: give up opening (or reopening) after this")
    read_timeout_s: float = Field(5.0, gt=0, description="live sources: a read stalled this long counts as a lost stream")
    reconnect_initial_s: float = Field(0.5, gt=0, description="live sources: first wait before reconnecting")
    reconnect_max_s: float = Field(10.0, gt=0, description="live sources: longest wait between reconnects (doubling)")
    give_up_after_s: float | None = Field(
        None, gt=0, description="live sources: end the run after this long without frames (default: retry forever)")

class Settings(_Strict):
    detector: DetectorSettings = DetectorSettings()
    tracker: TrackerSettings = TrackerSettings()
    pipeline: PipelineSettings = PipelineSettings()
    output: OutputSettings = OutputSettings()
    counting: CountingSettings = CountingSettings()
    live: LiveSettings = LiveSettings()

def _format_validation_error(error: ValidationError, origin: str) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"{origin}: unknown key '{key}'"
    return f"{origin}: {key}: {first['msg']} (got {first.get('input')!r})"

def _set_dotted(tree: dict[str, Any], dotted_key: str, value: Any) -> None:
    *parents, leaf = dotted_key.split(".")
    node = tree
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise UserError(f"override {dotted_key}: '{part}' is not a section")
        node = child
    node[leaf] = value

def parse_override(text: str) -> tuple[str, Any]:
    """``"tracker.max_disappeared=50"`` -> ``("tracker.max_disappeared", 50)`` (value read as YAML)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise UserError(f"override '{text}' is not KEY=VALUE (e.g. tracker.max_disappeared=50)")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key.strip(), value

def load_settings(path: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Read ``path`` (default ``configs/default.yaml``) and apply dotted-key ``overrides``."""
    path = Path(path) if path is not None else DEFAULT_CONFIG
    if not path.is_file():
        raise UserError(f"config file not found: {path}")
    try:
        tree = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise UserError(f"{path}: not valid YAML{where}") from None
    if not isinstance(tree, dict):
        raise UserError(f"{path}: expected a mapping of sections at the top level")
    try:
        Settings.model_validate(tree)
    except ValidationError as error:
        raise UserError(_format_validation_error(error, str(path))) from None
    for key, value in (overrides or {}).items():
        _set_dotted(tree, key, value)
    try:
        return Settings.model_validate(tree)
    except ValidationError as error:
        raise UserError(_format_validation_error(error, "command line")) from None

def describe_settings() -> str:
    """Every setting as ``section.key (default): description``, for ``--help``."""
    lines = []
    for section_name, section_field in Settings.model_fields.items():
        model: type[BaseModel] = section_field.annotation  # type: ignore[assignment]
        for key, field in model.model_fields.items():
            default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
            lines.append(f"  {section_name}.{key} (default {default!r}): {field.description}")
    return "\n".join(lines)

def settings_as_dict(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json")
