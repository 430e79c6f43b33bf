"""``events.sqlite``: every counting event of every camera of a ``tracker monitor`` run, in one
SQLite database (schema in docs/monitor.md). Each worker writes through its own connection
(WAL, a busy timeout) and commits after every frame with events; the unique key makes a
restarted file camera, which reads its file again, insert nothing twice."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from tracker.core.errors import UserError
from tracker.core.protocols import FrameResult

DATABASE = "events.sqlite"
BUSY_TIMEOUT_MS = 30_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started REAL NOT NULL,
    cameras_file TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    camera TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    wall_time REAL NOT NULL,
    time_s REAL NOT NULL,
    frame INTEGER NOT NULL,
    track_id INTEGER NOT NULL,
    class TEXT NOT NULL,
    kind TEXT NOT NULL,
    place TEXT NOT NULL,
    direction TEXT,
    dwell_s REAL,
    at_track_end INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, camera, attempt, frame, track_id, place, kind)
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (wall_time, camera);
"""

INSERT = """INSERT OR IGNORE INTO events
(run_id, camera, attempt, wall_time, time_s, frame, track_id, class, kind, place, direction, dwell_s, at_track_end)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode that waits for the other writers instead of failing."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level="DEFERRED")
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")  # WAL: a power cut may lose the last commit, never corrupts
    return connection


def create(path: Path, run_id: str, cameras_file: Path) -> None:
    """Create the tables (kept when they exist: the database spans runs) and record the run."""
    try:
        connection = connect(path)
        with connection:
            connection.executescript(SCHEMA)
            connection.execute("INSERT INTO runs VALUES (?, ?, ?)", (run_id, time.time(), str(cameras_file)))
        connection.close()
    except sqlite3.Error as error:
        raise UserError(f"cannot use the events database {path}: {error}") from None


def event_row(run_id: str, camera: str, attempt: int, event: dict[str, Any], wall_time: float) -> tuple[Any, ...]:
    """One ``events.jsonl`` event as a row; ``wall_time``: when it was counted (a live frame's
    capture time, else when the frame was processed)."""
    return (
        run_id,
        camera,
        attempt,
        wall_time,
        event["time_s"],
        event["frame"],
        event["track_id"],
        event["class"],
        event["event"],
        event.get("line") or event.get("zone"),
        event.get("direction"),
        event.get("dwell_s"),
        int(bool(event.get("at_track_end"))),
    )


class EventStoreSink:
    """Writes each frame's counting events into the database and commits them at once.
    ``attempt``: 0 for a file (a restart reads it again: the same events, ignored), the restart
    number for a live source (a restart starts counting frames again)."""

    wants_image = False

    def __init__(self, path: Path, run_id: str, camera: str, attempt: int) -> None:
        self._connection = connect(path)
        self._key = (run_id, camera, attempt)
        self.events_written = 0

    def write(self, result: FrameResult) -> None:
        if not result.events:
            return
        wall_time = result.frame.wall_time if result.frame.wall_time is not None else time.time()
        rows = [event_row(*self._key, event, wall_time) for event in result.events]
        with self._connection:  # one transaction, committed on leaving
            self._connection.executemany(INSERT, rows)
        self.events_written += len(rows)

    def close(self) -> None:
        self._connection.close()
