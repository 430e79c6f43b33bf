"""One camera's worker process: the normal pipeline into ``DIR/<name>/`` (as ``tracker track``
writes it), its events also into the database, and its state sent to the supervisor twice a
second over its own pipe."""

from __future__ import annotations

import collections
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tracker.core.errors import UserError
from tracker.core.protocols import FrameResult, FrameSink
from tracker.monitor.cameras import Camera

REPORT_EVERY_S = 0.5
RECENT_EVENTS = 20


@dataclass(frozen=True)
class CameraJob:
    """What one attempt of one camera runs."""

    camera: Camera
    out_dir: Path
    database: Path
    run_id: str
    attempt: int


class StatusSink:
    """Keeps what the reporter sends: frames, counts so far, the events not yet sent."""

    wants_image = False

    def __init__(self) -> None:
        self.frames = 0
        self.last_frame_at = time.monotonic()
        self.counts: dict[str, Any] | None = None
        self.events: collections.deque[dict[str, Any]] = collections.deque(maxlen=RECENT_EVENTS)

    def write(self, result: FrameResult) -> None:
        self.frames += 1
        self.last_frame_at = time.monotonic()
        self.counts = result.counts
        self.events.extend(result.events)

    def close(self) -> None:
        pass


class Reporter(threading.Thread):
    """Sends the camera's state to the supervisor every ``REPORT_EVERY_S`` seconds."""

    def __init__(self, job: CameraJob, status: StatusSink, pipe: Connection, stall_s: float) -> None:
        super().__init__(name="monitor-reporter", daemon=True)
        self.job, self.status, self.pipe, self.stall_s = job, status, pipe, stall_s
        self.done = threading.Event()

    def snapshot(self, state: str | None = None) -> dict[str, Any]:
        status = self.status
        stalled = time.monotonic() - status.last_frame_at > self.stall_s
        events = []
        while status.events:
            events.append(status.events.popleft())
        return {
            "attempt": self.job.attempt,
            "state": state or ("reconnecting" if stalled else "running"),
            "frames": status.frames,
            "counts": status.counts,
            "events": events,
        }

    def send(self, message: dict[str, Any]) -> None:
        try:
            self.pipe.send(message)
        except (OSError, ValueError):  # the supervisor is gone: the run goes on, unwatched
            pass

    def run(self) -> None:
        while not self.done.wait(REPORT_EVERY_S):
            self.send(self.snapshot())


def _track(job: CameraJob, pipe: Connection) -> None:
    from tracker.builder import build_pipeline
    from tracker.commands.track import clear_output_dir, run_summary
    from tracker.core.files import write_json_atomic
    from tracker.interrupts import STOP
    from tracker.monitor.event_store import EventStoreSink
    from tracker.outputs.assemble import build_outputs
    from tracker.outputs.layout import OutputLayout

    camera = job.camera
    settings = camera.settings()
    layout = OutputLayout(job.out_dir)
    with build_pipeline(settings, camera.source, draw=settings.output.video) as pipeline:
        outputs = build_outputs(
            layout,
            settings.output,
            pipeline.class_names,
            pipeline.source.info.fps,
            events=pipeline.counter is not None,
            prepare=lambda: clear_output_dir(layout),
        )
        status = StatusSink()
        sinks: list[FrameSink] = [*outputs.sinks, status]
        if pipeline.counter is not None:
            attempt = job.attempt if camera.live else 0  # a file read again counts the same events
            sinks.append(EventStoreSink(job.database, job.run_id, camera.name, attempt))
        reporter = Reporter(job, status, pipe, settings.live.read_timeout_s)
        reporter.start()
        started = time.time()
        with STOP.installed():  # SIGTERM from the supervisor: finish the frame, close the outputs
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the supervisor, which stops us
            try:
                pipeline.run(sinks, max_frames=camera.max_frames, progress=False)
            finally:
                write_json_atomic(layout.summary, run_summary(pipeline, outputs, settings, camera.config, started))
                reporter.done.set()
                reporter.send(reporter.snapshot(state="finished"))


def run_camera(job: CameraJob, pipe: Connection) -> None:
    """The worker process's entry point: exit 0 when the source ended or a stop was asked for,
    2 on bad input (one ``error:`` line), another status on a crash."""
    from tracker.cli import QUIET_LIBRARIES

    for name, value in QUIET_LIBRARIES.items():
        os.environ.setdefault(name, value)
    try:
        _track(job, pipe)
    except UserError as error:
        message = f"{job.camera.name}: {error}"
        print(f"error: {message}", file=sys.stderr)
        try:
            pipe.send({"attempt": job.attempt, "state": "failed", "error": message})
        except (OSError, ValueError):
            pass
        sys.exit(error.exit_code)
