"""A wheel built from the checkout holds everything ``tracker track`` needs (code, weights, run
configs) and works installed outside the repository (what ``pip install .`` and pipx give)."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

BUILD_INPUTS = ["pyproject.toml", "README.md", "tracker", "detectors", "configs"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built offline from a clean copy of the checkout (no stale build/ folder)."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        if (REPO / name).is_dir():
            shutil.copytree(
                REPO / name, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("tracker-*.whl")
    return built


@pytest.fixture(scope="module")
def site(wheel, tmp_path_factory) -> Path:
    """The wheel installed into a bare folder (its dependencies come from this interpreter's venv)."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    return target


def _run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``python ARGS`` from ``cwd`` with only the installed package (not the checkout) importable."""
    return subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _repo_files(folder: str, pattern: str) -> set[str]:
    return {
        path.relative_to(REPO).as_posix() for path in (REPO / folder).rglob(pattern) if "__pycache__" not in path.parts
    }


@pytest.mark.slow
def test_the_wheel_holds_the_code_the_weights_and_the_run_configs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert _repo_files("tracker", "*.py") | _repo_files("detectors", "*.py") <= names
    weights = _repo_files("detectors/weights", "*")
    assert weights and weights <= names
    configs = {f"tracker/configs/{path.name}" for path in (REPO / "configs").glob("*.yaml")}
    assert "tracker/configs/traffic.yaml" in configs and configs <= names


@pytest.mark.slow
def test_the_installed_package_finds_its_configs_and_weights_outside_the_repository(site, tmp_path):
    script = (
        "import tracker; from tracker.resources import resolve_config; "
        "from detectors.keras_runtime import WEIGHTS_DIR; "
        "print(tracker.__file__); print(resolve_config('traffic')); print(WEIGHTS_DIR / 'mobilenet.keras')"
    )
    result = _run_installed(site, tmp_path, "-c", script)
    assert result.returncode == 0, result.stderr
    paths = [Path(line) for line in result.stdout.splitlines()]
    assert all(path.is_file() and path.is_relative_to(site) for path in paths), paths


@pytest.mark.slow
def test_the_installed_cli_starts_outside_the_repository(site, tmp_path):
    result = _run_installed(site, tmp_path, "-m", "tracker", "--help")
    assert result.returncode == 0, result.stderr
    assert "track" in result.stdout


@pytest.mark.slow
def test_the_installed_package_loads_shipped_configs_by_name_outside_the_repository(site, tmp_path):
    code = (
        "from tracker.config import load_settings; "
        "assert load_settings() == load_settings('default'); print(load_settings('traffic').detector.name)"
    )
    result = _run_installed(site, tmp_path, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "mobilenet"
