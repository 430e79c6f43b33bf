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

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from detectors.registry import DEFAULT_DETECTOR, DETECTOR_SETTINGS, DetectorSettings
from tracker.capture import LiveSettings
from tracker.core.errors import UserError
from tracker.core.settings import StrictSettings
from tracker.counting import CountingSettings
from tracker.outputs.settings import OutputSettings
from tracker.resources import resolve_config
from tracker.scheduler import PipelineSettings
from tracker.trackers import DEFAULT_TRACKER, TRACKER_SETTINGS, TrackerSettings

# Implementations per tagged section; a section without ``name`` gets the default one.
IMPLEMENTATIONS: dict[str, tuple[type[BaseModel], ...]] = {"detector": DETECTOR_SETTINGS, "tracker": TRACKER_SETTINGS}
DEFAULT_NAMES = {"detector": DEFAULT_DETECTOR().name, "tracker": DEFAULT_TRACKER().name}
MAX_CONFIG_NODES = 10_000  # a config is a few dozen keys; a YAML alias bomb expands to billions
ECHO_LIMIT = 60  # characters of a bad value quoted back in an error


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


def _echo(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + "..."


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
        return f"{origin}: unknown {section} {_echo(first['input'].get('name'))} (choose from: {choices})"
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
    message = first["msg"].removeprefix("Value error, ")
    where = f"{key}: " if key else ""
    given = first.get("input")
    return f"{origin}: {where}{message}" + ("" if isinstance(given, dict) else f" (got {_echo(given)})")


def _known_keys(parents: list[str]) -> list[str]:
    if not parents:
        return list(Settings.model_fields)
    field = Settings.model_fields.get(parents[0])
    annotation = getattr(field, "annotation", None)
    return list(getattr(annotation, "model_fields", {})) if len(parents) == 1 else []


def _suggestion(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _count_nodes(tree: Any, budget: int) -> int:
    """Nodes in a YAML tree, stopping once past ``budget`` (aliases make shared subtrees)."""
    seen = 1
    stack = [tree]
    while stack and seen <= budget:
        node = stack.pop()
        children = list(node.values()) if isinstance(node, dict) else node if isinstance(node, list) else []
        seen += len(children)
        stack.extend(children)
    return seen


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


def read_config_tree(path: Path) -> dict[str, Any]:
    """The YAML mapping in ``path``, refused when it is not a bounded mapping."""
    try:
        tree = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise UserError(f"{path}: not valid YAML{where}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read config {path}: {getattr(error, 'strerror', None) or error}") from None
    if not isinstance(tree, dict):
        raise UserError(f"{path}: expected a mapping of sections at the top level")
    if _count_nodes(tree, MAX_CONFIG_NODES) > MAX_CONFIG_NODES:
        raise UserError(f"{path}: more than {MAX_CONFIG_NODES} values (YAML aliases expanding?); refused")
    return tree


def load_settings(config: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """The settings of ``config`` (a file, or a shipped config's name; default: the built-in
    defaults, which are ``configs/default.yaml``) with dotted-key ``overrides`` applied."""
    path = resolve_config(str(config)) if config is not None else None
    tree = read_config_tree(path) if path is not None else {}
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
