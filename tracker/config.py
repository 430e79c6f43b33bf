"""Typed, validated settings loaded from a YAML file in ``configs/`` plus command-line overrides.

Every setting has a default, so a config file only needs the keys it changes. Unknown keys
and wrong types are errors that name the key and the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracker.errors import UserError

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
    batch_size: int = Field(1, gt=0, description="frames per detector call when reading files")
    det_file: Path | None = Field(
        None, description="motfile: MOTChallenge det.txt (default: SOURCE/../det/det.txt)")
    weights: Path | None = Field(None, description="weights file for detectors trained by this project")
    hog_width: int = Field(640, gt=0, description="hog: frames are resized to this width before the scan")
    min_area: int = Field(400, ge=0, description="motion: smallest blob area in pixels")
    candidates: Literal["windows", "motion"] = Field(
        "windows", description="smallervgg: candidate regions, 'windows' (multi-scale search, any camera) "
                               "or 'motion' (moving blobs, fixed cameras only)")

class TrackerSettings(_Strict):
    name: str = Field("centroid", description="tracker: centroid or dlib")
    max_disappeared: int = Field(
        30, ge=0, description="frames a track survives without a matching detection")
    confirm_hits: int = Field(
        3, ge=1, description="detections a track needs before it gets a public id")
    max_distance: float = Field(
        0.6, gt=0, description="centroid: match gate, in units of the track box's diagonal")
    min_iou: float = Field(0.3, ge=0, le=1, description="dlib: least IoU to match a detection to a track")
    min_confidence: float = Field(
        7.0, description="dlib: peak-to-sidelobe ratio under which the detector runs early")
    downscale: float = Field(
        1.0, gt=0, le=1, description="dlib: track on frames scaled by this factor (0.5 = half size)")

class PipelineSettings(_Strict):
    detect_every: int = Field(10, ge=1, description="run the detector every N frames (1 = every frame)")
    redetect_on_low_confidence: bool = Field(
        True, description="run the detector early when a tracker's confidence drops")
    redetect_on_exit: bool = Field(True, description="run the detector early when a track leaves the frame")

class OutputSettings(_Strict):
    video: bool = Field(True, description="write annotated.mp4")
    codec: str = Field("mp4v", min_length=4, max_length=4, description="FourCC of the annotated video")
    trail: int = Field(20, ge=0, description="points in each track's drawn trail")
    fps: float | None = Field(None, gt=0, description="frame rate of the output (default: the source's)")

class Settings(_Strict):
    detector: DetectorSettings = DetectorSettings()
    tracker: TrackerSettings = TrackerSettings()
    pipeline: PipelineSettings = PipelineSettings()
    output: OutputSettings = OutputSettings()

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
            lines.append(f"  {section_name}.{key} (default {field.default!r}): {field.description}")
    return "\n".join(lines)

def settings_as_dict(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json")
