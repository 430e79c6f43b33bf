"""``--overwrite`` loses nothing: every check (source, detector, tracker, port, folder) comes
before the folder is touched, and the earlier run's outputs are replaced only once the new
run's outputs have taken a frame; a run that fails before that leaves the folder as it was."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import run_cli
from tests.synthetic import write_image_folder
from tests.test_cli_errors import assert_one_line_error
from tracker.core.files import atomic_path
from tracker.outputs.layout import OutputLayout

FAST = ("--detector", "motion", "-q")
OLD_ROW = "1,1,0,0,10,10,1,-1,-1,-1\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones and subfolders included) and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "tiny.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (64, 48))
    for i in range(5):
        writer.write(np.full((48, 64, 3), i * 40, np.uint8))
    writer.release()
    return path


@pytest.fixture()
def earlier(tmp_path: Path, clip: Path) -> Path:
    """An output folder holding a finished earlier run."""
    out = tmp_path / "out"
    result = run_cli("track", str(clip), "-o", str(out), *FAST)
    assert result.returncode == 0, result.stderr
    assert {"annotated.mp4", "tracks.txt", "tracks.csv", "summary.json"} <= set(snapshot(out))
    return out


@pytest.fixture()
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.parametrize(
    ("source", "flags", "fragment"),
    [
        ("tiny.avii", (), "source not found"),
        ("tiny.avi", ("--tracker", "magic"), "unknown tracker"),
        ("tiny.avi", ("--detector", "yolo"), "unknown detector"),  # the last --detector wins
        ("unreadable_first_frame", (), "cannot read image"),  # fails after the run started
    ],
)
def test_a_failing_run_keeps_the_earlier_outputs(
    tmp_path: Path, clip: Path, earlier: Path, source: str, flags: tuple[str, ...], fragment: str
) -> None:
    before = snapshot(earlier)
    if source == "unreadable_first_frame":
        target = str(write_image_folder(tmp_path / "frames", 3, broken=0))
    else:
        target = str(clip.parent / source)
    result = run_cli("track", target, "-o", str(earlier), *FAST, *flags, "--overwrite")
    assert_one_line_error(result, fragment)
    assert snapshot(earlier) == before  # byte for byte, and no .previous-* left behind


def test_a_busy_port_keeps_the_earlier_outputs(clip: Path, earlier: Path, busy_port: int) -> None:
    before = snapshot(earlier)
    result = run_cli("track", str(clip), "-o", str(earlier), *FAST, "--overwrite", "--serve", str(busy_port))
    assert_one_line_error(result, "--serve", str(busy_port))
    assert snapshot(earlier) == before


def test_a_busy_port_is_found_before_any_file_is_made(tmp_path: Path, clip: Path, busy_port: int) -> None:
    out = tmp_path / "new"
    assert_one_line_error(run_cli("track", str(clip), "-o", str(out), *FAST, "--serve", str(busy_port)), "--serve")
    assert not out.exists()  # so the retry is not refused for outputs of a run that never ran


def test_a_run_failing_after_its_first_frames_replaces_the_earlier_one(tmp_path: Path, earlier: Path) -> None:
    frames = write_image_folder(tmp_path / "frames", 4, broken=2)
    result = run_cli("track", str(frames), "-o", str(earlier), *FAST, "--overwrite", "--no-video")
    assert result.returncode == 2 and "cannot read image" in result.stderr, result.stderr
    files = snapshot(earlier)
    assert sorted(files) == ["summary.json", "tracks.csv", "tracks.txt"]  # this run's, nothing earlier
    assert b'"frames": 2' in files["summary.json"]


def test_overwrite_removes_what_a_killed_run_left(clip: Path, earlier: Path) -> None:
    leftovers = ["annotated.partial.mp4", ".annotated.k3x9_q2a.partial.mp4", ".tracks.0001.a1b2c3d4.partial.txt"]
    for name in leftovers:
        (earlier / name).write_bytes(b"\0" * 100)
    result = run_cli("track", str(clip), "-o", str(earlier), *FAST, "--overwrite")
    assert result.returncode == 0, result.stderr
    assert sorted(snapshot(earlier)) == ["annotated.mp4", "summary.json", "tracks.csv", "tracks.txt"]
    assert not list(earlier.glob(".previous-*"))


def test_the_temporary_names_of_atomic_writes_are_outputs(tmp_path: Path) -> None:
    layout = OutputLayout(tmp_path)
    for name in ("annotated.mp4", "tracks.0003.txt", "summary.json", "events.jsonl"):
        with atomic_path(tmp_path / name) as partial:
            partial.write_bytes(b"x")
            assert layout.existing() == [partial], partial.name
        (tmp_path / name).unlink()
    (tmp_path / ".notes.partial.txt").write_text("not ours")
    (tmp_path / "annotated.mp4.bak").write_text("not ours")
    assert layout.existing() == []


def test_a_failed_run_leaves_no_empty_folder(tmp_path: Path) -> None:
    frames = write_image_folder(tmp_path / "frames", 2, broken=0)
    result = run_cli("track", str(frames), "-o", str(tmp_path / "new" / "deeper"), *FAST)
    assert_one_line_error(result, "cannot read image")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]


@pytest.fixture()
def read_only_folder(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A folder holding one file (``request.param``: its name) that nobody can write, root
    included: chmod 0555 when not root; as root (whom chmod does not stop) a tmpfs remounted
    read-only."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        (folder / request.param).write_text(OLD_ROW)
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("running as root without the right to mount a read-only tmpfs")
    try:
        (folder / request.param).write_text(OLD_ROW)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize(
    ("read_only_folder", "flags", "sub"),
    [("notes.txt", (), ""), ("notes.txt", (), "sub"), ("tracks.txt", ("--overwrite",), "")],
    indirect=["read_only_folder"],
)
def test_a_read_only_folder_is_one_error_line(
    clip: Path, read_only_folder: Path, flags: tuple[str, ...], sub: str
) -> None:
    before = snapshot(read_only_folder)
    result = run_cli("track", str(clip), "-o", str(read_only_folder / sub), *FAST, *flags)
    assert_one_line_error(result, "cannot write to output folder")
    assert snapshot(read_only_folder) == before
