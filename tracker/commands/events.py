"""``tracker events DIR``: counts per camera, line or zone, and class per interval, from the
database of a ``tracker monitor`` run."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "events",
        help="count the events of a tracker monitor run per camera, line, class and interval",
        description="Read DIR/events.sqlite (written by tracker monitor) and print the counts per interval, "
        "camera, line or zone, event (in, out, enter, exit) and class.",
    )
    parser.add_argument("folder", metavar="DIR", type=Path, help="the output folder of tracker monitor")
    parser.add_argument("--camera", metavar="NAME", help="only this camera")
    parser.add_argument("--since", metavar="TIME", help="from this local ISO time on, e.g. 2026-11-30T08:00")
    parser.add_argument("--until", metavar="TIME", help="before this local ISO time")
    parser.add_argument("--class", dest="class_name", metavar="C", help="only this class")
    parser.add_argument("--every", metavar="INTERVAL", help="one row per interval: 30s, 15m, 1h, 1d")
    parser.add_argument("--csv", action="store_true", help="CSV instead of an aligned table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tracker.monitor.event_store import DATABASE
    from tracker.monitor.report import COLUMNS, Query, count_events, parse_duration, parse_time

    query = Query(
        camera=args.camera,
        since=parse_time(args.since) if args.since else None,
        until=parse_time(args.until) if args.until else None,
        class_name=args.class_name,
        every=parse_duration(args.every) if args.every else None,
    )
    rows = count_events(args.folder / DATABASE, query)
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        return 0
    widths = [max(len(str(cell)) for cell in column) for column in zip(COLUMNS, *rows)]
    for row in (COLUMNS, *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0
