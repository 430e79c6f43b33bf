"""dlib correlation trackers in worker processes.

dlib's ``correlation_tracker.update`` holds the GIL (about 3-5 ms per object per frame), so
threads cannot run two of them at once; processes can. ``PooledCorrelationModel`` is
``CorrelationModel`` with each track's tracker in one of ``workers`` processes. Frames pass
through shared memory (``FrameSlots``: the newest frame and the two before it), so a message is
a few hundred bytes, not the frame: a round trip to two idle workers took 5.7 ms through a pipe
with the frame in it. A worker with nothing to do on a frame gets no message. The trackers'
arithmetic is dlib's, unchanged, so the boxes are the ones the in-process model gives.

A start (or re-anchor) goes to its worker as soon as it is asked for, on the frame last sent;
each new frame brings the updates of the worker's followed trackers. A worker handles its
messages in order. A track's tracker is dropped when the track object is garbage-collected.
Workers ignore Ctrl-C (the main process decides when the run ends) and exit when their pipe
closes.
"""

from __future__ import annotations

import collections
import itertools
import mmap
import os
import signal
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, NoReturn

import cv2
import numpy as np

from tracker.core.errors import UserError
from tracker.core.types import Frame
from tracker.trackers.motion import scaled

Op = tuple[str, int, tuple[float, float, float, float] | None]  # (start | drop, key, box)
Placed = tuple[int, tuple[int, ...]]  # a frame in the shared file: (byte offset, shape)


def _shared_file() -> int:
    """A file descriptor of an unnamed file in memory that child processes can map."""
    if hasattr(os, "memfd_create"):  # Linux
        return os.memfd_create("tracker-frames")
    with tempfile.TemporaryFile() as file:  # other POSIX systems: unlinked, so it goes with its last fd
        return os.dup(file.fileno())


class SharedView:
    """A process's map of the shared frame file, grown (re-mapped) when the file grows."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._map: mmap.mmap | None = None

    def array(self, placed: Placed) -> np.ndarray:
        offset, shape = placed
        end = offset + int(np.prod(shape))
        if self._map is None or len(self._map) < end:
            # A new map; arrays on the old one keep it alive until they go.
            self._map = mmap.mmap(self.fd, os.fstat(self.fd).st_size)
        return np.ndarray(shape, np.uint8, buffer=self._map, offset=offset)


SLOTS = 3  # the frame being written, and the two before it that workers may still read


class FrameSlots:
    """``SLOTS`` frame slots in the shared file, used in turn, so writing a frame leaves the two
    before it intact. A larger frame gets new slots after the old ones, so the frames before it
    stay where they were."""

    def __init__(self) -> None:
        self.fd = _shared_file()
        self._view = SharedView(self.fd)
        self._base, self._slot_bytes, self._turn = 0, 0, 0

    def place(self, shape: tuple[int, ...]) -> tuple[Placed, np.ndarray]:
        """Where the next frame of ``shape`` goes, and a writable array there."""
        size = int(np.prod(shape))
        if size > self._slot_bytes:
            self._base += SLOTS * self._slot_bytes
            self._slot_bytes = size
            os.ftruncate(self.fd, self._base + SLOTS * size)
        self._turn = (self._turn + 1) % SLOTS
        placed = (self._base + self._turn * self._slot_bytes, shape)
        return placed, self._view.array(placed)

    def close(self) -> None:
        os.close(self.fd)


def serve(reader: Connection, writer: Connection, frames_fd: int) -> None:
    """A worker's loop: each message is (ops, the frame they start on, keys to update, the frame
    to update them on), frames placed in the shared file; each gets one reply,
    {key: (x1, y1, x2, y2, psr)} for the updated keys. Returns when the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import dlib

    view = SharedView(frames_fd)
    trackers: dict[int, Any] = {}
    while True:
        try:
            ops, ops_frame, updates, update_frame = reader.recv()
        except (EOFError, OSError):
            return
        for kind, key, box in ops:
            if kind == "drop":
                trackers.pop(key, None)
            elif box is not None and ops_frame is not None:
                tracker = trackers.setdefault(key, dlib.correlation_tracker())
                tracker.start_track(view.array(ops_frame), dlib.drectangle(*box))
        results = {}
        if update_frame is not None:
            image = view.array(update_frame)
            for key in updates:
                tracker = trackers.get(key)
                if tracker is not None:
                    psr = tracker.update(image)
                    rect = tracker.get_position()
                    results[key] = (rect.left(), rect.top(), rect.right(), rect.bottom(), float(psr))
        writer.send(results)


def _start_worker(frames_fd: int) -> tuple[subprocess.Popen, Connection, Connection]:
    """A fresh interpreter running ``serve`` on two pipes and the shared frame file (a fresh
    one, not a fork: this process has threads, and multiprocessing's spawn would re-run the
    caller's main script)."""
    to_worker_read, to_worker_write = os.pipe()
    from_worker_read, from_worker_write = os.pipe()
    code = (
        "from tracker.trackers.correlation_pool import worker_main; "
        f"worker_main({to_worker_read}, {from_worker_write}, {frames_fd})"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        pass_fds=(to_worker_read, from_worker_write, frames_fd),
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C at the terminal goes to the main process only
    )
    os.close(to_worker_read)
    os.close(from_worker_write)
    return process, Connection(to_worker_write, readable=False), Connection(from_worker_read, writable=False)


def worker_main(read_fd: int, write_fd: int, frames_fd: int) -> None:
    serve(Connection(read_fd, writable=False), Connection(write_fd, readable=False), frames_fd)


def _close(connections: list[Connection], processes: list[subprocess.Popen], slots: FrameSlots) -> None:
    for connection in connections:
        connection.close()
    for process in processes:
        try:
            process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    slots.close()


class CorrelationPool:
    """``workers`` processes holding dlib trackers by key (a track's key picks its worker).

    A start goes to its worker at once, so it runs while this process goes on; a drop waits for
    the next message. Each message gets one reply, and a worker answers in order, so waiting
    for a message's reply means every earlier one is done: ``send`` waits only for the messages
    that read the slot it is about to overwrite, ``result`` for the frame's updates."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._slots = FrameSlots()
        self._senders: list[Connection] = []
        self._receivers: list[Connection] = []
        self._processes: list[subprocess.Popen] = []
        for _ in range(workers):
            process, sender, receiver = _start_worker(self._slots.fd)
            self._processes.append(process)
            self._senders.append(sender)
            self._receivers.append(receiver)
        self._drops: list[list[Op]] = [[] for _ in range(workers)]
        self._live: list[set[int]] = [set() for _ in range(workers)]
        self._worker_of: dict[int, int] = {}  # where each live key's tracker is
        self._resting: set[int] = set()  # live keys not updated on the frames to come
        self._keys = itertools.count()
        self._frame = -1  # the number of the frame last sent
        self._placed: Placed | None = None  # where it is
        # Per worker, the messages not yet answered: (the newest frame they read, updates or not).
        self._unanswered: list[collections.deque[tuple[int, bool]]] = [collections.deque() for _ in range(workers)]
        self._results: dict[int, tuple[float, ...]] = {}
        weakref.finalize(self, _close, [*self._senders, *self._receivers], self._processes, self._slots)

    def new_key(self) -> int:
        return next(self._keys)

    def start(self, key: int, box: np.ndarray) -> None:
        """Start (or re-anchor) ``key``'s tracker on ``box`` in the frame last sent, now.

        A start makes the tracker anew, so it may as well move: it goes to the worker with the
        fewest followed trackers, which keeps the workers' shares of a frame's updates even
        (with fixed places, one worker often had two more updates than the other on a frame
        while the other waited)."""
        assert self._placed is not None, "a frame is sent before any tracker starts"
        was = self._worker_of.get(key)
        followed = [len(live - self._resting - {key}) for live in self._live]
        worker = min(range(self.workers), key=lambda w: (followed[w], len(self._live[w])))
        if was is not None and was != worker:
            self._forget(key, was)
        x1, y1, x2, y2 = (float(v) for v in box)
        self._message(worker, ("start", key, (x1, y1, x2, y2)), self._placed, [], None)
        self._live[worker].add(key)
        self._worker_of[key] = worker

    def drop(self, key: int) -> None:
        """Forget ``key``'s tracker (sent with the next message: this runs in garbage collection)."""
        worker = self._worker_of.pop(key, None)
        self._resting.discard(key)
        if worker is not None:
            self._forget(key, worker)

    def _forget(self, key: int, worker: int) -> None:
        self._live[worker].discard(key)
        self._drops[worker].append(("drop", key, None))

    def follow(self, key: int, on: bool) -> None:
        """Update ``key``'s tracker on the frames sent from now on (``on``), or leave it as it is."""
        if on:
            self._resting.discard(key)
        else:
            self._resting.add(key)

    def send(self, bgr: np.ndarray) -> None:
        """Put ``bgr`` in shared memory, converted to RGB as dlib expects, and tell each worker
        with followed trackers (or drops); the updates run while the caller goes on, and
        ``result`` waits for them."""
        self._frame += 1
        self._wait(lambda frame, _: frame <= self._frame - SLOTS)  # the slot about to be overwritten
        self._placed, shared = self._slots.place(bgr.shape)
        cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=shared)  # straight into the slot: no copy
        self._results = {}
        for worker in range(self.workers):
            updates = sorted(self._live[worker] - self._resting)
            if updates or self._drops[worker]:
                self._message(worker, None, None, updates, self._placed)

    def result(self, key: int) -> tuple[np.ndarray, float]:
        """``key``'s box (xyxy) and peak-to-sidelobe ratio on the frame last sent."""
        self._wait(lambda frame, updates: updates)  # this frame's updates (any earlier ones were taken)
        *box, psr = self._results[key]
        return np.array(box, np.float32), psr

    def _message(
        self, worker: int, start: Op | None, start_frame: Placed | None, updates: list[int], update_frame: Placed | None
    ) -> None:
        """Send ``worker`` its drops, then ``start`` on ``start_frame``, then ``updates`` on ``update_frame``."""
        drops, self._drops[worker] = self._drops[worker], []  # a drop from garbage collection meanwhile waits
        try:
            self._senders[worker].send(
                (drops if start is None else [*drops, start], start_frame, updates, update_frame)
            )
        except OSError:
            self._stopped(worker)
        self._unanswered[worker].append((self._frame, update_frame is not None))

    def _wait(self, needed: Callable[[int, bool], bool]) -> None:
        """Take each worker's replies up to its last unanswered message for which ``needed``
        (the frame it reads, whether it updates) holds."""
        for worker, unanswered in enumerate(self._unanswered):
            due = [index for index, message in enumerate(unanswered) if needed(*message)]
            for _ in range(due[-1] + 1 if due else 0):
                unanswered.popleft()
                try:
                    self._results.update(self._receivers[worker].recv())
                except (EOFError, OSError):
                    self._stopped(worker)

    def _stopped(self, worker: int) -> NoReturn:
        process = self._processes[worker]
        try:
            code = process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            code = None
        raise UserError(f"dlib worker process {process.pid} stopped (exit code {code})", exit_code=1)


class _PooledCorrelation:
    def __init__(self, pool: CorrelationPool, box: np.ndarray, scale: float) -> None:
        self.pool, self.scale = pool, scale
        self.key = pool.new_key()
        pool.start(self.key, np.asarray(box, np.float64) * scale)
        weakref.finalize(self, pool.drop, self.key)

    def predict(self, prepared: object) -> tuple[np.ndarray, float]:
        box, psr = self.pool.result(self.key)
        return box / self.scale, psr

    def correct(self, prepared: object, box: np.ndarray) -> np.ndarray:
        self.pool.start(self.key, np.asarray(box, np.float64) * self.scale)
        return box

    def follow(self, on: bool) -> None:
        self.pool.follow(self.key, on)


class PooledCorrelationModel:
    """``CorrelationModel`` (one dlib tracker per track, RGB frame scaled by ``scale``) with the
    trackers spread over ``workers`` processes. ``prepare`` sends the frame; a track's
    ``predict`` waits for the workers' reply."""

    def __init__(self, scale: float = 1.0, workers: int = 2) -> None:
        self.scale = scale
        self.pool = CorrelationPool(workers)

    def prepare(self, frame: Frame) -> None:
        self.pool.send(scaled(frame.image, self.scale))

    def start(self, prepared: object, box: np.ndarray) -> _PooledCorrelation:
        return _PooledCorrelation(self.pool, box, self.scale)
