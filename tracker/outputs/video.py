"""Annotated video writer: encodes under a temporary name, renamed into place when closed,
so an interrupted run leaves a playable file and never a half-written one under the final name."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path

import cv2
import numpy as np

from tracker.core.errors import UserError
from tracker.core.files import atomic_path
from tracker.core.protocols import FrameResult
from tracker.core.quiet import quiet_stderr


class VideoSink:
    """Writes each frame's annotated image."""

    wants_image = True

    def __init__(self, path: Path, fps: float, codec: str = "mp4v") -> None:
        self.path = path
        self.fps = fps
        self.codec = codec
        self._writer: cv2.VideoWriter | None = None
        self._rename = ExitStack()  # holds the atomic_path the writer encodes into
        self.frames_written = 0

    def write(self, result: FrameResult) -> None:
        assert result.annotated is not None
        self._write_image(result.annotated)

    def _write_image(self, image: np.ndarray) -> None:
        if self._writer is None:
            self._open(image.shape[1], image.shape[0])
        if (image.shape[1], image.shape[0]) != self._size:
            image = cv2.resize(image, self._size)
        assert self._writer is not None
        self._writer.write(image)
        self.frames_written += 1

    def _open(self, width: int, height: int) -> None:
        with ExitStack() as stack:  # removes the temporary file if the writer does not open
            partial = stack.enter_context(atomic_path(self.path))
            writer = cv2.VideoWriter(str(partial), cv2.VideoWriter.fourcc(*self.codec), self.fps, (width, height))
            if not writer.isOpened():
                raise UserError(f"cannot write video {self.path} with codec '{self.codec}'")
            self._rename = stack.pop_all()
        self._writer, self._size = writer, (width, height)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
            self._rename.close()


def check_codec(codec: str) -> None:
    """Fail at once (not after the model has loaded) when OpenCV cannot encode ``codec``: open a
    writer on a scratch file (OpenCV's own complaint kept off the terminal)."""
    with tempfile.TemporaryDirectory() as scratch, quiet_stderr():
        writer = cv2.VideoWriter(str(Path(scratch) / "probe.mp4"), cv2.VideoWriter.fourcc(*codec), 25, (64, 48))
        opened = writer.isOpened()
        writer.release()
    if not opened:
        raise UserError(f"output.codec: OpenCV cannot write '{codec}' videos here (mp4v works everywhere)")
