"""The one way to build a run: settings + a source -> a ready ``Pipeline``. Used by the CLI,
the Python API, the benchmarks, the soak and the tests."""

from __future__ import annotations

from detectors import build_detector
from tracker.capture import open_source, paced_if
from tracker.config import Settings
from tracker.core.protocols import Detector, FrameSource
from tracker.counting import LineZoneCounter
from tracker.outputs.annotators import standard_annotators
from tracker.pipeline import Pipeline
from tracker.readahead import ReadAheadSource
from tracker.trackers import build_tracker
from tracker.trackers.costs import wait_for_solver


def build_pipeline(
    settings: Settings,
    source: FrameSource | str,
    *,
    draw: bool = True,
    detector: Detector | None = None,
    realtime: bool = False,
) -> Pipeline:
    """A pipeline over ``source`` (a ``FrameSource``, or anything ``tracker track`` accepts:
    a video file, an image folder, a webcam index, a stream URL). ``draw``: annotate each frame
    (``FrameResult.annotated``); ``detector``: use this one instead of building
    ``settings.detector`` (e.g. a detector already loaded); ``realtime``: hand a file or folder
    out at its own frame rate (``capture.paced_if``). A source opened here is closed when
    building fails, and by ``Pipeline.close()``. Files and folders (not live sources) are
    decoded ahead on a reader thread (``ReadAheadSource``). SciPy's assignment solver, whose
    import the tracker starts on a thread, is ready when this returns: the run's clock and a live
    stream's first frames never wait for it (a 0.4 s stall at the first association)."""
    opened = open_source(source, settings.live) if isinstance(source, str) else source
    try:
        if detector is None:
            detector = build_detector(settings.detector, opened.info.path)
        tracker = build_tracker(settings.tracker)
    except BaseException:
        if opened is not source:
            opened.close()
        raise
    opened = paced_if(opened, realtime)
    if not opened.info.live:
        opened = ReadAheadSource(opened)
    max_age = settings.tracker.max_age_frames(opened.info.fps)
    counter = LineZoneCounter(settings.counting, detector.class_names, forget_after=max_age + 1)
    pipeline = Pipeline(opened, detector, tracker, settings.pipeline, counter=counter, max_age_frames=max_age)
    if draw:
        output = settings.output
        pipeline.annotators = standard_annotators(
            detector.class_names,
            output.trail,
            settings.counting,
            pipeline.fps,
            tuple(output.labels),
            output.line_width,
        )
    wait_for_solver()
    return pipeline
