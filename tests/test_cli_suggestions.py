"""A mistyped option, --set key or config key gets the sub-command's usage and a "did you mean"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli


def test_unknown_option_shows_the_subcommands_usage_and_a_suggestion() -> None:
    result = run_cli("track", "videos/vtest.avi", "--detect-evry", "3")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: tracker track "), result.stderr
    assert "did you mean --detect-every?" in result.stderr
    assert "detector.name" not in result.stderr  # the usage line, not the full settings help


def test_unknown_eval_option() -> None:
    result = run_cli("eval", "--gt", "a", "--pred", "b", "--jsn")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: tracker eval "), result.stderr
    assert "did you mean --json?" in result.stderr


@pytest.mark.parametrize(
    ("override", "suggestion"),
    [
        ("trackr.max_age_s=5", "did you mean 'tracker'?"),
        ("tracker.max_age=5", "did you mean 'max_age_s'?"),
        ("pipeline.detect_evry=2", "did you mean 'detect_every'?"),
    ],
)
def test_set_key_suggestions(tmp_path: Path, override: str, suggestion: str) -> None:
    result = run_cli("track", "videos/vtest.avi", "-o", str(tmp_path / "out"), "--set", override)
    assert result.returncode == 2
    assert result.stderr.startswith("error: command line: unknown key") and suggestion in result.stderr


def test_config_section_suggestion(tmp_path: Path) -> None:
    config = tmp_path / "typo.yaml"
    config.write_text("pipline:\n  detect_every: 2\n")
    result = run_cli("track", "videos/vtest.avi", "-o", str(tmp_path / "out"), "-c", str(config))
    assert result.returncode == 2 and "did you mean 'pipeline'?" in result.stderr
