"""The run configs that ship inside the package, found where the package is installed.

``configs/*.yaml`` at the top of the repository is packaged as ``tracker/configs`` (a link in the
checkout, real files in a wheel), so ``-c traffic`` works from any folder after ``pip install``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from tracker.core.errors import UserError

CONFIG_SUFFIX = ".yaml"


def shipped_configs_dir() -> Path:
    """The folder of the shipped run configs (the package is installed unpacked, never zipped)."""
    return Path(str(files("tracker") / "configs"))


def shipped_config_names() -> list[str]:
    """Names of the shipped run configs, without ``.yaml``, sorted."""
    return sorted(path.stem for path in shipped_configs_dir().glob(f"*{CONFIG_SUFFIX}"))


def resolve_config(text: str) -> Path:
    """``text`` as a config file: an existing file's path, else a shipped config's name with or
    without ``.yaml`` (``traffic``, ``traffic.yaml``)."""
    path = Path(text).expanduser()
    if path.is_file():
        return path
    name = text.removesuffix(CONFIG_SUFFIX)
    if name in shipped_config_names():
        return shipped_configs_dir() / f"{name}{CONFIG_SUFFIX}"
    raise UserError(
        f"config '{text}' is neither a file nor a shipped config (shipped: {', '.join(shipped_config_names())})"
    )
