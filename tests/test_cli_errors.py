"""Bad input gives one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_cli


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_missing_source(tmp_path: Path) -> None:
    assert_one_line_error(
        run_cli("track", str(tmp_path / "nope.mp4"), "-o", str(tmp_path / "out")), "source not found", "nope.mp4"
    )


def test_folder_without_images(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no frames here")
    assert_one_line_error(run_cli("track", str(tmp_path / "empty"), "-o", str(tmp_path / "out")), "no images")


def test_corrupt_video(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.mp4"
    corrupt.write_bytes(np.random.default_rng(0).integers(0, 255, 50_000, dtype=np.uint8).tobytes())
    assert_one_line_error(run_cli("track", str(corrupt), "-o", str(tmp_path / "out")), "broken.mp4")


def test_text_file_as_video(tmp_path: Path) -> None:
    text = tmp_path / "clip.avi"
    text.write_text("this is not a video\n")
    assert_one_line_error(run_cli("track", str(text), "-o", str(tmp_path / "out")), "clip.avi")


@pytest.mark.parametrize(
    ("yaml_text", "fragments"),
    [
        ("tracker:\n  max_dissapeared: 5\n", ("unknown key", "tracker.max_dissapeared", "bad.yaml")),
        ("pipeline:\n  detect_every: often\n", ("pipeline.detect_every", "bad.yaml")),
        ("pipeline:\n  detect_every: 0\n", ("pipeline.detect_every", "bad.yaml")),
        ("detector: [ssdlite\n", ("not valid YAML", "bad.yaml")),
        ("- just\n- a list\n", ("bad.yaml", "mapping")),
    ],
)
def test_bad_config(tmp_path: Path, tiny_clip: Path, yaml_text: str, fragments: tuple[str, ...]) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(yaml_text)
    assert_one_line_error(run_cli("track", str(tiny_clip), "-o", str(tmp_path / "out"), "-c", str(config)), *fragments)


def test_missing_config(tmp_path: Path, tiny_clip: Path) -> None:
    assert_one_line_error(
        run_cli("track", str(tiny_clip), "-o", str(tmp_path / "o"), "-c", "nope.yaml"),
        "neither a file nor a shipped config",
    )


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (("--detector", "yolo"), "unknown detector 'yolo'"),
        (("--tracker", "magic"), "unknown tracker 'magic'"),
        (("--set", "tracker.max_age_s=lots"), "tracker.max_age_s"),
        (("--set", "nonsense"), "KEY=VALUE"),
        (("--detector", "motfile"), "det.txt"),
    ],
)
def test_bad_options(tmp_path: Path, tiny_clip: Path, flags: tuple[str, ...], fragment: str) -> None:
    assert_one_line_error(run_cli("track", str(tiny_clip), "-o", str(tmp_path / "out"), *flags), fragment)


def test_existing_outputs_are_not_overwritten(tmp_path: Path, tiny_clip: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "tracks.txt").write_text("1,1,0,0,10,10,1,-1,-1,-1\n")
    assert_one_line_error(run_cli("track", str(tiny_clip), "-o", str(out)), "--overwrite")
    assert (out / "tracks.txt").read_text() == "1,1,0,0,10,10,1,-1,-1,-1\n"
