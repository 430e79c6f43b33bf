"""``tracker monitor CAMERAS.yaml -o DIR``: every camera of the file at once, one worker process
each, their events in ``DIR/events.sqlite``."""

from __future__ import annotations

import argparse
import signal
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.core.errors import UserError

if TYPE_CHECKING:
    from tracker.monitor.worker import CameraJob, Worker

EPILOG = """\
CAMERAS.yaml:
  cameras:
    - name: door                     # output sub-folder DIR/door/
      source: rtsp://cam1/stream     # anything `tracker track` accepts (relative paths: from the file's folder)
      config: pedestrians            # optional: a config file or a shipped config's name
      overrides:                     # optional: dotted keys or nested sections over the config
        counting.lines: [{name: gate, points: [[100, 0], [100, 480]]}]
      max_frames: 1000               # optional; max_restarts (10), num_cpus (1, with --ray)

outputs in DIR: one folder per camera (as `tracker track` writes it), events.sqlite (every counting
event, see `tracker events`), monitor.json (each camera's state, counts and restarts).
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "monitor",
        help="run many cameras at once, their counting events in one database",
        description="Track every camera of CAMERAS.yaml at once, each in its own worker process; a worker "
        "that crashes or whose stream ends is restarted with doubling waits. Ctrl-C or SIGTERM stops "
        "every camera cleanly.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("cameras", metavar="CAMERAS.yaml", type=Path, help="the cameras to run")
    parser.add_argument("-o", "--output", metavar="DIR", required=True, type=Path, help="folder for the outputs")
    parser.add_argument(
        "--serve",
        metavar="HOST:PORT",
        help="dashboard at http://HOST:PORT/: every camera's live view, fps, state, counts and latest events "
        "(PORT alone binds 127.0.0.1)",
    )
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run each camera as a Ray actor: 'local' starts a local Ray instance, else a ray.init address "
        "(needs the [ray] extra; DIR must be at the same path on every node)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace the camera outputs of an earlier run")
    parser.set_defaults(run=run)


def _check_output_dir(out_dir: Path, camera_names: list[str], overwrite: bool) -> None:
    from tracker.outputs.layout import OutputLayout

    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"output path exists and is not a folder: {out_dir}")
    used = [name for name in camera_names if OutputLayout(out_dir / name).existing()]
    if used and not overwrite:
        raise UserError(f"{out_dir} already holds outputs of camera {', '.join(used)}; use --overwrite or another -o")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot write to output folder {out_dir}: {error.strerror}") from None


def _launcher(address: str | None) -> Callable[[CameraJob], Worker]:
    """How each camera's attempts start: local processes, or Ray actors at ``address``."""
    from tracker.monitor.worker import LocalWorker

    if address is None:
        return LocalWorker
    import detectors
    import tracker
    from tracker.monitor.ray_runner import RayLauncher
    from tracker.ray_session import start_ray

    start_ray(address, [tracker, detectors])  # shut down with this process
    return RayLauncher()


def run(args: argparse.Namespace) -> int:
    from tracker.monitor import event_store
    from tracker.monitor.cameras import load_cameras
    from tracker.monitor.supervisor import Supervisor

    cameras = load_cameras(args.cameras)
    if args.serve is not None:
        from tracker.outputs.live_view import parse_host_port

        host, port = parse_host_port(args.serve)
    _check_output_dir(args.output, [camera.name for camera in cameras], args.overwrite)
    run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    database = args.output / event_store.DATABASE
    supervisor = Supervisor(cameras, args.output, database, run_id, launch=_launcher(args.ray))
    dashboard = None
    if args.serve is not None:  # its ports first: a taken port fails before anything is written
        from tracker.monitor.dashboard import Dashboard

        dashboard = Dashboard(host, port, [camera.name for camera in cameras], lambda: supervisor.snapshot)
        supervisor.on_frame = dashboard.publish
    event_store.create(database, run_id, args.cameras.resolve())
    previous = {signum: signal.signal(signum, supervisor.request_stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        status = supervisor.run()
    finally:
        if dashboard is not None:
            dashboard.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    for name, camera in status["cameras"].items():
        restarts = f", {len(camera['restarts'])} restarts" if camera["restarts"] else ""
        error = f": {camera['error']}" if camera["error"] else ""
        print(f"{name}: {camera['state']} after {camera['frames']} frames{restarts}{error}", file=sys.stderr)
    failed = [camera for camera in status["cameras"].values() if camera["state"] == "failed"]
    return 1 if failed else 0
