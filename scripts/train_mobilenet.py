"""Train the ``mobilenet`` detector: the same as ``tracker train configs/training/train_mobilenet.yaml``.

python scripts/train_mobilenet.py [--config configs/training/train_mobilenet.yaml] [--set key=value ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.training.cli import parse_common_args, report_user_errors
from detectors.training.train_mobilenet import train


def main(argv: list[str] | None = None) -> int:
    args = parse_common_args(argv, __doc__, Path("configs/training/train_mobilenet.yaml"))
    return report_user_errors(lambda: train(args.config, args.overrides))


if __name__ == "__main__":
    raise SystemExit(main())
