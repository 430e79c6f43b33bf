"""Shipped run configs are found by name from any folder; a path to a file always wins."""

from pathlib import Path

import pytest

from tracker.core.errors import UserError
from tracker.resources import resolve_config, shipped_config_names, shipped_configs_dir

TOP_LEVEL_CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_shipped_configs_are_the_top_level_configs():
    top_level = sorted(path.stem for path in TOP_LEVEL_CONFIGS.glob("*.yaml"))
    assert shipped_config_names() == top_level
    assert {"default", "traffic", "motion", "pedestrians", "vehicles"} <= set(top_level)
    assert (shipped_configs_dir() / "traffic.yaml").read_text() == (TOP_LEVEL_CONFIGS / "traffic.yaml").read_text()


@pytest.mark.parametrize("text", ["traffic", "traffic.yaml"])
def test_a_shipped_name_resolves_from_any_folder(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = resolve_config(text)
    assert path.is_file() and path.name == "traffic.yaml"
    assert path.parent.samefile(shipped_configs_dir())


def test_a_file_path_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("traffic.yaml").write_text("tracker: {name: kalman}\n")
    assert resolve_config("traffic.yaml") == Path("traffic.yaml")
    assert resolve_config(str(tmp_path / "traffic.yaml")) == tmp_path / "traffic.yaml"


@pytest.mark.parametrize("text", ["trafic", "configs/missing.yaml", ""])
def test_an_unknown_config_names_the_shipped_ones(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError) as error:
        resolve_config(text)
    assert f"config '{text}' is neither a file nor a shipped config" in str(error.value)
    assert "default, " in str(error.value) and "traffic" in str(error.value)
