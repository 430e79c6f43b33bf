"""Run progress on stderr: tqdm's bar on a terminal; on anything else (a log file, a pipe) a plain
line every ``PlainProgress.every_s`` seconds or 10% of the frames, so logs stay small and
readable (no carriage returns)."""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, TextIO

from tqdm import tqdm


class Progress(Protocol):
    def update(self, n: int = 1) -> Any: ...

    def set_postfix(self, **values: Any) -> Any: ...

    def close(self) -> Any: ...


class PlainProgress:
    """``tracking: 120/795 frames (15%), fps=23.4`` lines, at most one per ``every_s`` seconds
    unless another tenth of ``total`` is done."""

    every_s = 5.0

    def __init__(self, total: int | None, desc: str, stream: TextIO) -> None:
        self.total, self.desc, self.stream = total, desc, stream
        self.done = 0
        self._postfix = ""
        self._last_line = time.monotonic()
        self._last_tenth = 0

    def update(self, n: int = 1) -> None:
        self.done += n
        tenth = self.done * 10 // self.total if self.total else 0
        if tenth > self._last_tenth or time.monotonic() - self._last_line >= self.every_s:
            self._last_tenth = tenth
            self._print()

    def set_postfix(self, **values: Any) -> None:
        self._postfix = ", ".join(f"{key}={value}" for key, value in values.items())

    def _print(self) -> None:
        of = f"/{self.total} frames ({100 * self.done // self.total}%)" if self.total else " frames"
        print(f"{self.desc}: {self.done}{of}" + (f", {self._postfix}" if self._postfix else ""), file=self.stream)
        self.stream.flush()
        self._last_line = time.monotonic()

    def close(self) -> None:
        if self.done and self._last_tenth < 10:
            self._print()


def progress_bar(total: int | None, enabled: bool, desc: str = "tracking") -> Progress:
    """tqdm on a terminal stderr, plain periodic lines elsewhere, nothing when not ``enabled``."""
    if enabled and not sys.stderr.isatty():
        return PlainProgress(total, desc, sys.stderr)
    return tqdm(total=total, unit="frame", disable=not enabled, dynamic_ncols=True, desc=desc)
