"""Puts a run's outputs together, in the order they must see each frame: counting (draws its
lines and counts on the image), the file outputs (rotated when configured), then the live
view and the display window."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.config import Settings
from tracker.counting import LineZoneCounter
from tracker.core.protocols import FrameSink
from tracker.outputs.counts import CountingSink, EventLog
from tracker.outputs.rotation import RotatingSinks


@dataclass
class RunOutputs:
    sinks: list[FrameSink] = field(default_factory=list)
    counter: LineZoneCounter | None = None
    rotation: RotatingSinks | None = None

    def summary(self) -> dict[str, Any]:
        """What the outputs add to ``summary.json``."""
        extra: dict[str, Any] = {}
        if self.counter is not None:
            extra["counts"] = self.counter.summary()
        if self.rotation is not None:
            extra["output_segments"] = self.rotation.segment + 1
        return extra


def build_outputs(out_dir: Path, settings: Settings, class_names: tuple[str, ...], fps: float, *,
                  serve: str | None = None, display: bool = False) -> RunOutputs:
    """``serve``: ``HOST:PORT`` (or ``PORT``) for the live view; ``display``: an OpenCV window."""
    from tracker.outputs.live_view import DisplaySink, LiveViewSink, parse_host_port
    from tracker.pipeline import file_sinks

    if display:
        outputs_display: list[FrameSink] = [DisplaySink()]  # fails fast, before any file is made
    else:
        outputs_display = []

    outputs = RunOutputs()
    output = settings.output
    suffix = lambda: ""  # noqa: E731 - replaced by the rotation's current segment below
    if output.rotate_minutes or output.rotate_mb:
        outputs.rotation = RotatingSinks(
            lambda s: file_sinks(out_dir, settings, class_names, fps, suffix=s), out_dir,
            output.rotate_minutes * 60 if output.rotate_minutes else None,
            output.rotate_mb * 1e6 if output.rotate_mb else None)
        rotation = outputs.rotation
        suffix = lambda: rotation.suffix  # noqa: E731
    counter = LineZoneCounter(settings.counting, class_names, forget_after=settings.tracker.max_disappeared + 1)
    if counter.enabled:
        outputs.counter = counter
        outputs.sinks.append(CountingSink(counter, EventLog(lambda: out_dir / f"events{suffix()}.jsonl")))
    outputs.sinks += [outputs.rotation] if outputs.rotation else file_sinks(out_dir, settings, class_names, fps)
    if serve is not None:
        counts = outputs.counter.summary if outputs.counter else None
        outputs.sinks.append(LiveViewSink(*parse_host_port(serve), counts=counts))
    outputs.sinks += outputs_display
    return outputs
