"""Frame sources: video files, image folders (MOTChallenge ``img1/``), webcams and streams.

``open_source(text)`` returns a ``FrameSource``: an iterator of ``Frame`` that knows its
frame rate, its frame count when finite, and whether it is live.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydantic import Field

from tracker.core.errors import UserError
from tracker.core.mot import read_seqinfo
from tracker.core.protocols import FrameSource, SourceInfo
from tracker.core.settings import StrictSettings
from tracker.core.types import Frame

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
DEFAULT_FPS = 25.0
_URL = re.compile(r"^(rtsp|rtsps|rtmp|http|https|udp|tcp)://", re.IGNORECASE)


class LiveSettings(StrictSettings):
    """The ``live`` section: how webcams and streams are opened, watched and reopened."""

    open_timeout_s: float = Field(
        10.0, gt=0, le=86400, description="live sources: give up opening (or reopening) after this"
    )
    read_timeout_s: float = Field(
        5.0, gt=0, le=86400, description="live sources: a read stalled this long counts as a lost stream"
    )
    reconnect_initial_s: float = Field(0.5, gt=0, le=86400, description="live sources: first wait before reconnecting")
    reconnect_max_s: float = Field(
        10.0, gt=0, le=86400, description="live sources: longest wait between reconnects (doubling)"
    )
    give_up_after_s: float | None = Field(
        None,
        gt=0,
        le=86400,
        description="live sources: end the run after this long without frames (default: retry forever)",
    )


class BaseSource:
    """Base class of the sources here (``FrameSource`` protocol): iterate to get frames;
    ``close()`` (or ``with``) releases the device."""

    info: SourceInfo

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    @property
    def end_reason(self) -> str | None:
        """Why the frames ended when it was not the source's normal end (``"source_truncated"``,
        ``"source_lost"``), for the run's ``stopped_by``; else ``None``."""
        return None

    def close(self) -> None:
        """Release the underlying file, camera or stream."""

    def stats(self) -> dict[str, Any]:
        """What the source measured (dropped frames, reconnects), for ``summary.json``."""
        return {}

    def __enter__(self) -> BaseSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class VideoCaptureSource(BaseSource):
    """A video file read through OpenCV/FFmpeg: every frame, in order, timed by the frame rate.
    Past frames the decoder cannot read it grabs on until one decodes, numbered by its
    timestamp, so frame numbers stay the container's; when fewer frames come than the container
    lists it warns on stderr once, at the end."""

    def __init__(self, path: Path) -> None:
        self._capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        if not self._capture.isOpened():
            raise UserError(f"cannot open video: {path}")
        ok, first = self._capture.read()
        if not ok or first is None:
            self._capture.release()
            raise UserError(f"cannot decode any frame from {path} (corrupt or unsupported video?)")
        self._first: np.ndarray | None = first
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        fps = fps if 0 < fps < 1000 else DEFAULT_FPS
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.info = SourceInfo(str(path), fps, count if count > 0 else None, False, path)
        self.frames_read = 0
        self.frames_skipped = 0
        self._end_reason: str | None = None

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        image = self._first
        self._first = None
        while image is not None:
            self.frames_read += 1
            yield Frame(index, index / self.info.fps, image)
            image, number = self._next_frame(index)
            self.frames_skipped += max(0, number - index - 1)
            index = number
        self._check_complete(index)

    def _next_frame(self, index: int) -> tuple[np.ndarray | None, int]:
        """The frame after ``index`` and its number; past a failed read, ``grab()`` up to the
        container's remaining frame count (one second's worth when unknown) before concluding
        the end. Returns ``(None, index)`` at the end."""
        ok, image = self._capture.read()
        if ok:
            return image, index + 1
        count = self.info.frame_count
        for _ in range(count - index - 1 if count is not None else round(self.info.fps)):
            if self._capture.grab():
                ok, image = self._capture.retrieve()
                if ok:
                    number = round(self._capture.get(cv2.CAP_PROP_POS_MSEC) * self.info.fps / 1000)
                    return image, max(index + 1, number)
        return None, index

    def _check_complete(self, last_index: int) -> None:
        expected = self.info.frame_count
        if expected is None or self.frames_read >= expected:
            return
        if last_index + 1 < expected:
            self._end_reason = "source_truncated"
        print(
            f"warning: {self.info.name}: read {self.frames_read} of {expected} frames its container lists "
            "(truncated or damaged video)",
            file=sys.stderr,
        )

    @property
    def end_reason(self) -> str | None:
        return self._end_reason

    def close(self) -> None:
        self._capture.release()

    def stats(self) -> dict[str, Any]:
        expected = self.info.frame_count
        return {
            "frames_expected": expected,
            "frames_read": self.frames_read,
            "frames_skipped": self.frames_skipped,
            "truncated": expected is not None and self.frames_read < expected,
        }


class LiveSource(BaseSource):
    """A webcam or stream read by a reader thread that keeps only the newest frame: when the
    loop is slower than the camera, stale frames are dropped (and counted) instead of queueing,
    so latency never builds up. When the stream ends or stalls (``read_timeout_s``) it
    reconnects with doubling waits; the first frame after a gap has ``after_gap`` set and may
    have another size. Frames carry ``wall_time``; ``index`` counts every frame received."""

    MAX_GAPS_KEPT = 100

    def __init__(self, target: str | int, name: str, settings: LiveSettings) -> None:
        self._target = target
        self.settings = settings
        capture = self._open()
        if capture is None:
            raise UserError(f"cannot open camera or stream: {name}")
        ok, first = capture.read()
        if not ok or first is None:
            capture.release()
            raise UserError(f"cannot decode any frame from {name}")
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.info = SourceInfo(name, fps if 0 < fps < 1000 else DEFAULT_FPS, None, True, None)
        self.frames_received = 0
        self.dropped_frames = 0
        self.reconnects = 0
        self.gaps: deque[dict[str, Any]] = deque(maxlen=self.MAX_GAPS_KEPT)
        self.frame_sizes: list[tuple[int, int]] = []
        self.lost = False
        self._newest: Frame | None = None
        self._ended = False
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._start = time.time()
        # not a daemon: the interpreter must never finalise while the reader is inside OpenCV
        # (it aborts the process); every native call it makes is bounded, so it ends soon after stop
        self._reader = threading.Thread(target=self._read_loop, args=(capture, first), name="frame-reader")
        self._reader.start()

    def _open(self, open_timeout_s: float | None = None) -> cv2.VideoCapture | None:
        """Open the camera or stream; a stream's open is bounded by ``open_timeout_s`` (default:
        the setting) and its reads by ``read_timeout_s``."""
        if isinstance(self._target, int):
            previous = cv2.utils.logging.getLogLevel()
            cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # "index out of range" noise
            try:
                capture = cv2.VideoCapture(self._target)
            finally:
                cv2.utils.logging.setLogLevel(previous)
        else:
            open_timeout_s = self.settings.open_timeout_s if open_timeout_s is None else open_timeout_s
            capture = cv2.VideoCapture(
                self._target,
                cv2.CAP_FFMPEG,
                [
                    cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                    max(1, int(open_timeout_s * 1000)),
                    cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                    int(self.settings.read_timeout_s * 1000),
                ],
            )
        if capture.isOpened():
            return capture
        capture.release()
        return None

    def _read_loop(self, capture: cv2.VideoCapture | None, image: np.ndarray | None) -> None:
        after_gap = False
        try:
            while not self._stop.is_set():
                if image is None:
                    if capture is not None:
                        capture.release()
                    capture, image = self._reconnect()
                    if capture is None:
                        self.lost = not self._stop.is_set()
                        return
                    after_gap = True
                assert capture is not None and image is not None  # the caller passes an open capture
                now = time.time()
                size = (int(image.shape[1]), int(image.shape[0]))
                if not self.frame_sizes or self.frame_sizes[-1] != size:
                    self.frame_sizes.append(size)
                self._hand_over(
                    Frame(self.frames_received, now - self._start, image, wall_time=now, after_gap=after_gap)
                )
                self.frames_received += 1
                after_gap = False
                ok, image = capture.read()
                if not ok:
                    image = None
        finally:
            if capture is not None:
                capture.release()
            with self._ready:
                self._ended = True
                self._ready.notify_all()

    def _reconnect(self) -> tuple[cv2.VideoCapture | None, np.ndarray | None]:
        """Reopen with doubling waits until a frame comes, the source is closed, or
        ``give_up_after_s`` has passed (waits and opens included: an open never outlasts it).
        Every outage goes into ``gaps``, the last one too when it never ended."""
        lost_at = time.time()
        give_up = self.settings.give_up_after_s
        deadline = lost_at + give_up if give_up is not None else math.inf
        wait = self.settings.reconnect_initial_s
        attempts = 0
        while not self._stop.wait(max(0.0, min(wait, deadline - time.time()))):
            left = deadline - time.time()
            if left <= 0:
                break
            attempts += 1
            capture = self._open(min(self.settings.open_timeout_s, left))
            if capture is not None:
                ok, image = capture.read()
                if ok and image is not None:
                    self.reconnects += 1
                    self._record_gap(lost_at, attempts, recovered=True)
                    return capture, image
                capture.release()
            wait = min(wait * 2, self.settings.reconnect_max_s)
        self._record_gap(lost_at, attempts, recovered=False)
        return None, None

    def _record_gap(self, lost_at: float, attempts: int, recovered: bool) -> None:
        self.gaps.append(
            {
                "lost_at": round(lost_at - self._start, 3),
                "seconds": round(time.time() - lost_at, 3),
                "attempts": attempts,
                "recovered": recovered,
            }
        )

    def _hand_over(self, frame: Frame) -> None:
        with self._ready:
            if self._newest is not None:
                self.dropped_frames += 1
                if self._newest.after_gap:  # the gap mark survives the drop
                    frame = dataclasses.replace(frame, after_gap=True)
            self._newest = frame
            self._ready.notify_all()

    def __iter__(self) -> Iterator[Frame]:
        while True:
            with self._ready:
                while self._newest is None and not self._ended:
                    self._ready.wait(0.5)
                frame, self._newest = self._newest, None
            if frame is None:
                return
            yield frame

    @property
    def end_reason(self) -> str | None:
        return "source_lost" if self.lost else None

    def close(self) -> None:
        """Stop the reader and wait for it: at most one reopen and its first read, each bounded
        by OpenCV's open and read timeouts (the reader releases the capture itself)."""
        self._stop.set()
        self._reader.join(timeout=self.settings.open_timeout_s + self.settings.read_timeout_s + 1)

    def stats(self) -> dict[str, Any]:
        return {
            "frames_received": self.frames_received,
            "dropped_frames": self.dropped_frames,
            "reconnects": self.reconnects,
            "gaps": list(self.gaps),
            "frame_sizes": [list(size) for size in self.frame_sizes],
            "lost": self.lost,
        }


class ImageFolderSource(BaseSource):
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


class PacedSource(BaseSource):
    """A file or folder source handed out at its own frame rate, not as fast as it decodes
    (``--realtime``: a rehearsal of a live camera): frame ``k`` comes no sooner than its
    ``time_s`` after the first one."""

    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self.info = source.info

    def __iter__(self) -> Iterator[Frame]:
        start: float | None = None
        for frame in self.source:
            if start is None:
                start = time.perf_counter() - frame.time_s
            wait = start + frame.time_s - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            yield frame

    @property
    def end_reason(self) -> str | None:
        return self.source.end_reason

    def close(self) -> None:
        self.source.close()

    def stats(self) -> dict[str, Any]:
        return self.source.stats()


def _seqinfo_fps(folder: Path) -> float | None:
    for candidate in (folder / "seqinfo.ini", folder.parent / "seqinfo.ini"):
        if candidate.is_file():
            return read_seqinfo(candidate).fps
    return None


def paced_if(source: FrameSource, realtime: bool) -> FrameSource:
    """``source`` handed out at its own frame rate (``PacedSource``) when ``realtime`` and it is a
    file or a folder; a live source is paced by its camera already."""
    return PacedSource(source) if realtime and not source.info.live else source


def open_source(text: str, live: LiveSettings | None = None) -> BaseSource:
    """Open ``text``: a webcam index (``0``), a stream URL, an image folder or a video file.
    Webcams and streams are read by a ``LiveSource`` configured by ``live``."""
    if text.isdigit():
        return LiveSource(int(text), f"camera {text}", live or LiveSettings())
    if _URL.match(text):
        return LiveSource(text, text, live or LiveSettings())
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
    return VideoCaptureSource(path)
