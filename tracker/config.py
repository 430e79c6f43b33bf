"""A run's settings: one typed, validated model assembled from the parts that own them.

Each section is defined next to the code that reads it: ``detector`` (one model per detector,
``detectors/``), ``tracker`` (one per tracker, ``tracker/trackers/``), ``pipeline``
(``tracker/scheduler.py``), ``output`` (``tracker/outputs/settings.py``), ``counting``
(``tracker/counting.py``) and ``live`` (``tracker/capture.py``). The built-in defaults are the
shipped default: an empty config file runs exactly what no config runs. An unknown key, a key
that does not apply to the chosen detector or tracker, or a wrong type is an error that names
the key and where it came from.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, Field, ValidationError, model_validator

from detectors.registry import DEFAULT_DETECTOR, DETECTOR_SETTINGS, DetectorSettings
from tracker.capture import LiveSettings
from tracker.core.errors import UserError
from tracker.core.settings import StrictSettings, describe_validation_error, echo, parse_override, read_yaml_mapping
from tracker.counting import CountingSettings
from tracker.outputs.settings import OutputSettings
from tracker.resources import resolve_config
from tracker.scheduler import PipelineSettings
from tracker.trackers import DEFAULT_TRACKER, TRACKER_SETTINGS, TrackerSettings

# Implementations per tagged section; a section without ``name`` gets the default one.
IMPLEMENTATIONS: dict[str, tuple[type[BaseModel], ...]] = {"detector": DETECTOR_SETTINGS, "tracker": TRACKER_SETTINGS}
DEFAULT_NAMES = {"detector": DEFAULT_DETECTOR().name, "tracker": DEFAULT_TRACKER().name}


class Settings(StrictSettings):
    """Every setting of a run, by section."""

    detector: DetectorSettings = Field(default_factory=DEFAULT_DETECTOR)
    tracker: TrackerSettings = Field(default_factory=DEFAULT_TRACKER)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    output: OutputSettings = Field(default_factory=OutputSettings)
    counting: CountingSettings = Field(default_factory=CountingSettings)
    live: LiveSettings = Field(default_factory=LiveSettings)

    @model_validator(mode="before")
    @classmethod
    def _default_implementation(cls, data: Any) -> Any:
        """A ``detector`` or ``tracker`` section without ``name`` configures the default one."""
        if isinstance(data, dict):
            for section, name in DEFAULT_NAMES.items():
                if isinstance(data.get(section), dict) and "name" not in data[section]:
                    data = {**data, section: {"name": name, **data[section]}}
        return data


def _implementation_keys(section: str, name: str) -> list[str]:
    for model in IMPLEMENTATIONS[section]:
        if model.model_fields["name"].default == name:
            return list(model.model_fields)
    return []


def _describe_error(error: ValidationError, origin_of: Any) -> str:
    """The first validation error as one line naming the key and where it was set."""
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    section = loc[0] if loc else ""
    name = None
    if (
        section in IMPLEMENTATIONS
        and len(loc) > 1
        and loc[1] not in ("name",)
        and _implementation_keys(section, loc[1])
    ):
        name = loc.pop(1)  # the union's tag, not a key
    key = ".".join(loc)
    origin = origin_of(key)
    if first["type"] == "union_tag_invalid":
        choices = ", ".join(model.model_fields["name"].default for model in IMPLEMENTATIONS[section])
        return f"{origin}: unknown {section} {echo(first['input'].get('name'))} (choose from: {choices})"
    if first["type"] == "extra_forbidden":
        leaf = loc[-1]
        if name is not None:
            owners = [m.model_fields["name"].default for m in IMPLEMENTATIONS[section] if leaf in m.model_fields]
            valid = [k for k in _implementation_keys(section, name) if k != "name"]
            if not owners:
                return f"{origin}: unknown key '{key}' for {section} '{name}'{_suggestion(leaf, valid)}"
            return (
                f"{origin}: {key} does not apply to {section} '{name}' (its keys: {', '.join(valid)}); "
                f"it is a key of: {', '.join(owners)}"
            )
        return f"{origin}: unknown key '{key}'{_suggestion(leaf, _known_keys(loc[:-1]))}"
    return describe_validation_error(error, origin, key)


def _known_keys(parents: list[str]) -> list[str]:
    if not parents:
        return list(Settings.model_fields)
    field = Settings.model_fields.get(parents[0])
    annotation = getattr(field, "annotation", None)
    return list(getattr(annotation, "model_fields", {})) if len(parents) == 1 else []


def _suggestion(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _set_dotted(tree: dict[str, Any], dotted_key: str, value: Any) -> None:
    *parents, leaf = dotted_key.split(".")
    node = tree
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise UserError(f"override {dotted_key}: '{part}' is not a section")
        node = child
    node[leaf] = value


def load_settings(config: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """The settings of ``config`` (a file, or a shipped config's name; default: the built-in
    defaults, which are ``configs/default.yaml``) with dotted-key ``overrides`` applied."""
    path = resolve_config(str(config)) if config is not None else None
    tree = read_yaml_mapping(path) if path is not None else {}
    overrides = overrides or {}
    for key, value in overrides.items():
        _set_dotted(tree, key, value)

    def origin_of(key: str) -> str:
        from_command_line = any(
            key == set_key or key.startswith(set_key + ".") or set_key.startswith(key + ".") for set_key in overrides
        )
        return "command line" if from_command_line or path is None else str(path)

    try:
        return Settings.model_validate(tree)
    except ValidationError as error:
        raise UserError(_describe_error(error, origin_of)) from None


def describe_settings() -> str:
    """Every setting as ``section.key (default X): description``, for ``--help``; the
    detector and tracker sections list each implementation's own keys."""
    lines = []
    for section, field in Settings.model_fields.items():
        models = IMPLEMENTATIONS.get(section) or (cast(type[BaseModel], field.annotation),)
        for model in models:
            tag = model.model_fields.get("name")
            if tag is not None:
                default = " (default)" if tag.default == DEFAULT_NAMES[section] else ""
                summary = (model.__doc__ or "").strip().split(": ", 1)[-1]
                lines.append(f"  {section}.name: {tag.default}{default} - {summary}")
            for key, info in model.model_fields.items():
                if key == "name":
                    continue
                default_value = info.default_factory() if info.default_factory else info.default  # type: ignore[call-arg]
                indent = "      " if tag is not None else "  "
                lines.append(f"{indent}{section}.{key} (default {default_value!r}): {info.description}")
    return "\n".join(lines)


def settings_as_dict(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json")


__all__ = ["Settings", "describe_settings", "load_settings", "parse_override", "settings_as_dict"]
