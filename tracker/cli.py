"""The ``tracker`` command: one sub-command per module in ``tracker.commands``.

Each command module has ``register(subparsers)``, which adds its parser and sets
``run=<function(args) -> int>``. Heavy imports (TensorFlow, dlib) happen inside ``run``
so that ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys

from tracker import __version__
from tracker.core.errors import UserError

# Our own one-line errors say what went wrong; keep OpenCV's, FFmpeg's and TensorFlow's
# log chatter off stderr unless the user asks for it (these must be set before the imports).
QUIET_LIBRARIES = {"OPENCV_LOG_LEVEL": "ERROR", "OPENCV_FFMPEG_LOGLEVEL": "-8", "TF_CPP_MIN_LOG_LEVEL": "3"}

COMMAND_MODULES = (
    "tracker.commands.track",
    "tracker.commands.eval",
    "tracker.commands.detect",
    "tracker.commands.train",
    "tracker.commands.monitor",
    "tracker.commands.events",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracker", description="Real-time video detection and tracking.")
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def _unknown_option_error(parser: argparse.ArgumentParser, args: argparse.Namespace, extras: list[str]) -> None:
    """Stop with the sub-command's usage (not the top level's) and a "did you mean" per unknown option."""
    command_parser = next(
        (action.choices[args.command] for action in parser._actions if isinstance(action, argparse._SubParsersAction)),
        parser,
    )
    known = list(command_parser._option_string_actions)
    hints = []
    for extra in extras:
        close = difflib.get_close_matches(extra.split("=", 1)[0], known, n=1) if extra.startswith("-") else []
        hints.append(f"{extra} (did you mean {close[0]}?)" if close else extra)
    command_parser.error(f"unrecognized arguments: {' '.join(hints)}")


def main(argv: list[str] | None = None) -> int:
    for name, value in QUIET_LIBRARIES.items():
        os.environ.setdefault(name, value)
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        _unknown_option_error(parser, args, extras)
    try:
        return int(args.run(args) or 0)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
