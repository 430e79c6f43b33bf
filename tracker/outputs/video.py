"""Annotated video writer: encodes under a temporary name, renamed into place when closed,
so an interrupted run leaves a playable file and never a half-written one under the final name."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tracker.core.errors import UserError
from tracker.core.protocols import FrameResult


class VideoSink:
    """Writes each frame's annotated image."""

    wants_image = True

    def __init__(self, path: Path, fps: float, codec: str = "mp4v") -> None:
        self.path = path
        self.fps = fps
        self.codec = codec
        self._partial = path.with_name(f"{path.stem}.partial{path.suffix}")
        self._writer: cv2.VideoWriter | None = None
        self.frames_written = 0

    def write(self, result: FrameResult) -> None:
        assert result.annotated is not None
        self._write_image(result.annotated)

    def _write_image(self, image: np.ndarray) -> None:
        if self._writer is None:
            height, width = image.shape[:2]
            self._writer = cv2.VideoWriter(str(self._partial), cv2.VideoWriter_fourcc(*self.codec),
                                           self.fps, (width, height))
            if not self._writer.isOpened():
                raise UserError(f"cannot write video {self.path} with codec '{self.codec}'")
            self._size = (width, height)
        if (image.shape[1], image.shape[0]) != self._size:
            image = cv2.resize(image, self._size)
        self._writer.write(image)
        self.frames_written += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
            self._partial.replace(self.path)
