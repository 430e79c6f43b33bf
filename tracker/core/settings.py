"""The base of every settings model: strict (an unknown key is an error), finite (NaN and
infinity are refused), and the part common to every detector's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracker.core.errors import UserError
from tracker.core.protocols import Detector

MAX_CONFIG_NODES = 10_000  # a config is a few dozen keys; a YAML alias bomb expands to billions
ECHO_LIMIT = 60  # characters of a bad value quoted back in an error


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


def echo(value: Any) -> str:
    """``repr(value)``, cut short: an error message never quotes a huge value back."""
    text = repr(value)
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + "..."


def describe_validation_error(error: ValidationError, origin: str, key: str | None = None) -> str:
    """The first validation error as one line: where, which key (default: its location), what is wrong."""
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) if key is None else key
    if first["type"] == "extra_forbidden":
        return f"{origin}: unknown key '{key}'"
    given = first.get("input")
    where = f"{key}: " if key else ""
    message = first["msg"].removeprefix("Value error, ")
    return f"{origin}: {where}{message}" + ("" if isinstance(given, dict) else f" (got {echo(given)})")


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


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """The YAML mapping in ``path``; a missing, unreadable, invalid, non-mapping or runaway
    (alias-bomb) file is a ``UserError``."""
    try:
        tree = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise UserError(f"{path}: not valid YAML{where}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read config {path}: {getattr(error, 'strerror', None) or error}") from None
    if not isinstance(tree, dict):
        raise UserError(f"{path}: expected a mapping of keys at the top level")
    if _count_nodes(tree, MAX_CONFIG_NODES) > MAX_CONFIG_NODES:
        raise UserError(f"{path}: more than {MAX_CONFIG_NODES} values (YAML aliases expanding?); refused")
    return tree


def parse_override(text: str) -> tuple[str, Any]:
    """``"tracker.max_age_s=2.5"`` -> ``("tracker.max_age_s", 2.5)`` (value read as YAML)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise UserError(f"override '{text}' is not KEY=VALUE (e.g. tracker.max_age_s=2.5)")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key.strip(), value
