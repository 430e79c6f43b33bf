"""Damaged and truncated video files: the source reads on past unreadable frames where the
decoder can, keeps frame numbers aligned to the container's, and says so (one stderr
warning, ``stats()``, ``end_reason``) when frames are missing."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import run_cli
from tests.synthetic import MovingBox, render, write_clip
from tracker.capture import open_source

SCENE = [MovingBox((10, 40), (2.0, 0), seed=1), MovingBox((250, 120), (-1.5, 0), seed=2)]
FRAMES = 200


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same scene as an MJPG .avi and an MPEG-4 .mp4 (a key frame every 12 frames)."""
    folder = tmp_path_factory.mktemp("damage")
    write_clip(folder / "scene.avi", SCENE, frames=FRAMES)
    writer = cv2.VideoWriter(str(folder / "scene.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 25.0, (320, 240))
    for t in range(FRAMES):
        writer.write(render(SCENE, t).image)
    writer.release()
    return {"avi": folder / "scene.avi", "mp4": folder / "scene.mp4"}


def read_all(path: Path) -> tuple[list, dict, str | None]:
    with open_source(str(path)) as source:
        frames = list(source)
        return frames, source.stats(), source.end_reason


def test_an_intact_video_reads_every_frame_without_a_warning(clips: dict[str, Path], capsys) -> None:
    frames, stats, end_reason = read_all(clips["mp4"])
    assert [f.index for f in frames] == list(range(FRAMES))
    assert stats == {"frames_expected": FRAMES, "frames_read": FRAMES, "frames_skipped": 0, "truncated": False}
    assert end_reason is None and "warning" not in capsys.readouterr().err


def test_a_damaged_middle_is_read_past_with_frame_numbers_kept_in_step(
    clips: dict[str, Path], tmp_path: Path, capsys
) -> None:
    data = bytearray(clips["mp4"].read_bytes())
    middle, length = len(data) // 2, len(data) // 20
    data[middle : middle + length] = bytes(length)  # 5% zeroed: the decoder fails on a dozen frames
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    frames, stats, end_reason = read_all(damaged)
    indices = [f.index for f in frames]
    assert 100 < len(frames) < FRAMES and indices[-1] == FRAMES - 1  # read to the end, not stopped at the damage
    assert all(b > a for a, b in itertools.pairwise(indices)) and indices != list(range(len(frames)))
    assert all(f.time_s == pytest.approx(f.index / 25.0) for f in frames)
    # the last frame is the scene's last frame, not the one its read count would name
    last = frames[-1].image.astype(int)
    assert (
        np.abs(last - render(SCENE, FRAMES - 1).image).mean()
        < np.abs(last - render(SCENE, len(frames) - 1).image).mean()
    )
    assert stats == {
        "frames_expected": FRAMES,
        "frames_read": len(frames),
        "frames_skipped": FRAMES - len(frames),
        "truncated": True,
    }
    assert end_reason is None  # it reached the container's end
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and f"{len(frames)} of {FRAMES} frames" in warnings[0]


def test_a_truncated_video_warns_and_ends_the_run_as_truncated(clips: dict[str, Path], tmp_path: Path) -> None:
    data = clips["avi"].read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) * 2 // 5])  # `head -c`: the last 60% of the frames are gone
    frames, stats, end_reason = read_all(cut)
    assert 50 < len(frames) < 100 and [f.index for f in frames] == list(range(len(frames)))
    assert stats == {"frames_expected": FRAMES, "frames_read": len(frames), "frames_skipped": 0, "truncated": True}
    assert end_reason == "source_truncated"

    out = tmp_path / "out"
    result = run_cli(
        "track",
        str(cut),
        "-o",
        str(out),
        "-q",
        "--no-video",
        "--detector",
        "motion",
        "--tracker",
        "centroid",
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    expected = f"warning: {cut}: read {len(frames)} of {FRAMES} frames its container lists (truncated or damaged video)"
    assert warnings == [expected]
    source = json.loads((out / "summary.json").read_text())["source"]
    assert source["frames_read"] == len(frames) and source["frames_expected"] == FRAMES and source["truncated"]
