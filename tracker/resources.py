"""Files shipped inside the package: the run configs (``configs/*.yaml`` in the repository)."""

from __future__ import annotations

from pathlib import Path

from tracker.core.errors import UserError

CONFIGS_DIR = Path(__file__).resolve().parent.parent / "configs"


def shipped_configs_dir() -> Path:
    return CONFIGS_DIR


def shipped_config_names() -> list[str]:
    return sorted(path.stem for path in shipped_configs_dir().glob("*.yaml"))


def resolve_config(text: str) -> Path:
    """A config file's path, or a shipped config's name (``traffic`` or ``traffic.yaml``)."""
    path = Path(text)
    if path.is_file():
        return path
    name = path.name if path.suffix == ".yaml" else f"{path.name}.yaml"
    if path.parent == Path(".") and (shipped := shipped_configs_dir() / name).is_file():
        return shipped
    raise UserError(f"config file not found: {text} (shipped configs: {', '.join(shipped_config_names())})")
