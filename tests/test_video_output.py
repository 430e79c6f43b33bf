"""The annotated video: H.264 that plays in a browser (yuv420p, index at the front), mp4v as
the fallback, and a codec that cannot write refused before the run starts."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from tests.conftest import REPO, decoded_frames, run_cli
from tests.test_cli_errors import assert_one_line_error
from tracker.core.errors import UserError
from tracker.core.protocols import FrameResult
from tracker.core.types import Frame, Tracks
from tracker.outputs.encoders import check_codec
from tracker.outputs.settings import DEFAULT_PRESET, H264Preset
from tracker.outputs.video import VideoSink


def top_level_boxes(path: Path) -> list[str]:
    """The MP4 file's top-level box types, in file order."""
    data, boxes, offset = path.read_bytes(), [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("ascii", "replace"))
        if size < 8:
            break
        offset += size
    return boxes


def write_video(
    path: Path, codec: str, frames: int = 12, size: tuple[int, int] = (161, 121), preset: H264Preset = DEFAULT_PRESET
) -> None:
    sink = VideoSink(path, 10.0, codec, preset)
    width, height = size
    texture = np.random.default_rng(0).integers(0, 60, (height, width, 3), np.uint8)
    for index in range(frames):
        image = texture.copy()
        cv2.rectangle(image, (5 + 8 * index, 20), (40 + 8 * index, 90), (40, 200, 220), -1)
        sink.write(FrameResult(Frame(index, index / 10, image), Tracks.empty(), None, annotated=image))
    sink.close()


@pytest.mark.parametrize("codec", ["h264", "avc1"])
def test_default_video_is_h264_that_plays_in_a_browser(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "annotated.mp4"
    write_video(path, codec)
    assert [p.name for p in tmp_path.iterdir()] == ["annotated.mp4"]  # no .partial left
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert (stream.width, stream.height) == (160, 120)  # yuv420p needs even sizes
        assert sum(1 for _ in container.decode(stream)) == 12
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # +faststart
    assert decoded_frames(path) == 12  # OpenCV reads it too


def test_the_preset_reaches_libx264(tmp_path: Path) -> None:
    """A faster preset compresses less: the same frames make a larger file."""
    sizes = {}
    for preset in ("ultrafast", "veryfast"):
        path = tmp_path / f"{preset}.mp4"
        write_video(path, "h264", preset=preset)
        assert decoded_frames(path) == 12
        sizes[preset] = path.stat().st_size
    assert sizes["ultrafast"] > 1.2 * sizes["veryfast"], sizes


def test_an_unknown_preset_is_one_error_line(tmp_path: Path, tiny_clip: Path) -> None:
    out = tmp_path / "out"
    assert_one_line_error(
        run_cli("track", str(tiny_clip), "-o", str(out), "--set", "output.preset=snail"), "preset", "ultrafast"
    )
    assert not out.exists()


def test_mp4v_through_opencv_is_the_fallback(tmp_path: Path) -> None:
    path = tmp_path / "annotated.mp4"
    write_video(path, "mp4v")
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.name == "mpeg4"
    assert decoded_frames(path) == 12


def test_the_default_codec_is_h264() -> None:
    from tracker.config import load_settings

    assert load_settings(None, {}).output.codec == "h264"


def test_a_codec_that_cannot_write_is_refused_by_the_probe() -> None:
    check_codec("h264", 25.0)
    check_codec("mp4v", 25.0)
    with pytest.raises(UserError, match="cannot write video with codec 'XXXX'"):
        check_codec("XXXX", 25.0)


def test_unknown_codec_is_one_error_line_before_the_model_loads(tmp_path: Path, tiny_clip: Path) -> None:
    out = tmp_path / "out"
    # the default detector (SSDLite) is never loaded: the codec is refused first
    assert_one_line_error(
        run_cli("track", str(tiny_clip), "-o", str(out), "--set", "output.codec=XXXX"), "cannot write video", "XXXX"
    )
    assert not out.exists()


def test_a_source_too_small_to_encode_is_one_error_line(tmp_path: Path) -> None:
    folder = tmp_path / "dots"
    folder.mkdir()
    for index in range(3):
        cv2.imwrite(str(folder / f"{index:03d}.png"), np.full((1, 1, 3), 80, np.uint8))
    out = tmp_path / "out"
    result = run_cli("track", str(folder), "-o", str(out), "-q", "--detector", "motion")
    assert_one_line_error(result, "cannot write video", "1x1")
    assert not list(out.glob("*.mp4")) and not list(out.glob(".*partial*"))


KILLED_WRITER = """
import os, signal, sys
import numpy as np
from tracker.core.protocols import FrameResult
from tracker.core.types import Frame, Tracks
from tracker.outputs.video import VideoSink

sink = VideoSink(sys.argv[1], 25.0)
for index in range(150):  # 6 s at 25 fps: two keyframe fragments and more
    image = np.full((240, 320, 3), index, np.uint8)
    sink.write(FrameResult(Frame(index, index / 25, image), Tracks.empty(), None, annotated=image))
os.kill(os.getpid(), signal.SIGKILL)  # no close(): the video keeps its temporary name
"""


def test_a_killed_runs_h264_video_plays_up_to_its_last_fragment(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(tmp_path / "annotated.mp4")], cwd=REPO, check=False)
    (partial,) = tmp_path.glob("*.partial.mp4")
    with av.open(str(partial)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 50  # at least the first 2-s fragment; measured 2026-11-30: 117 of 150
