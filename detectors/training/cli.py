"""Argument handling shared by ``scripts/train_*.py``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from tracker.core.errors import UserError
from tracker.core.settings import parse_override


def parse_common_args(argv: list[str] | None, description: str | None, default_config: Path) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=default_config, help="training settings (YAML)")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting, e.g. --set epochs=1 (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        args.overrides = dict(parse_override(text) for text in args.sets)
    except UserError as error:
        parser.exit(2, f"error: {error}\n")
    return args


def report_user_errors(run: Callable[[], None]) -> int:
    """Run; a ``UserError`` becomes one line on stderr and exit status 2."""
    try:
        run()
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    return 0
