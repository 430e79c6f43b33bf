"""``tracker events``: counts per interval, camera, line or zone, event and class, read from
``events.sqlite``."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tracker.core.errors import UserError
from tracker.monitor.event_store import BUSY_TIMEOUT_MS

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
COLUMNS = ("start", "end", "camera", "place", "event", "class", "count")


@dataclass(frozen=True)
class Query:
    """Which events to count; times are seconds since the epoch, ``every`` the interval in seconds."""

    camera: str | None = None
    since: float | None = None
    until: float | None = None
    class_name: str | None = None
    every: float | None = None


def parse_duration(text: str) -> float:
    """``"15m"`` -> 900.0 (units s, m, h, d)."""
    match = _DURATION.match(text.strip())
    if not match or float(match.group(1)) <= 0:
        raise UserError(f"interval '{text}' is not a positive duration like 30s, 15m, 1h or 1d")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


def parse_time(text: str) -> float:
    """An ISO date or date-time (local time unless it names its zone) as seconds since the epoch."""
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise UserError(f"time '{text}' is not an ISO date or date-time like 2026-11-30T08:00") from None


def _format(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).isoformat(sep=" ", timespec="seconds")


def count_events(database: Path, query: Query) -> list[tuple[str, ...]]:
    """One row per interval, camera, place, event and class: ``COLUMNS``. Intervals of ``every``
    seconds are aligned on the epoch (UTC midnight for days); without it, one interval spans the
    events found (or ``since``..``until``)."""
    if not database.is_file():
        raise UserError(f"no events database: {database} (written by tracker monitor)")
    where, params = ["1"], []
    for clause, value in (
        ("camera = ?", query.camera),
        ("wall_time >= ?", query.since),
        ("wall_time < ?", query.until),
        ("class = ?", query.class_name),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    bucket = f"CAST(wall_time / {query.every!r} AS INTEGER) * {query.every!r}" if query.every else "0"
    event = "CASE kind WHEN 'line_crossing' THEN direction WHEN 'zone_enter' THEN 'enter' ELSE 'exit' END"
    sql = (
        f"SELECT {bucket} AS bucket, MIN(wall_time), MAX(wall_time), camera, place, {event} AS what, class, COUNT(*) "
        f"FROM events WHERE {' AND '.join(where)} "
        "GROUP BY bucket, camera, place, what, class ORDER BY bucket, camera, place, what, class"
    )
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            rows = connection.execute(sql, params).fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise UserError(f"cannot read {database}: {error}") from None
    if not query.every and rows:
        first = query.since if query.since is not None else min(row[1] for row in rows)
        last = query.until if query.until is not None else max(row[2] for row in rows)
    result: list[tuple[str, ...]] = []
    for bucket_start, _, _, camera, place, what, class_name, count in rows:
        start, end = (bucket_start, bucket_start + query.every) if query.every else (first, last)
        result.append((_format(start), _format(end), camera, place, what, class_name, str(count)))
    return result
