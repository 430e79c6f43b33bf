"""The base of every settings model: strict (an unknown key is an error), finite (NaN and
infinity are refused), and the part common to every detector's settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tracker.core.protocols import Detector


class StrictSettings(BaseModel):
    """Settings that refuse unknown keys, wrong types, NaN and infinity."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class DetectorSettingsBase(StrictSettings):
    """What every detector takes; each implementation adds its own keys and a ``name`` tag."""

    name: str
    min_score: float = Field(0.5, ge=-1e6, le=1e6, description="drop detections scoring below this")
    classes: list[str] | None = Field(None, description="keep only these class names (default: all)")

    def build(self, source: Path | None) -> Detector:
        """The detector these settings describe; ``source`` is the video or image folder being
        processed (``motfile`` finds its ``det.txt`` beside it)."""
        raise NotImplementedError
