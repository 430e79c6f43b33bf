"""One camera's worker process: the normal pipeline into ``DIR/<name>/`` (as ``tracker track``
writes it), its events also into the database, and its state sent to the supervisor twice a
second over its own pipe."""

from __future__ import annotations

import collections
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import cv2

from tracker.core.errors import UserError
from tracker.core.protocols import FrameResult, FrameSink
from tracker.monitor.cameras import Camera

if TYPE_CHECKING:
    from tracker.outputs.layout import OutputLayout

REPORT_EVERY_S = 0.5
RECENT_EVENTS = 20


PREVIEW_FPS = 10.0  # frames a second sent to the dashboard
PREVIEW_WIDTH = 640


@dataclass(frozen=True)
class CameraJob:
    """What one attempt of one camera runs; ``preview``: send annotated frames for the dashboard."""

    camera: Camera
    out_dir: Path
    database: Path
    run_id: str
    attempt: int
    preview: bool = False


class Channel:
    """The pipe to the supervisor, shared by the loop and the reporter thread."""

    def __init__(self, pipe: Connection, attempt: int) -> None:
        self._pipe, self._attempt, self._lock = pipe, attempt, threading.Lock()
        self._parent = os.getppid()

    def send(self, message: dict[str, Any]) -> None:
        with self._lock:
            try:
                self._pipe.send({"attempt": self._attempt, **message})
            except (OSError, ValueError):  # the supervisor is gone: the run goes on, unwatched
                pass

    def orphaned(self) -> bool:
        return os.getppid() != self._parent


class PreviewSink:
    """Sends the annotated frames, as JPEG at most ``PREVIEW_FPS`` a second, to the dashboard."""

    wants_image = True

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self._last = 0.0

    def write(self, result: FrameResult) -> None:
        now = time.monotonic()
        if result.annotated is None or now - self._last < 1 / PREVIEW_FPS:
            return
        self._last = now
        image = result.annotated
        if image.shape[1] > PREVIEW_WIDTH:
            image = cv2.resize(image, (PREVIEW_WIDTH, image.shape[0] * PREVIEW_WIDTH // image.shape[1]))
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 75])
        if ok:
            self.channel.send({"jpeg": jpeg.tobytes()})

    def close(self) -> None:
        pass


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

    def __init__(self, status: StatusSink, channel: Channel, stall_s: float) -> None:
        super().__init__(name="monitor-reporter", daemon=True)
        self.status, self.channel, self.stall_s = status, channel, stall_s
        self.done = threading.Event()

    def snapshot(self, state: str | None = None) -> dict[str, Any]:
        status = self.status
        stalled = time.monotonic() - status.last_frame_at > self.stall_s
        events = []
        while status.events:
            events.append(status.events.popleft())
        return {
            "state": state or ("reconnecting" if stalled else "running"),
            "frames": status.frames,
            "counts": status.counts,
            "events": events,
        }

    def run(self) -> None:
        while not self.done.wait(REPORT_EVERY_S):
            if self.channel.orphaned():  # the supervisor died: stop as a SIGTERM would
                os.kill(os.getpid(), signal.SIGTERM)
            self.channel.send(self.snapshot())


def _clear_output_dir(layout: OutputLayout) -> None:
    """Remove an earlier attempt's outputs (so no stale file mixes with this one's) and make the folder."""
    try:
        for path in layout.existing():
            path.unlink(missing_ok=True)
        layout.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot write to output folder {layout.out_dir}: {error.strerror}") from None


def _track(job: CameraJob, pipe: Connection) -> None:
    from tracker.builder import build_pipeline
    from tracker.commands.track import run_summary
    from tracker.core.files import write_json_atomic
    from tracker.monitor.event_store import EventStoreSink
    from tracker.outputs.assemble import build_outputs
    from tracker.outputs.layout import OutputLayout

    camera = job.camera
    settings = camera.settings()
    layout = OutputLayout(job.out_dir)
    channel = Channel(pipe, job.attempt)
    draw = settings.output.video or job.preview
    with build_pipeline(settings, camera.source, draw=draw, realtime=camera.realtime) as pipeline:
        outputs = build_outputs(
            layout,
            settings.output,
            pipeline.class_names,
            pipeline.source.info.fps,
            events=pipeline.counter is not None,
            prepare=lambda: _clear_output_dir(layout),
        )
        status = StatusSink()
        sinks: list[FrameSink] = [*outputs.sinks, status, *([PreviewSink(channel)] if job.preview else [])]
        if pipeline.counter is not None:
            attempt = job.attempt if camera.live else 0  # a file read again counts the same events
            sinks.append(EventStoreSink(job.database, job.run_id, camera.name, attempt))
        reporter = Reporter(status, channel, settings.live.read_timeout_s)
        reporter.start()
        started = time.time()
        try:
            pipeline.run(sinks, max_frames=camera.max_frames, progress=False)
        finally:
            write_json_atomic(layout.summary, run_summary(pipeline, outputs, settings, camera.config, started))
            reporter.done.set()
            channel.send({**reporter.snapshot(state="finished"), "stopped_by": pipeline.stats.stopped_by})


def run_camera(job: CameraJob, pipe: Connection) -> None:
    """The worker process's entry point: exit 0 when the source ended or a stop was asked for,
    2 on bad input (one ``error:`` line), another status on a crash."""
    from tracker.cli import QUIET_LIBRARIES
    from tracker.interrupts import STOP

    for name, value in QUIET_LIBRARIES.items():
        os.environ.setdefault(name, value)
    try:
        # SIGTERM from the supervisor: finish the frame and close the outputs (before the first
        # frame: stop at once); Ctrl-C reaches the supervisor too, which stops every worker
        with STOP.installed():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            _track(job, pipe)
    except KeyboardInterrupt:
        return
    except UserError as error:
        message = f"{job.camera.name}: {error}"
        print(f"error: {message}", file=sys.stderr)
        Channel(pipe, job.attempt).send({"state": "failed", "error": message})
        sys.exit(error.exit_code)


class Worker(Protocol):
    """One running attempt of a camera, as the supervisor sees it (here or on Ray)."""

    pid: int | None
    waitable: Connection | None  # ready when messages wait (None: poll)

    def messages(self) -> list[dict[str, Any]]: ...

    def exitcode(self) -> int | None: ...

    def stop(self) -> None: ...

    def kill(self) -> None: ...


class LocalWorker:
    """An attempt in a spawned process on this machine; its messages come over a pipe."""

    def __init__(self, job: CameraJob) -> None:
        context = multiprocessing.get_context("spawn")
        reader, writer = context.Pipe(duplex=False)
        self.process = context.Process(target=run_camera, args=(job, writer), name=f"camera-{job.camera.name}")
        self.process.start()
        writer.close()  # the worker holds the only writing end: its death ends the pipe
        self.waitable: Connection | None = reader
        self.pid = self.process.pid

    def messages(self) -> list[dict[str, Any]]:
        """Every message waiting; the pipe is closed once the worker is gone (a message cut
        short by a kill included)."""
        pipe, received = self.waitable, []
        if pipe is None:
            return []
        try:
            while pipe.poll():
                received.append(pipe.recv())
        except (EOFError, OSError):
            pipe.close()
            self.waitable = None
        return received

    def exitcode(self) -> int | None:
        """``None`` while it runs."""
        if self.process.is_alive():
            return None
        self.process.join()
        return self.process.exitcode

    def stop(self) -> None:
        """SIGTERM: finish the frame, close the outputs."""
        if self.pid is not None and self.process.is_alive():
            os.kill(self.pid, signal.SIGTERM)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
