"""Puts a run's outputs together: the file outputs (tracks, CSV, video, events; rotated as one
when configured), then the live view and the display window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracker.core.protocols import FrameSink
from tracker.outputs.event_log import EventLogSink
from tracker.outputs.layout import EVENTS, TRACKS_CSV, TRACKS_MOT, VIDEO, OutputLayout
from tracker.outputs.rotation import RotatingSinks
from tracker.outputs.settings import OutputSettings
from tracker.outputs.threaded import ThreadedSink
from tracker.outputs.track_files import CSVSink, MOTSink
from tracker.outputs.video import VideoSink

# The video encoder's thread (and libx264's) runs this much lower in CPU priority than the loop:
# on a machine the loop and the detector keep busy, the encoder takes what they leave, from its
# queue, instead of slowing the detector's threads (vtest on 2 cores: 49-54 -> 54-60 fps).
ENCODER_NICE = 10


@dataclass
class RunOutputs:
    sinks: list[FrameSink] = field(default_factory=list)
    rotation: RotatingSinks | None = None

    def summary(self) -> dict[str, Any]:
        """What the outputs add to ``summary.json``."""
        return {} if self.rotation is None else {"output_segments": self.rotation.segment + 1}


def file_sinks(
    layout: OutputLayout, settings: OutputSettings, class_names: tuple[str, ...], fps: float, events: bool
) -> Callable[[int | None], list[FrameSink]]:
    """A maker of one segment's file outputs: tracks.txt, tracks.csv, (unless disabled)
    annotated.mp4 encoded on its own thread, and events.jsonl when counting."""

    def make(segment: int | None) -> list[FrameSink]:
        sinks: list[FrameSink] = [
            MOTSink(layout.path(TRACKS_MOT, segment)),
            CSVSink(layout.path(TRACKS_CSV, segment), class_names),
        ]
        if events:
            sinks.append(EventLogSink(layout.path(EVENTS, segment)))
        if settings.video:
            sinks.append(
                ThreadedSink(
                    VideoSink(layout.path(VIDEO, segment), settings.fps or fps, settings.codec, settings.preset),
                    nice=ENCODER_NICE,
                )
            )
        return sinks

    return make


def build_outputs(
    layout: OutputLayout,
    settings: OutputSettings,
    class_names: tuple[str, ...],
    fps: float,
    *,
    events: bool = False,
    serve: str | None = None,
    display: bool = False,
    prepare: Callable[[], None] | None = None,
) -> RunOutputs:
    """``events``: write events.jsonl; ``serve``: ``HOST:PORT`` (or ``PORT``) for the live view;
    ``display``: an OpenCV window. The window and the live view's port are opened first, then
    ``prepare()`` readies the output folder, then the files are created."""
    from tracker.outputs.live_view import DisplaySink, LiveViewSink, parse_host_port

    display_sinks: list[FrameSink] = [DisplaySink()] if display else []  # fails fast, before any file
    live_sinks: list[FrameSink] = [LiveViewSink(*parse_host_port(serve))] if serve is not None else []
    if prepare is not None:
        prepare()
    make = file_sinks(layout, settings, class_names, fps, events)
    outputs = RunOutputs()
    if settings.rotate_minutes or settings.rotate_mb:
        outputs.rotation = RotatingSinks(
            make,
            layout,
            settings.rotate_minutes * 60 if settings.rotate_minutes else None,
            settings.rotate_mb * 1e6 if settings.rotate_mb else None,
        )
        outputs.sinks.append(outputs.rotation)
    else:
        outputs.sinks += make(None)
    outputs.sinks += live_sinks + display_sinks
    return outputs
