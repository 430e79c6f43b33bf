"""Frame sources: video files, image folders (MOTChallenge ``img1/``), webcams and streams.

``open_source(text)`` returns a ``FrameSource``: an iterator of ``Frame`` that knows its
frame rate, its frame count when finite, and whether it is live.
"""

from __future__ import annotations

import configparser
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tracker.errors import UserError
from tracker.types import Frame

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
DEFAULT_FPS = 25.0
_URL = re.compile(r"^(rtsp|rtsps|rtmp|http|https|udp|tcp)://", re.IGNORECASE)


@dataclass(frozen=True)
class SourceInfo:
    """What is known about a source before reading it."""

    name: str
    fps: float
    frame_count: int | None
    live: bool
    path: Path | None


class FrameSource:
    """Base class: iterate to get frames; ``close()`` (or ``with``) releases the device."""

    info: SourceInfo

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the underlying file, camera or stream."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class VideoCaptureSource(FrameSource):
    """A video file, webcam or stream read through OpenCV/FFmpeg."""

    def __init__(self, target: str | int, name: str, live: bool, path: Path | None) -> None:
        self._capture = cv2.VideoCapture(target, cv2.CAP_FFMPEG) if isinstance(target, str) \
            else cv2.VideoCapture(target)
        if not self._capture.isOpened():
            kind = "video" if path else "camera or stream"
            raise UserError(f"cannot open {kind}: {name}")
        ok, first = self._capture.read()
        if not ok or first is None:
            self._capture.release()
            raise UserError(f"cannot decode any frame from {name} (corrupt or unsupported video?)")
        self._first: np.ndarray | None = first
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        fps = fps if 0 < fps < 1000 else DEFAULT_FPS
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT)) if not live else 0
        self.info = SourceInfo(name, fps, count if count > 0 else None, live, path)

    def __iter__(self) -> Iterator[Frame]:
        start = time.time()
        index = 0
        image = self._first
        self._first = None
        while image is not None:
            time_s = time.time() - start if self.info.live else index / self.info.fps
            yield Frame(index, time_s, image)
            index += 1
            ok, image = self._capture.read()
            if not ok:
                image = None

    def close(self) -> None:
        self._capture.release()


class ImageFolderSource(FrameSource):
    """A folder of images read in name order; the frame rate comes from a MOTChallenge
    ``seqinfo.ini`` beside the folder when there is one."""

    def __init__(self, folder: Path) -> None:
        self._paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self._paths:
            raise UserError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in folder: {folder}")
        self.info = SourceInfo(str(folder), _seqinfo_fps(folder) or DEFAULT_FPS, len(self._paths), False, folder)

    def __iter__(self) -> Iterator[Frame]:
        for index, path in enumerate(self._paths):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise UserError(f"cannot read image: {path}")
            yield Frame(index, index / self.info.fps, image)


def _seqinfo_fps(folder: Path) -> float | None:
    for candidate in (folder / "seqinfo.ini", folder.parent / "seqinfo.ini"):
        if candidate.is_file():
            parser = configparser.ConfigParser()
            try:
                parser.read(candidate)
                return float(parser["Sequence"]["frameRate"])
            except (KeyError, ValueError, configparser.Error):
                return None
    return None


def open_source(text: str) -> FrameSource:
    """Open ``text``: a webcam index (``0``), a stream URL, an image folder or a video file."""
    if text.isdigit():
        return VideoCaptureSource(int(text), f"camera {text}", live=True, path=None)
    if _URL.match(text):
        return VideoCaptureSource(text, text, live=True, path=None)
    path = Path(text)
    if not path.exists():
        raise UserError(f"source not found: {text}")
    if path.is_dir():
        return ImageFolderSource(path)
    if not path.is_file():
        raise UserError(f"source is not a file or folder: {text}")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        raise UserError(f"cannot read {text}: {error.strerror}") from None
    return VideoCaptureSource(str(path), str(path), live=False, path=path)
