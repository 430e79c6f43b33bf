"""``CAMERAS.yaml``: the cameras of a ``tracker monitor`` run, validated strictly (an unknown key
or a duplicate name is one error naming the file)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from tracker.config import Settings, load_settings
from tracker.core.errors import UserError
from tracker.core.settings import StrictSettings, describe_validation_error, read_yaml_mapping

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Camera(StrictSettings):
    """One camera: its name (the output sub-folder), its source and its run settings."""

    name: str = Field(description="the camera's name and output sub-folder (letters, digits, _ . -)")
    source: str = Field(description="anything `tracker track` accepts: a file, a folder, a webcam index, a URL")
    config: str | None = Field(None, description="a config file or a shipped config's name (default: built-in)")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="settings over the config: dotted keys or nested sections"
    )
    max_frames: int | None = Field(None, ge=1, description="stop this camera after N frames")
    realtime: bool = Field(
        False,
        description="read a file or folder source at its own frame rate, as `tracker track --realtime` does "
        "(a rehearsal of a live camera; webcams and streams are paced by themselves)",
    )
    max_restarts: int = Field(10, ge=0, description="restarts after a crash or a lost stream before giving up")
    num_cpus: float = Field(1.0, gt=0, le=1024, description="with --ray: CPUs reserved for this camera")

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError("must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit")
        return name

    @field_validator("source", mode="before")
    @classmethod
    def _source_text(cls, source: Any) -> Any:
        return str(source) if isinstance(source, int) and not isinstance(source, bool) else source

    @property
    def live(self) -> bool:
        """A webcam or a stream: runs until stopped, restarted when it ends."""
        return self.source.isdigit() or "://" in self.source

    def dotted_overrides(self) -> dict[str, Any]:
        """``overrides`` as dotted keys (``counting: {lines: ...}`` -> ``counting.lines``)."""
        flat: dict[str, Any] = {}

        def walk(prefix: str, tree: dict[str, Any]) -> None:
            for key, value in tree.items():
                dotted = f"{prefix}{key}"
                if isinstance(value, dict) and value:
                    walk(dotted + ".", value)
                else:
                    flat[dotted] = value

        walk("", self.overrides)
        return flat

    def settings(self) -> Settings:
        return load_settings(self.config, self.dotted_overrides())


class CamerasFile(StrictSettings):
    cameras: list[Camera] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> CamerasFile:
        seen: set[str] = set()
        for camera in self.cameras:
            if camera.name in seen:
                raise ValueError(f"duplicate camera name '{camera.name}'")
            seen.add(camera.name)
        return self


def _relative_to(folder: Path, camera: Camera) -> Camera:
    """Relative file sources and config files are read from the cameras file's folder."""
    updates: dict[str, str] = {}
    if not camera.live and not Path(camera.source).expanduser().is_absolute():
        updates["source"] = str(folder / camera.source)
    if camera.config is not None and (folder / camera.config).is_file():
        updates["config"] = str(folder / camera.config)
    return camera.model_copy(update=updates)


def load_cameras(path: Path) -> list[Camera]:
    """The cameras of ``path``, each one's settings checked; any problem is one ``UserError``."""
    try:
        cameras = CamerasFile.model_validate(read_yaml_mapping(path)).cameras
    except ValidationError as error:
        raise UserError(describe_validation_error(error, str(path))) from None
    cameras = [_relative_to(path.parent, camera) for camera in cameras]
    for camera in cameras:
        try:
            camera.settings()
        except UserError as error:
            where = str(error).replace("command line: ", "overrides: ", 1)  # load_settings' name for them
            raise UserError(f"{path}: camera '{camera.name}': {where}") from None
        if not camera.live and not Path(camera.source).exists():
            raise UserError(f"{path}: camera '{camera.name}': source not found: {camera.source}")
    return cameras
