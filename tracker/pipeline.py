"""The frame loop: detect every N frames (or earlier when the tracker asks), track in between,
hold and revise recent frames (fixed-lag smoothing), count, draw, and hand each finished frame
to the outputs. It knows its parts only through their protocols (``tracker.core.protocols``)."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tracker.core.protocols import Detector, FrameResult, FrameSink, FrameSource, Tracker
from tracker.core.types import Detections, Frame, Tracks
from tracker.counting import LineZoneCounter
from tracker.interrupts import STOP, signal_name
from tracker.outputs.annotators import Annotator
from tracker.progress import progress_bar
from tracker.scheduler import DetectionScheduler, PipelineSettings
from tracker.smoothing import FixedLagSmoother, SmoothedFrame
from tracker.timing import StageTimer


class LengthHistogram:
    """Counts of track lengths in frames, in memory that does not grow with the run: exact up to
    ``EXACT`` frames, then in bins 1% wide (under 2,000 bins up to a billion frames)."""

    EXACT = 256
    RATIO = 1.01

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()

    def bin_of(self, length: int) -> int:
        if length <= self.EXACT:
            return length
        return self.EXACT + math.ceil(math.log(length / self.EXACT) / math.log(self.RATIO))

    def value_of(self, bin_: int) -> float:
        return bin_ if bin_ <= self.EXACT else self.EXACT * self.RATIO ** (bin_ - self.EXACT)

    def add(self, length: int) -> None:
        self.counts[self.bin_of(length)] += 1

    def median(self, extra: Counter[int] | None = None) -> float | None:
        """The median length (of these lengths plus the ``extra`` bin counts); None when empty."""
        counts = self.counts + (extra or Counter())
        total = sum(counts.values())
        middle = sorted({(total - 1) // 2, total // 2})  # 0-based positions of the middle length(s)
        values, seen = [], 0
        for bin_ in sorted(counts):
            seen += counts[bin_]
            while middle and seen > middle[0]:
                values.append(self.value_of(bin_))
                middle.pop(0)
        return sum(values) / len(values) if total else None


class TrackTally:
    """Distinct public ids per class, those that lived at least a second per class, and the
    median track length (first to last frame shown), in memory that does not grow with the
    run's length: an id is remembered only while it may still show up again (``horizon`` frames
    after it was last seen: the tracker's patience plus the output lag), then its length goes
    into a ``LengthHistogram``."""

    def __init__(self, horizon: int, fps: float = 25.0) -> None:
        self.horizon = horizon
        self.fps = fps
        self.per_class: Counter[str] = Counter()
        self.lived_1s: Counter[str] = Counter()
        self.lengths = LengthHistogram()
        self._open: dict[int, tuple[int, int, str]] = {}  # id -> first frame, last frame, class

    def add(self, frame_index: int, tracks: Tracks, class_names: Sequence[str]) -> None:
        for track_id, class_id in zip(tracks.ids.tolist(), tracks.class_ids.tolist()):
            first, _, name = self._open.get(track_id) or (frame_index, frame_index, class_names[class_id])
            if first == frame_index:
                self.per_class[name] += 1
            self._open[track_id] = (first, frame_index, name)
        if frame_index % 64 == 0:
            for track_id in [k for k, (_, last, _) in self._open.items() if frame_index - last > self.horizon]:
                first, last, name = self._open.pop(track_id)
                self.lengths.add(last - first + 1)
                self.lived_1s[name] += last - first + 1 >= self.fps

    def summary(self) -> dict[str, Any]:
        """The tallies for ``summary.json``, the tracks still open included (left open)."""
        lived, extra = Counter(self.lived_1s), Counter[int]()
        for first, last, name in self._open.values():
            lived[name] += last - first + 1 >= self.fps
            extra[self.lengths.bin_of(last - first + 1)] += 1
        median = self.lengths.median(extra)
        return {
            "tracks_per_class": dict(sorted(self.per_class.items())),
            "tracks_lived_1s_per_class": {name: lived[name] for name in sorted(self.per_class)},
            "track_length_median": None
            if median is None
            else {"frames": round(median, 1), "seconds": round(median / self.fps, 2)},
        }


@dataclass
class RunStats:
    """What the loop measured; becomes part of ``summary.json``."""

    frames: int = 0
    wall_s: float = 0.0
    detector_calls: int = 0
    detect_reasons: Counter[str] = field(default_factory=Counter)
    tracks: TrackTally = field(default_factory=lambda: TrackTally(horizon=1000))
    stopped_by: str = "end_of_source"
    signal: str | None = None  # the signal that stopped the run (SIGINT, SIGTERM)
    timer: StageTimer = field(default_factory=StageTimer)

    def as_dict(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "wall_s": round(self.wall_s, 3),
            "fps": round(self.frames / self.wall_s, 2) if self.wall_s > 0 else None,
            "stage_ms_per_frame": self.timer.ms_per_frame(self.frames),
            "detector_calls": self.detector_calls,
            "detected_fraction": round(self.detector_calls / self.frames, 4) if self.frames else None,
            "detector_calls_by_reason": dict(self.detect_reasons),
            **self.tracks.summary(),
            "stopped_by": self.stopped_by,
            "signal": self.signal,
        }


class Pipeline:
    """One run: ``source`` -> ``detector`` (on scheduled frames) -> ``tracker`` -> fixed-lag
    smoother -> ``counter`` (lines and zones) -> ``annotators`` -> outputs.

    Iterate over it to get every finished frame as a ``FrameResult`` (the Python API), or call
    ``run(sinks)`` to feed outputs with Ctrl-C handling and a progress bar (the CLI). Frames come
    out ``lag_frames`` frames (``settings.lag_s`` seconds of video) after they went in (one more
    with counting, so that the last frame can carry the events of tracks still open when the
    source ends)."""

    def __init__(
        self,
        source: FrameSource,
        detector: Detector,
        tracker: Tracker,
        settings: PipelineSettings,
        *,
        counter: LineZoneCounter | None = None,
        annotators: Sequence[Annotator] = (),
        max_age_frames: int = 30,
    ) -> None:
        self.source = source
        self.detector = detector
        self.tracker = tracker
        self.counter = counter if counter is not None and counter.enabled else None
        self.annotators = list(annotators)
        self._scheduler = DetectionScheduler(settings, source.info.fps)
        self.lag_frames = settings.lag_frames(source.info.fps, self._scheduler.every)
        self.stats = RunStats(tracks=TrackTally(max_age_frames + self.lag_frames + 1, source.info.fps))
        self._smoother = FixedLagSmoother(self.lag_frames)
        self._pending: SmoothedFrame | None = None
        self._started = time.perf_counter()

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.detector.class_names

    def process(self, frame: Frame) -> list[FrameResult]:
        """Detect (when due) and track ``frame``; the frames now final, oldest first."""
        timer = self.stats.timer
        if frame.after_gap:
            self.tracker.reset()  # a live stream came back: no track continues across the gap
        with timer.stage("track"):
            self.tracker.begin(frame)
        detections: Detections | None = None
        reason = self._scheduler.reason(frame, self.tracker.redetect_reason)
        if reason:
            with timer.stage("detect"):
                detections = self.detector.detect([frame])[0]
            self._scheduler.mark(frame)
            self.stats.detector_calls += 1
            self.stats.detect_reasons[reason] += 1
        with timer.stage("track"):
            ready = self._smoother.push(frame, reason, self.tracker.update(detections, frame))
        self.stats.frames += 1
        return self._release(ready, final=False)

    def finish(self) -> list[FrameResult]:
        """The frames still held, at the end of the run (the last one with the counting events of
        the tracks still open)."""
        return self._release(self._smoother.flush(), final=True)

    def __iter__(self) -> Iterator[FrameResult]:
        for frame in self.source:
            yield from self.process(frame)
        yield from self.finish()

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _release(self, ready: list[SmoothedFrame], final: bool) -> list[FrameResult]:
        if self.counter is None:
            return [self._finish(smoothed, final=False) for smoothed in ready]
        results = []
        for smoothed in ready:  # with counting, the newest frame waits for the next (or the end)
            if self._pending is not None:
                results.append(self._finish(self._pending, final=False))
            self._pending = smoothed
        if final and self._pending is not None:
            results.append(self._finish(self._pending, final=True))
            self._pending = None
        return results

    def _finish(self, smoothed: SmoothedFrame, final: bool) -> FrameResult:
        frame, tracks = smoothed.frame, smoothed.tracks
        self.stats.tracks.add(frame.index, tracks, self.class_names)
        events: list[dict[str, Any]] = []
        counts = None
        if self.counter is not None:
            if frame.after_gap:
                events += self.counter.end_all()
            events += self.counter.update(frame, tracks)
            if final:
                events += self.counter.end_all()
            counts = self.counter.summary()
        result = FrameResult(frame, tracks, smoothed.detect_reason, events, counts)
        if not self.annotators:
            return result
        with self.stats.timer.stage("draw"):
            image = frame.image.copy()
            for annotator in self.annotators:
                annotator.annotate(image, result)
        return replace(result, annotated=image)

    def fps(self) -> float:
        """Frames processed per second of wall time so far."""
        return self.stats.frames / max(time.perf_counter() - self._started, 1e-9)

    def run(self, sinks: Sequence[FrameSink], *, max_frames: int | None = None, progress: bool = True) -> RunStats:
        """Process the whole source into ``sinks``. Ctrl-C or SIGTERM stops after the current
        frame; on any exit the held frames are written (unless writing an output failed) and every sink
        is closed, with further signals held off (``STOP.hold()``), so each output is valid and
        all end on the same frame. The first error is raised after the sinks are closed."""
        stats = self.stats
        self._started = time.perf_counter()
        STOP.reset()
        failure: BaseException | None = None
        try:
            self._loop(sinks, max_frames, progress)
        except KeyboardInterrupt:
            stats.stopped_by, stats.signal = "interrupt", signal_name(STOP.received)
        except BaseException as error:
            stats.stopped_by, failure = "error", error
        STOP.hold()
        # held frames are written unless an output itself failed (a full disk): a failing source
        # or detector loses nothing already tracked
        closing_error = self._close_outputs(sinks, flush=not isinstance(failure, OSError))
        stats.wall_s = time.perf_counter() - self._started
        if failure is None and closing_error is not None:
            stats.stopped_by, failure = "error", closing_error
        if failure is not None:
            raise failure
        return stats

    def _write(self, sinks: Sequence[FrameSink], results: list[FrameResult]) -> None:
        with self.stats.timer.stage("write"):
            for result in results:
                for sink in sinks:
                    sink.write(result)

    def _loop(self, sinks: Sequence[FrameSink], max_frames: int | None, progress: bool) -> None:
        stats = self.stats
        info = self.source.info
        total = info.frame_count if max_frames is None else min(max_frames, info.frame_count or max_frames)
        frames = iter(self.source)
        bar = progress_bar(total, progress)
        try:
            while True:
                with stats.timer.stage("read"):
                    frame = next(frames, None)
                if frame is None:
                    stats.stopped_by = self.source.end_reason or "end_of_source"
                    break
                STOP.frame_started()  # a stop signal now waits until this frame is written
                self._write(sinks, self.process(frame))
                bar.update(1)
                STOP.frame_finished()
                if stats.frames % 10 == 0:
                    bar.set_postfix(fps=f"{self.fps():.1f}")
                if max_frames is not None and stats.frames >= max_frames:
                    stats.stopped_by = "max_frames"
                    break
        finally:
            bar.close()

    def _close_outputs(self, sinks: Sequence[FrameSink], flush: bool) -> Exception | None:
        """Write the held frames (when ``flush``), then close every sink even if one fails; the first error."""
        errors: list[Exception] = []
        if flush:
            try:
                self._write(sinks, self.finish())
            except Exception as error:
                errors.append(error)
        for sink in sinks:
            try:
                sink.close()
            except Exception as error:
                errors.append(error)
        return errors[0] if errors else None
