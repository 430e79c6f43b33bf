"""dlib correlation trackers in worker processes.

dlib's ``correlation_tracker.update`` holds the GIL (about 5 ms per object per frame), so threads
cannot run two of them at once; processes can. ``PooledCorrelationModel`` is
``CorrelationModel`` with each track's tracker in one of ``workers`` processes: every frame goes
to every worker once (through a pipe), each worker updates its own trackers on it, and the
results come back in one reply. The trackers' arithmetic is dlib's, unchanged, so the boxes are
the ones the in-process model gives.

A worker applies, in order: the starts and re-anchors queued on the previous frame (which it
kept), then the updates of its live trackers on the new frame. A track's tracker is dropped
when the track object is garbage-collected. Workers ignore Ctrl-C (the main process decides
when the run ends) and exit when their pipe closes.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import weakref
from multiprocessing.connection import Connection
from typing import Any, NoReturn

import numpy as np

from tracker.core.errors import UserError
from tracker.core.types import Frame
from tracker.trackers.motion import scaled_rgb

Op = tuple[str, int, tuple[float, float, float, float] | None]  # (start | drop, key, box)


def serve(reader: Connection, writer: Connection) -> None:
    """A worker's loop: each message is (shape, ops, keys to update) then the frame's bytes;
    the reply is {key: (x1, y1, x2, y2, psr)}. Returns when the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import dlib

    trackers: dict[int, Any] = {}
    previous: np.ndarray | None = None
    while True:
        try:
            shape, ops, updates = reader.recv()
            image = np.frombuffer(reader.recv_bytes(), np.uint8).reshape(shape)
        except (EOFError, OSError):
            return
        for kind, key, box in ops:
            if kind == "drop":
                trackers.pop(key, None)
            elif box is not None and previous is not None:
                tracker = trackers.setdefault(key, dlib.correlation_tracker())
                tracker.start_track(previous, dlib.drectangle(*box))
        results = {}
        for key in updates:
            tracker = trackers.get(key)
            if tracker is not None:
                psr = tracker.update(image)
                rect = tracker.get_position()
                results[key] = (rect.left(), rect.top(), rect.right(), rect.bottom(), float(psr))
        writer.send(results)
        previous = image


def _start_worker() -> tuple[subprocess.Popen, Connection, Connection]:
    """A fresh interpreter running ``serve`` on two pipes (a fresh one, not a fork: this process
    has threads, and multiprocessing's spawn would re-run the caller's main script)."""
    to_worker_read, to_worker_write = os.pipe()
    from_worker_read, from_worker_write = os.pipe()
    code = (
        f"from tracker.trackers.correlation_pool import worker_main; worker_main({to_worker_read}, {from_worker_write})"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        pass_fds=(to_worker_read, from_worker_write),
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C at the terminal goes to the main process only
    )
    os.close(to_worker_read)
    os.close(from_worker_write)
    return process, Connection(to_worker_write, readable=False), Connection(from_worker_read, writable=False)


def worker_main(read_fd: int, write_fd: int) -> None:
    serve(Connection(read_fd, writable=False), Connection(write_fd, readable=False))


def _close(connections: list[Connection], processes: list[subprocess.Popen]) -> None:
    for connection in connections:
        connection.close()
    for process in processes:
        try:
            process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class CorrelationPool:
    """``workers`` processes holding dlib trackers by key (a track's key picks its worker)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._senders: list[Connection] = []
        self._receivers: list[Connection] = []
        self._processes: list[subprocess.Popen] = []
        for _ in range(workers):
            process, sender, receiver = _start_worker()
            self._processes.append(process)
            self._senders.append(sender)
            self._receivers.append(receiver)
        self._queued: list[list[Op]] = [[] for _ in range(workers)]
        self._live: list[set[int]] = [set() for _ in range(workers)]
        self._resting: set[int] = set()  # live keys not updated on the frames to come
        self._keys = itertools.count()
        self._results: dict[int, tuple[float, ...]] | None = None
        self._awaiting = False
        weakref.finalize(self, _close, [*self._senders, *self._receivers], self._processes)

    def new_key(self) -> int:
        return next(self._keys)

    def start(self, key: int, box: np.ndarray) -> None:
        """Start (or re-anchor) ``key``'s tracker on ``box`` in the frame last sent."""
        x1, y1, x2, y2 = (float(v) for v in box)
        worker = key % self.workers
        self._queued[worker].append(("start", key, (x1, y1, x2, y2)))
        self._live[worker].add(key)

    def drop(self, key: int) -> None:
        worker = key % self.workers
        self._live[worker].discard(key)
        self._resting.discard(key)
        self._queued[worker].append(("drop", key, None))

    def follow(self, key: int, on: bool) -> None:
        """Update ``key``'s tracker on the frames sent from now on (``on``), or leave it as it is."""
        if on:
            self._resting.discard(key)
        else:
            self._resting.add(key)

    def send(self, image: np.ndarray) -> None:
        """Send ``image`` to every worker with the queued ops; the updates run while the caller
        goes on, and ``result`` waits for them."""
        self._collect()
        image = np.ascontiguousarray(image)
        for worker, sender in enumerate(self._senders):
            try:
                sender.send((image.shape, self._queued[worker], sorted(self._live[worker] - self._resting)))
                sender.send_bytes(image.reshape(-1).data)
            except OSError:
                self._stopped(worker)
            self._queued[worker] = []
        self._results, self._awaiting = None, True

    def result(self, key: int) -> tuple[np.ndarray, float]:
        """``key``'s box (xyxy) and peak-to-sidelobe ratio on the frame last sent."""
        self._collect()
        assert self._results is not None  # send() came first
        *box, psr = self._results[key]
        return np.array(box, np.float32), psr

    def _collect(self) -> None:
        if not self._awaiting:
            return
        results: dict[int, tuple[float, ...]] = {}
        for worker, receiver in enumerate(self._receivers):
            try:
                results.update(receiver.recv())
            except (EOFError, OSError):
                self._stopped(worker)
        self._results, self._awaiting = results, False

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
        self.pool.send(scaled_rgb(frame.image, self.scale))

    def start(self, prepared: object, box: np.ndarray) -> _PooledCorrelation:
        return _PooledCorrelation(self.pool, box, self.scale)
