"""The frame loop: detect every N frames (or earlier when the tracker asks), track in between,
and hand each processed frame to the outputs (sinks) as it goes."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from tracker.core.protocols import Detector, FrameSource

from tracker.config import PipelineSettings, Settings
from tracker.interrupts import STOP
from tracker.outputs.annotator import Annotator
from tracker.core.protocols import FrameResult, FrameSink
from tracker.outputs.threaded import ThreadedSink
from tracker.outputs.track_files import CSVSink, MOTSink
from tracker.outputs.video import VideoSink
from tracker.smoothing import FixedLagSmoother, SmoothedFrame
from tracker.timing import StageTimer
from tracker.core.protocols import Tracker
from tracker.core.types import Detections, Frame

OUTPUT_FILES = ("tracks.txt", "tracks.csv", "annotated.mp4", "summary.json", "events.jsonl")


@dataclass
class RunStats:
    """What the loop measured; becomes ``summary.json``."""

    frames: int = 0
    wall_s: float = 0.0
    detector_calls: int = 0
    detect_reasons: Counter = field(default_factory=Counter)
    ids_per_class: dict[str, set[int]] = field(default_factory=dict)
    stopped_by: str = "end_of_source"
    timer: StageTimer = field(default_factory=StageTimer)

    def as_dict(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "wall_s": round(self.wall_s, 3),
            "fps": round(self.frames / self.wall_s, 2) if self.wall_s > 0 else None,
            "stage_ms_per_frame": self.timer.ms_per_frame(self.frames),
            "detector_calls": self.detector_calls,
            "detector_calls_by_reason": dict(self.detect_reasons),
            "tracks_per_class": {name: len(ids) for name, ids in sorted(self.ids_per_class.items())},
            "stopped_by": self.stopped_by,
        }


class DetectionScheduler:
    """Decides on which frames the detector runs: every ``detect_every`` frames counted from
    the last detection (fewer when ``max_detect_gap_s`` at the source's ``fps`` asks for it),
    and early when the tracker gives a reason the settings allow."""

    _OPTIONAL_REASONS = {"low_confidence": "redetect_on_low_confidence", "left_frame": "redetect_on_exit",
                         "tentative": "redetect_on_tentative"}

    def __init__(self, settings: PipelineSettings, fps: float) -> None:
        self.settings = settings
        self.every = settings.detect_every
        if settings.max_detect_gap_s is not None:
            self.every = max(1, min(self.every, int(fps * settings.max_detect_gap_s)))
        self._last: int | None = None

    def reason(self, frame: Frame, tracker_reason: str | None) -> str | None:
        if self._last is None or frame.index - self._last >= self.every:
            return "scheduled"
        flag = self._OPTIONAL_REASONS.get(tracker_reason or "")
        if tracker_reason and (flag is None or getattr(self.settings, flag)):
            return tracker_reason
        return None

    def mark(self, frame: Frame) -> None:
        self._last = frame.index


def file_sinks(out_dir: Path, settings: Settings, class_names: tuple[str, ...], fps: float,
               suffix: str = "") -> list[FrameSink]:
    """The standard outputs of a run: tracks.txt, tracks.csv and (unless disabled) annotated.mp4,
    encoded on its own thread; ``suffix`` names a segment of a rotated run (``tracks.0001.txt``)."""
    sinks: list[FrameSink] = [MOTSink(out_dir / f"tracks{suffix}.txt"),
                              CSVSink(out_dir / f"tracks{suffix}.csv", class_names)]
    if settings.output.video:
        sinks.append(ThreadedSink(VideoSink(out_dir / f"annotated{suffix}.mp4", settings.output.fps or fps,
                                            settings.output.codec)))
    return sinks


def _timed_frames(source: FrameSource, timer: StageTimer) -> Iterator[Frame]:
    frames = iter(source)
    while True:
        with timer.stage("read"):
            frame = next(frames, None)
        if frame is None:
            return
        yield frame


def run_pipeline(source: FrameSource, detector: Detector, tracker: Tracker, settings: Settings,
                 sinks: Sequence[FrameSink], stats: RunStats, *, max_frames: int | None = None,
                 progress: bool = True) -> None:
    """Process ``source`` into ``sinks``, filling ``stats`` as it goes. Ctrl-C
    (KeyboardInterrupt) stops the loop after the current frame (with ``interrupts.STOP``
    installed, a frame being processed is finished first); on any exit every sink is
    closed, so each output is valid up to the last processed frame."""
    timer = stats.timer
    scheduler = DetectionScheduler(settings.pipeline, source.info.fps)
    smoother = FixedLagSmoother(settings.pipeline.lag_frames)
    annotator = Annotator(detector.class_names, settings.output.trail)
    draw = any(sink.wants_image for sink in sinks)
    total = source.info.frame_count if max_frames is None else min(max_frames, source.info.frame_count or max_frames)
    start = time.perf_counter()

    def emit(smoothed: SmoothedFrame) -> None:
        tracks = smoothed.tracks
        for track_id, class_id in zip(tracks.ids, tracks.class_ids):
            stats.ids_per_class.setdefault(detector.class_names[class_id], set()).add(int(track_id))
        image = None
        if draw:
            with timer.stage("draw"):
                fps = stats.frames / max(time.perf_counter() - start, 1e-9)
                status = (f"frame {smoothed.frame.index + 1}  {fps:.1f} fps  "
                          f"{'detecting' if smoothed.detect_reason else 'tracking'}  {len(tracks)} tracks")
                image = annotator.draw(smoothed.frame.image, tracks, status)
        result = FrameResult(smoothed.frame, tracks, smoothed.detect_reason, annotated=image)
        with timer.stage("write"):
            for sink in sinks:
                sink.write(result)

    try:
        with ExitStack() as closing:
            for sink in reversed(sinks):
                closing.callback(sink.close)
            closing.callback(lambda: [emit(held) for held in smoother.flush()])  # held frames first
            bar = closing.enter_context(
                tqdm(total=total, unit="frame", disable=not progress, dynamic_ncols=True, desc="tracking"))
            for frame in _timed_frames(source, timer):
                STOP.frame_started()  # a stop signal now waits until this frame is written
                if frame.after_gap:
                    tracker.reset()  # a live stream came back: no track continues across the gap
                detections: Detections | None = None
                reason = scheduler.reason(frame, tracker.redetect_reason)
                if reason:
                    with timer.stage("detect"):
                        detections = detector.detect([frame])[0]
                    scheduler.mark(frame)
                    stats.detector_calls += 1
                    stats.detect_reasons[reason] += 1
                with timer.stage("track"):
                    snapshots = tracker.update(detections, frame)
                    ready = smoother.push(frame, reason, snapshots)
                stats.frames += 1
                for smoothed in ready:
                    emit(smoothed)
                bar.update(1)
                STOP.frame_finished()
                if stats.frames % 10 == 0:
                    bar.set_postfix(fps=f"{stats.frames / (time.perf_counter() - start):.1f}", tracks=sum(s.shown for s in snapshots))
                if max_frames is not None and stats.frames >= max_frames:
                    stats.stopped_by = "max_frames"
                    break
    except KeyboardInterrupt:
        stats.stopped_by = "interrupt"
    except BaseException:
        stats.stopped_by = "error"
        raise
    finally:
        STOP.reset()
        stats.wall_s = time.perf_counter() - start
