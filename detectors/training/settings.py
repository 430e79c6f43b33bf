"""Training settings, read from YAML under ``configs/`` (``configs/train_*.yaml``).

Every key has a default; unknown keys and wrong types are one-line ``UserError``s.
Relative data paths are relative to the shared data folder (``../shared/data``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracker.core.errors import UserError
from tracker.core.settings import describe_validation_error, read_yaml_mapping


class _TrainSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    output_dir: Path = Field(Path("detectors/weights"), description="where the .keras, .tflite, curves PNG go")
    log_dir: Path = Field(Path("runs"), description="TensorBoard logs and checkpoints (not committed)")
    seed: int = Field(7, description="fixes the train/validation split and the shuffling")
    batch_size: int = Field(32, gt=0)
    epochs: int = Field(30, gt=0, description="upper bound; early stopping and max_minutes may end sooner")
    learning_rate: float = Field(1e-3, gt=0)
    patience: int = Field(6, ge=1, description="early stopping: epochs without val_loss improvement")
    max_minutes: float = Field(15.0, gt=0, description="stop after this many minutes of training (CPU budget)")
    subset: int | None = Field(None, gt=0, description="use only this many samples per source (quick runs, tests)")
    export_tflite: bool = Field(True, description="also write a TensorFlow Lite model")


class SmallerVGGTrainSettings(_TrainSettings):
    name: str = Field("smallervgg", description="file stem of the outputs")
    val_fraction: float = Field(0.15, gt=0, lt=1, description="share of the training data held out for validation")
    patch_size: int = Field(32, ge=16, description="classifier input: patches are resized to this square")
    vehicle_crops: Path = Field(Path("train/crops-vehicles"), description="vehicles/ and non-vehicles/ 64x64 crops")
    person_crops: Path = Field(Path("train/crops-person/person"), description="INRIA 96x160 person crops")
    traffic_frames: Path = Field(Path("train/traffic-voc/train"), description="VOC-labelled frames")
    max_crops_per_folder: int = Field(3000, gt=0, description="cap on crops-vehicles images per class")
    mined_backgrounds: int = Field(4000, ge=0, description="background patches cut from traffic frames")
    near_miss_backgrounds: int = Field(1500, ge=0, description="patches overlapping an object by IoU < 0.3")
    init_weights: Path | None = Field(None, description="start from this checkpoint and skip the first round")
    hard_negative_epochs: int = Field(4, ge=0, description="epochs of the second round (0 = no mining)")
    hard_negative_traffic_frames: int = Field(40, ge=0, description="traffic-voc/train frames scanned for mining")
    hard_negative_mot_clips: list[Path] = Field(
        [Path("mot/TUD-Campus"), Path("mot/PETS09-S3-MF1")],
        description="MOT clips whose FIRST HALF is scanned for mining (the second half is held out)",
    )
    hard_negative_every: int = Field(3, ge=1, description="scan every Nth frame of those clip halves")
    hard_negative_per_frame: int = Field(150, gt=0, description="most mined patches per frame")
    hard_negative_min_score: float = Field(0.5, description="object score from which a window counts as hard")
    window_input_width: int = Field(
        480, gt=0, description="frame width the window search runs at (as detector.input_width)"
    )
    window_input_height: int = Field(270, gt=0, description="frame height the window search runs at")


class MobileNetTrainSettings(_TrainSettings):
    name: str = Field("mobilenet", description="file stem of the outputs")
    annotations: Path = Field(
        Path("train/detection/annotations.csv"), description="multi-camera boxes; its split column picks train/val"
    )
    extra_voc_folders: list[Path] = Field(
        [Path("train/traffic-voc/train")], description="more training frames as VOC jpg + xml folders"
    )
    input_width: int = Field(512, gt=0, description="network input width at inference (multiple of 32)")
    input_height: int = Field(288, gt=0, description="network input height at inference (multiple of 32)")
    alpha: float = Field(1.0, gt=0, description="MobileNetV2 width multiplier (1.0 for the SSDLite backbone)")
    head_channels: int = Field(64, gt=0, description="channels of the FPN and CenterNet heads")
    output_stride: Literal[4, 8] = Field(8, description="stride of the heatmaps (8: objects from about 8 px)")
    backbone_init: Literal["ssdlite", "scratch"] = Field(
        "ssdlite", description="ssdlite: start from the MobileNetV2 inside SSDLite's frozen graph; scratch: random"
    )
    frozen_blocks: int = Field(
        6, ge=0, le=14, description="backbone blocks kept frozen (stem + block_1..N-1); 0 trains everything"
    )
    train_crop: int = Field(
        256, gt=0, description="side of the square crops trained on (multiple of 32), at the inference scale"
    )
    repeat_threshold: float = Field(
        0.3, ge=0, le=1, description="class balance: images with a class rarer than this share are repeated"
    )
    warmup_steps: int = Field(150, ge=0, description="linear learning-rate warm-up before the cosine decay")
    steps_per_epoch: int = Field(100, gt=0, description="augmented batches per epoch")
    init_weights: Path | None = Field(None, description="start from this checkpoint (continue a bounded run)")
    data_workers: int = Field(2, ge=0, description="workers preparing augmented batches (0: in the training loop)")
    data_processes: bool = Field(False, description="workers are processes, not threads (for many cores)")


SettingsT = TypeVar("SettingsT", bound=_TrainSettings)


def load_train_settings(path: Path, model: type[SettingsT], overrides: dict[str, Any] | None = None) -> SettingsT:
    """Read ``path`` into ``model``; ``overrides`` (key -> value) win over the file."""
    if not Path(path).is_file():
        raise UserError(f"training config not found: {path}")
    tree = read_yaml_mapping(Path(path))
    tree.update(overrides or {})
    try:
        return model.model_validate(tree)
    except ValidationError as error:
        raise UserError(describe_validation_error(error, str(path))) from None
