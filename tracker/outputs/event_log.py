"""``events.jsonl``: the counting events of each frame, one JSON object per line, flushed
after every frame that has any."""

from __future__ import annotations

import json
from pathlib import Path

from tracker.core.protocols import FrameResult


class EventLogSink:
    """Appends each frame's counting events to ``path``."""

    wants_image = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("w")
        self.events_written = 0

    def write(self, result: FrameResult) -> None:
        if result.events:
            self._file.writelines(json.dumps(event) + "\n" for event in result.events)
            self._file.flush()
            self.events_written += len(result.events)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
