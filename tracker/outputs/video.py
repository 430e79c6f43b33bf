"""Annotated video writer: encodes under a temporary ``.partial`` name, renamed into place when
it is finished, so the final name only ever holds a playable file. An encoder that fails
(a full disk) leaves its file under the ``.partial`` name."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tracker.core.files import commit_partial, partial_path
from tracker.core.protocols import FrameResult
from tracker.outputs.encoders import Encoder, open_encoder
from tracker.outputs.settings import DEFAULT_PRESET, H264Preset


class VideoSink:
    """Writes each frame's annotated image with ``codec`` (H.264 at libx264's ``preset``; see
    ``tracker.outputs.encoders``)."""

    wants_image = True

    def __init__(self, path: Path, fps: float, codec: str = "h264", preset: H264Preset = DEFAULT_PRESET) -> None:
        self.path = path
        self.fps = fps
        self.codec = codec
        self.preset = preset
        self._encoder: Encoder | None = None
        self._partial: Path | None = None
        self._size = (0, 0)  # of the first frame: later frames are scaled to it
        self.frames_written = 0

    def write(self, result: FrameResult) -> None:
        assert result.annotated is not None
        self._write_image(result.annotated)

    def _write_image(self, image: np.ndarray) -> None:
        if self._encoder is None:
            self._open(image.shape[1], image.shape[0])
        assert self._encoder is not None
        if (image.shape[1], image.shape[0]) != self._size:  # a live stream changed resolution
            image = cv2.resize(image, self._size)
        self._encoder.write(image)
        self.frames_written += 1

    def _open(self, width: int, height: int) -> None:
        partial = partial_path(self.path)
        try:
            self._encoder = open_encoder(partial, self.codec, self.fps, width, height, self.preset)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self._partial, self._size = partial, (width, height)

    def close(self) -> None:
        """Finish the file and rename it into place; if finishing fails, it keeps its ``.partial`` name."""
        if self._encoder is not None and self._partial is not None:
            encoder, self._encoder = self._encoder, None
            encoder.close()
            commit_partial(self._partial, self.path)
