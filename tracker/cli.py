"""The ``tracker`` command: one sub-command per module in ``tracker.commands``.

Each command module has ``register(subparsers)``, which adds its parser and sets
``run=<function(args) -> int>``. Heavy imports (TensorFlow, dlib) happen inside ``run``
so that ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    for name, value in QUIET_LIBRARIES.items():
        os.environ.setdefault(name, value)
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
