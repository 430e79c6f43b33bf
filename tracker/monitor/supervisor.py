"""The supervisor: one worker per camera (a local process, or a Ray actor's), restarted with
doubling waits when it crashes or its stream ends, stopped with SIGTERM (each worker finishes its frame and
closes its outputs), and the state of every camera written to ``DIR/monitor.json``."""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from tracker.core.files import write_json_atomic
from tracker.monitor.cameras import Camera
from tracker.monitor.worker import RECENT_EVENTS, CameraJob, LocalWorker, Worker

STATUS_FILE = "monitor.json"
BACKOFF_INITIAL_S = 1.0
BACKOFF_MAX_S = 60.0
STABLE_AFTER_S = 60.0  # an attempt that ran this long resets the backoff
STOP_TIMEOUT_S = 60.0  # a worker that has not closed its outputs by then is killed
FINAL_STATES = ("ended", "failed", "stopped")


@dataclass
class CameraState:
    """What the supervisor knows of one camera."""

    camera: Camera
    state: str = "starting"
    attempt: int = 0
    failures_in_a_row: int = 0
    worker: Worker | None = None
    started: float = 0.0
    restart_at: float | None = None
    frames: int = 0
    fps: float | None = None
    counts: dict[str, Any] | None = None
    error: str | None = None
    stopped_by: str | None = None  # how the current attempt's loop ended
    restarts: list[dict[str, Any]] = field(default_factory=list)
    events: collections.deque[dict[str, Any]] = field(default_factory=lambda: collections.deque(maxlen=RECENT_EVENTS))
    _rate_point: tuple[float, int] | None = None

    def receive(self, message: dict[str, Any], on_frame: Callable[[str, bytes], None] | None) -> None:
        if message.get("attempt") != self.attempt:
            return
        if "jpeg" in message:
            if on_frame is not None:
                on_frame(self.camera.name, message["jpeg"])
            return
        now = time.monotonic()
        if "frames" in message:
            if self._rate_point is not None and now > self._rate_point[0]:
                self.fps = round((message["frames"] - self._rate_point[1]) / (now - self._rate_point[0]), 2)
            self._rate_point = (now, message["frames"])
            self.frames = message["frames"]
            self.counts = message["counts"]
            for event in message["events"]:
                self.events.appendleft(event)
        self.stopped_by = message.get("stopped_by", self.stopped_by)
        if message["state"] == "failed":  # the supervisor decides what follows when the worker exits
            self.error = message["error"]
        elif self.state not in FINAL_STATES:
            self.state = message["state"]

    def as_dict(self, out_dir: Path) -> dict[str, Any]:
        return {
            "source": self.camera.source,
            "state": self.state,
            "attempt": self.attempt,
            "pid": self.worker.pid if self.worker is not None else None,
            "output": str(out_dir),
            "frames": self.frames,
            "fps": self.fps,
            "counts": self.counts,
            "latest_events": list(self.events),
            "restarts": self.restarts,
            "error": self.error,
        }


class Supervisor:
    """Runs every camera until its source ends (files) or a stop is asked for (live sources)."""

    def __init__(
        self,
        cameras: list[Camera],
        out_dir: Path,
        database: Path,
        run_id: str,
        on_frame: Callable[[str, bytes], None] | None = None,
        launch: Callable[[CameraJob], Worker] = LocalWorker,
    ) -> None:
        """``on_frame(camera, jpeg)``: the cameras' annotated frames, for a dashboard;
        ``launch``: starts one attempt (default: a local process)."""
        self.out_dir, self.database, self.run_id, self.on_frame = out_dir, database, run_id, on_frame
        self.launch = launch
        self.cameras = {camera.name: CameraState(camera) for camera in cameras}
        self.stopping = False
        self._started = time.time()
        self.snapshot = self.status()  # the latest status, read by the dashboard's threads

    def camera_dir(self, state: CameraState) -> Path:
        """``DIR/<name>/``; a live camera's restarts go beside its earlier outputs, in ``restart-N/``."""
        folder = self.out_dir / state.camera.name
        return folder / f"restart-{state.attempt}" if state.camera.live and state.attempt else folder

    def request_stop(self, *_: object) -> None:
        """A signal handler: stop every worker cleanly."""
        self.stopping = True

    def run(self) -> dict[str, Any]:
        """Start every camera and watch them until all are done; the final status."""
        for state in self.cameras.values():
            self._start(state)
        last_written = 0.0
        stop_sent_at: float | None = None
        while not all(state.state in FINAL_STATES for state in self.cameras.values()):
            self._receive(timeout=0.2)
            if self.stopping and stop_sent_at is None:
                stop_sent_at = time.monotonic()
                self._stop_all()
            if stop_sent_at is not None and time.monotonic() - stop_sent_at > STOP_TIMEOUT_S:
                self._kill_all()
            self._reap()
            self._restart_due()
            self.snapshot = self.status()
            if time.monotonic() - last_written >= 1.0:
                self.write_status()
                last_written = time.monotonic()
        self._receive(timeout=0)
        return self.write_status()

    def status(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self._started)),
            "database": str(self.database),
            "cameras": {name: state.as_dict(self.camera_dir(state)) for name, state in self.cameras.items()},
        }

    def write_status(self) -> dict[str, Any]:
        self.snapshot = status = self.status()
        write_json_atomic(self.out_dir / STATUS_FILE, status)
        return status

    def _start(self, state: CameraState) -> None:
        job = CameraJob(
            state.camera, self.camera_dir(state), self.database, self.run_id, state.attempt, self.on_frame is not None
        )
        state.worker, state.started = self.launch(job), time.monotonic()
        state.state, state.restart_at, state._rate_point = "starting", None, None
        state.frames, state.fps, state.counts, state.stopped_by = 0, None, None, None  # each attempt afresh

    def _receive(self, timeout: float) -> None:
        workers = [state.worker for state in self.cameras.values() if state.worker is not None]
        waitables = [worker.waitable for worker in workers if worker.waitable is not None]
        if len(waitables) == len(workers) and waitables:
            wait(waitables, timeout=timeout)
        else:  # workers without a pipe (Ray) are polled
            time.sleep(timeout)
        for state in self.cameras.values():
            self._drain(state)

    def _drain(self, state: CameraState) -> None:
        if state.worker is not None:
            for message in state.worker.messages():
                state.receive(message, self.on_frame)

    def _reap(self) -> None:
        """Note workers that exited: done, failed, or restarted after a wait."""
        for state in self.cameras.values():
            worker = state.worker
            if worker is None or (code := worker.exitcode()) is None:
                continue
            self._drain(state)
            state.worker = None
            if self.stopping:
                state.state = "stopped"
            elif code == 0 and (not state.camera.live or state.stopped_by == "max_frames"):
                state.state = "ended"
            elif code == 2 and state.error is not None and not state.camera.live:  # bad input: no retry
                state.state = "failed"
            else:
                self._schedule_restart(state, code)

    def _schedule_restart(self, state: CameraState, code: int | None) -> None:
        ran_s = time.monotonic() - state.started
        state.failures_in_a_row = 1 if ran_s >= STABLE_AFTER_S else state.failures_in_a_row + 1
        reason = "source ended" if code == 0 else f"killed by signal {-code}" if code and code < 0 else f"exit {code}"
        if len(state.restarts) >= state.camera.max_restarts:
            state.state, state.error = "failed", f"gave up after {len(state.restarts)} restarts ({reason})"
            return
        wait_s = min(BACKOFF_MAX_S, BACKOFF_INITIAL_S * 2 ** (state.failures_in_a_row - 1))
        state.restarts.append(
            {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "attempt": state.attempt, "reason": reason, "wait_s": wait_s}
        )
        state.state, state.restart_at = "restarting", time.monotonic() + wait_s

    def _restart_due(self) -> None:
        for state in self.cameras.values():
            if state.restart_at is None:
                continue
            if self.stopping:
                state.state, state.restart_at = "stopped", None
            elif time.monotonic() >= state.restart_at:
                state.attempt += 1
                self._start(state)

    def _stop_all(self) -> None:
        for state in self.cameras.values():
            if state.worker is not None:
                state.worker.stop()

    def _kill_all(self) -> None:
        for state in self.cameras.values():
            if state.worker is not None:
                state.worker.kill()
