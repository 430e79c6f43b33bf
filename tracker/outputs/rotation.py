"""Output rotation for long runs: the file outputs are closed and reopened under the next
segment number (``tracks.0001.txt``, ``annotated.0001.mp4``, ...) every N minutes of stream
time or when the segment's files reach N MB, so a crash loses at most the current segment."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tracker.core.protocols import FrameResult, FrameSink
from tracker.outputs.layout import OutputLayout, segment_suffix

SIZE_CHECK_EVERY = 25  # frames between checks of the segment's size on disk


class RotatingSinks:
    """A sink holding one segment's sinks, made by ``make(segment)``; rolls all of them to the
    next segment together, before the first frame that is due (``max_seconds`` of frame time
    passed, or the segment's files past ``max_bytes``), so a frame's outputs never straddle two."""

    def __init__(
        self,
        make: Callable[[int], Sequence[FrameSink]],
        layout: OutputLayout,
        max_seconds: float | None,
        max_bytes: float | None,
    ) -> None:
        self.make = make
        self.out_dir = layout.out_dir
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self.segment = 0
        self.suffix = segment_suffix(0)
        self._sinks = list(make(0))
        self.wants_image = any(s.wants_image for s in self._sinks)
        self._segment_start_s: float | None = None
        self._frames_in_segment = 0

    def segment_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.out_dir.glob(f"*{self.suffix}.*") if p.is_file())

    def _due(self, time_s: float) -> bool:
        if self._frames_in_segment == 0:
            return False
        if self.max_seconds is not None and time_s - (self._segment_start_s or 0.0) >= self.max_seconds:
            return True
        return (
            self.max_bytes is not None
            and self._frames_in_segment % SIZE_CHECK_EVERY == 0
            and self.segment_bytes() >= self.max_bytes
        )

    def write(self, result: FrameResult) -> None:
        if self._due(result.frame.time_s):
            self._close_segment()
            self.segment += 1
            self.suffix = segment_suffix(self.segment)
            self._sinks = list(self.make(self.segment))
            self._frames_in_segment = 0
        if self._frames_in_segment == 0:
            self._segment_start_s = result.frame.time_s
        for sink in self._sinks:
            sink.write(result)
        self._frames_in_segment += 1

    def _close_segment(self) -> None:
        errors = []
        for sink in self._sinks:
            try:
                sink.close()
            except Exception as error:  # close them all, then report the first failure
                errors.append(error)
        if errors:
            raise errors[0]

    def close(self) -> None:
        self._close_segment()
