"""``events.jsonl``: the counting events of each frame, one JSON object per line, written
through after every frame that has any (cut back to whole frames if a write fails)."""

from __future__ import annotations

import json
from pathlib import Path

from tracker.core.protocols import FrameResult
from tracker.outputs.track_files import FrameLines


class EventLogSink:
    """Appends each frame's counting events to ``path``."""

    wants_image = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = FrameLines(path)
        self.events_written = 0

    def write(self, result: FrameResult) -> None:
        if result.events:
            self._file.append("".join(json.dumps(event) + "\n" for event in result.events))
            self.events_written += len(result.events)

    def close(self) -> None:
        self._file.close()
