"""Video encoders behind the annotated video: H.264 through PyAV (FFmpeg's libx264; yuv420p
with the index at the front, so the file plays in a browser and starts before it has fully
loaded) and any other FourCC through OpenCV (``mp4v``: the fallback)."""

from __future__ import annotations

import errno
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from tracker.core.errors import UserError
from tracker.core.quiet import quiet_stderr
from tracker.outputs.settings import DEFAULT_PRESET, H264Preset

H264_CODECS = frozenset({"h264", "avc1", "x264"})  # names of H.264, any case: all go through PyAV
CODEC_HELP = "output.codec: h264, or an OpenCV FourCC such as mp4v"
KEYFRAME_EVERY_S = 2.0  # a fragment per keyframe: what a killed run can lose of its video
# Fragmented MP4 (index at the front, then one fragment per keyframe, written through): plays in
# a browser, and a run killed outright leaves a playable video up to its last fragment.
MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"


class Encoder(Protocol):
    """Writes BGR images of the size it was opened with to a file; ``close`` finishes it."""

    def write(self, image: np.ndarray) -> None: ...

    def close(self) -> None: ...


class H264Encoder:
    """libx264 through PyAV: yuv420p (even width and height: an odd last row or column is cut),
    fragmented MP4 written through (``MOVFLAGS``; a keyframe every ``KEYFRAME_EVERY_S``). Write
    errors (a full disk) are raised."""

    def __init__(self, path: Path, fps: float, width: int, height: int, preset: H264Preset = DEFAULT_PRESET) -> None:
        import av

        self.size = (width - width % 2, height - height % 2)
        if min(self.size) < 2:
            raise UserError(f"cannot write video {path.name}: frames of {width}x{height} are too small for H.264")
        self._container = av.open(str(path), "w", format="mp4", options={"movflags": MOVFLAGS, "flush_packets": "1"})
        try:
            self._stream = self._container.add_stream(
                "libx264",
                rate=Fraction(fps).limit_denominator(1001),
                options={"preset": preset, "g": str(max(1, round(KEYFRAME_EVERY_S * fps)))},
            )
            self._stream.width, self._stream.height = self.size
            self._stream.pix_fmt = "yuv420p"
            self._container.start_encoding()
        except (av.FFmpegError, ValueError) as error:
            self._container.close()
            raise UserError(f"cannot write video {path.name} with H.264 at {fps} fps: {error}") from None
        self._new_frame = av.VideoFrame.from_ndarray
        self._frames = 0

    def write(self, image: np.ndarray) -> None:
        width, height = self.size
        image = image[:height, :width]
        yuv = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420), np.uint8)  # faster than PyAV's conversion
        frame = self._new_frame(yuv, format="yuv420p")
        frame.pts = self._frames
        self._frames += 1
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        finally:
            self._container.close()


class OpenCVEncoder:
    """OpenCV's writer with a FourCC (``mp4v``). It reports no write errors, so ``close``
    reads the file back and raises ``OSError`` when it does not hold every frame."""

    def __init__(self, path: Path, codec: str, fps: float, width: int, height: int) -> None:
        self.path, self.size = path, (width, height)
        self._writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*codec), fps, self.size)
        if not self._writer.isOpened():
            raise UserError(f"cannot write video {path.name} with codec '{codec}' at {fps} fps, {width}x{height}")
        self._frames = 0

    def write(self, image: np.ndarray) -> None:
        self._writer.write(image)
        self._frames += 1

    def close(self) -> None:
        self._writer.release()
        video = cv2.VideoCapture(str(self.path))
        frames = int(video.get(cv2.CAP_PROP_FRAME_COUNT)) if video.isOpened() else 0
        video.release()
        if frames != self._frames:
            raise OSError(errno.EIO, f"{self.path.name} reads back {frames} of {self._frames} frames (disk full?)")


def open_encoder(
    path: Path, codec: str, fps: float, width: int, height: int, preset: H264Preset = DEFAULT_PRESET
) -> Encoder:
    """An encoder for ``codec`` (H.264 by name, with libx264's ``preset``; or an OpenCV FourCC)
    writing to ``path``; ``UserError`` when it cannot open."""
    if codec.lower() in H264_CODECS:
        return H264Encoder(path, fps, width, height, preset)
    return OpenCVEncoder(path, codec, fps, width, height)


def check_codec(codec: str, fps: float) -> None:
    """Encode one small frame with ``codec`` to a scratch file: ``UserError`` now, before any
    model is loaded, rather than at the first frame of the run (the encoder's own complaint
    stays off stderr: the error line says it)."""
    with tempfile.TemporaryDirectory() as scratch, quiet_stderr():
        try:
            encoder = open_encoder(Path(scratch) / "probe.mp4", codec, fps, 64, 64)
            encoder.write(np.zeros((64, 64, 3), np.uint8))
            encoder.close()
        except UserError:
            raise UserError(f"cannot write video with codec '{codec}' at {fps} fps ({CODEC_HELP})") from None
        except OSError as error:
            raise UserError(f"cannot write video with codec '{codec}' at {fps} fps: {error}") from None
