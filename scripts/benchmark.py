#!/usr/bin/env python3
"""Stage-by-stage speed benchmark of ``tracker track`` (a script that prints figures, not a test).

    python scripts/benchmark.py videos/vtest.avi                 # shipped configs, 3 runs each
    python scripts/benchmark.py SOURCE -c configs/default.yaml --runs 5 --json bench.json
    python scripts/benchmark.py SOURCE --memory-frames 20000     # also: RSS flat over a looped source
    python scripts/benchmark.py SOURCE --streams 1 2 4 8         # only: real-time streams held at once
    python scripts/benchmark.py SOURCE --cameras 4 [--ray]       # instead: 4 live cameras in tracker monitor

Measures, in one run of this script:
* the floors: OpenCV decode only, and decode plus encode of the same frames with the output's
  default encoder (H.264 through PyAV);
* per config: ``tracker track`` end to end (a fresh process per run, as a user runs it) with the
  annotated video and without it: loop fps, stage ms per frame, detector calls per frame and
  the process's peak resident memory; each as the median of ``--runs`` with min and max, and
  the ratio to the floors, checked against the issue's targets;
* components: SSDLite ms per call (batch 1 and 4) and tracker update ms per frame with 20 objects;
* optionally, resident memory at frame 1,000 and at ``--memory-frames`` of a looped source.
The load average is recorded with every figure; a busy machine is warned about, because
its figures are then slower than the machine can do.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from tracker.outputs.encoders import Encoder, open_encoder  # noqa: E402
from tracker.outputs.settings import OutputSettings  # noqa: E402

FLOOR_CODEC = OutputSettings().codec  # the floor encodes as the annotated video does
SHIPPED_CONFIGS = sorted((REPO / "configs").glob("*.yaml"))
# Issue 5: fps with the annotated video written, as a fraction of the decode + encode floor.
TARGETS = {"default.yaml": 0.5, "pedestrians.yaml": 0.25}
TRACKER_TARGET_MS = {"centroid": 0.5}  # tracker update with 20 objects
DETECTOR_TARGET_MS = 15.0
BUSY_LOAD = 0.5  # warn when the 1-minute load average per core is above this
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def load_per_core() -> float:
    return os.getloadavg()[0] / (os.cpu_count() or 1)


def spread(values: list[float]) -> dict[str, float]:
    """Median, min and max of several runs."""
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


# CPU features that change the figures: 8-bit dot products (VNNI) and AVX-512 made this
# project's 2-core host run SSDLite 2.5x faster on one day than on another (docs/speed.md).
SPEED_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni")


def cpuinfo_field(name: str) -> str | None:
    """The first ``name`` field of /proc/cpuinfo (Linux), or None."""
    path = Path("/proc/cpuinfo")
    if not path.exists():
        return None
    return next(
        (line.split(":", 1)[1].strip() for line in path.read_text().splitlines() if line.startswith(name)), None
    )


def machine() -> dict[str, Any]:
    flags = set((cpuinfo_field("flags") or "").split())
    return {
        "cpu": cpuinfo_field("model name") or platform.processor(),
        "cpu_features": [flag for flag in SPEED_FLAGS if flag in flags],
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "opencv": cv2.__version__,
        "platform": platform.platform(),
    }


def timed_runs(runs: int, measure: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for _ in range(runs):
        before = os.getloadavg()[0]
        result = measure()
        result["load_1min"] = [round(before, 2), round(os.getloadavg()[0], 2)]
        results.append(result)
    return results


# --- floors ---------------------------------------------------------------------------------


def decode_fps(source: str, max_frames: int | None) -> dict[str, Any]:
    capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG)
    frames, start = 0, time.perf_counter()
    while (max_frames is None or frames < max_frames) and capture.read()[0]:
        frames += 1
    capture.release()
    return {"frames": frames, "fps": frames / (time.perf_counter() - start)}


def decode_encode_fps(source: str, max_frames: int | None) -> dict[str, Any]:
    capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG)
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    with tempfile.TemporaryDirectory() as folder:
        writer: Encoder | None = None
        frames, start = 0, time.perf_counter()
        while max_frames is None or frames < max_frames:
            ok, image = capture.read()
            if not ok:
                break
            if writer is None:
                writer = open_encoder(Path(folder) / "floor.mp4", FLOOR_CODEC, fps, image.shape[1], image.shape[0])
            writer.write(image)
            frames += 1
        if writer is not None:
            writer.close()
        elapsed = time.perf_counter() - start
    capture.release()
    return {"frames": frames, "fps": frames / elapsed}


# --- end to end -----------------------------------------------------------------------------


def track_run(source: str, config: Path, video: bool, max_frames: int | None) -> dict[str, Any]:
    """One ``tracker track`` process; its summary.json plus its peak RSS (from wait4)."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "tracker",
            "track",
            source,
            "-o",
            folder,
            "-q",
            "--overwrite",
            "-c",
            str(config),
        ]
        command += [] if video else ["--no-video"]
        command += ["--max-frames", str(max_frames)] if max_frames else []
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr = process.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"tracker track failed on {config.name}:\n{stderr[-2000:]}")
        summary = json.loads((Path(folder) / "summary.json").read_text())
    return {
        "fps": summary["fps"],
        "frames": summary["frames"],
        "process_s": time.perf_counter() - started,
        "stage_ms": summary["stage_ms_per_frame"],
        "detector_calls_per_frame": summary["detector_calls"] / max(summary["frames"], 1),
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def summarise_track_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    stages = runs[0]["stage_ms"].keys()
    return {
        "fps": spread([r["fps"] for r in runs]),
        "stage_ms": {stage: spread([r["stage_ms"][stage] for r in runs]) for stage in stages},
        "detector_calls_per_frame": round(statistics.median(r["detector_calls_per_frame"] for r in runs), 4),
        "peak_rss_mb": spread([r["peak_rss_mb"] for r in runs]),
        "frames": runs[0]["frames"],
        "load_1min": [r["load_1min"] for r in runs],
    }


# --- components -----------------------------------------------------------------------------


def read_frames(source: str, count: int, step: int = 1) -> list:
    from tracker.core.types import Frame

    capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG)
    frames, index = [], 0
    while len(frames) < count:
        ok, image = capture.read()
        if not ok:
            break
        if index % step == 0:
            frames.append(Frame(index, index / 25.0, image))
        index += 1
    capture.release()
    return frames


def detector_ms(source: str, repeats: int) -> dict[str, Any]:
    from detectors import build_detector
    from tracker.config import load_settings

    detector = build_detector(load_settings().detector, None)
    frames = read_frames(source, 8, step=10)
    detector.detect(frames[:1])
    results: dict[str, Any] = {}
    for batch in (1, 4):
        times = []
        for _ in range(repeats):
            for start in range(0, len(frames) - batch + 1, batch):
                began = time.perf_counter()
                detector.detect(frames[start : start + batch])
                times.append(1000 * (time.perf_counter() - began) / batch)
        results[f"batch_{batch}_ms_per_frame"] = spread(times)
    return results


def synthetic_scene(objects: int, frames: int, width: int = 768, height: int = 576) -> Iterator[np.ndarray]:
    """``objects`` boxes walking across the frame, one (N,4) xyxy array per frame."""
    rng = np.random.default_rng(0)
    start = rng.uniform([50, 50], [width - 100, height - 150], size=(objects, 2))
    velocity = rng.uniform(-1.0, 1.0, size=(objects, 2))
    size = np.array([40.0, 100.0])
    for t in range(frames):
        corner = start + velocity * t
        yield np.hstack([corner, corner + size]).astype(np.float32)


def tracker_ms(source: str, objects: int, frames: int, detect_every: int) -> dict[str, Any]:
    """Tracker update per frame with ``objects`` objects, detections every ``detect_every`` frames
    (on vtest frames, so image-based trackers see real pixels)."""
    from tracker.config import Settings
    from tracker.core.types import Detections, Frame
    from tracker.trackers import build_tracker

    images = [f.image for f in read_frames(source, min(frames, 200))]
    results = {}
    for name in ("centroid", "dlib"):
        tracker = build_tracker(Settings.model_validate({"tracker": {"name": name, "confirm_hits": 1}}).tracker)
        times = []
        for index, boxes in enumerate(synthetic_scene(objects, frames)):
            frame = Frame(index, index / 25.0, images[index % len(images)])
            detections = (
                Detections(boxes, np.full(len(boxes), 0.9, np.float32), np.zeros(len(boxes), np.int32))
                if index % detect_every == 0
                else None
            )
            began = time.perf_counter()
            tracker.update(detections, frame)
            if detections is None:
                times.append(1000 * (time.perf_counter() - began))
        results[name] = {"ms_per_frame_between_detections": spread(times), "objects": objects}
    return results


# --- memory ---------------------------------------------------------------------------------


def memory_worker(source: str, config: Path, frames: int, sample_every: int) -> None:
    """Run the pipeline on ``source`` looped until ``frames`` frames; print RSS samples as JSON."""
    from tracker.builder import build_pipeline
    from tracker.capture import BaseSource, open_source
    from tracker.config import load_settings
    from tracker.core.protocols import FrameResult
    from tracker.core.types import Frame
    from tracker.outputs.assemble import build_outputs
    from tracker.outputs.layout import OutputLayout

    class LoopedSource(BaseSource):
        """``source`` played again and again, frame indices counting on."""

        def __init__(self) -> None:
            with open_source(source) as first:
                self.info = first.info

        def __iter__(self) -> Iterator[Frame]:
            index = 0
            while True:
                with open_source(source) as again:
                    for frame in again:
                        yield Frame(index, index / self.info.fps, frame.image)
                        index += 1

    class RSSSampler:
        wants_image = False

        def __init__(self) -> None:
            self.samples: dict[int, float] = {}

        def write(self, result: FrameResult) -> None:
            done = result.frame.index + 1
            if done % sample_every == 0:
                pages = int(Path("/proc/self/statm").read_text().split()[1])
                self.samples[done] = round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)

        def close(self) -> None:
            pass

    settings = load_settings(config)
    looped = LoopedSource()
    sampler = RSSSampler()
    with tempfile.TemporaryDirectory() as folder, build_pipeline(settings, looped) as pipeline:
        outputs = build_outputs(OutputLayout(Path(folder)), settings.output, pipeline.class_names, looped.info.fps)
        # run on past ``frames`` by the output lag (and the writer's queue), so that every sample,
        # the last one included, is taken in the steady state, not while the held frames are
        # flushed at the end (a burst that fills the writer's queue for a moment: about +10 MB)
        extra = pipeline.lag_frames + 16
        stats = pipeline.run([*outputs.sinks, sampler], max_frames=frames + extra, progress=False)
    print(json.dumps({"rss_mb_at_frame": sampler.samples, "fps": stats.frames / stats.wall_s}))


def memory_run(source: str, config: Path, frames: int) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, source, "--memory-worker", str(config), "--memory-frames", str(frames)],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
    )
    if output.returncode != 0:
        raise SystemExit(f"memory run failed:\n{output.stderr[-2000:]}")
    samples = {int(k): v for k, v in json.loads(output.stdout.strip().splitlines()[-1])["rss_mb_at_frame"].items()}
    first = samples.get(1000, samples[min(samples)])
    return {
        "config": config.name,
        "frames": frames,
        "rss_mb_at_frame": samples,
        "growth_mb_after_frame_1000": round(samples[max(samples)] - first, 1),
    }


# --- report ---------------------------------------------------------------------------------


def verdict(value: float, target: float, higher_is_better: bool = True) -> str:
    met = value >= target if higher_is_better else value <= target
    if met:
        return f"met ({value:.3g} vs {target:.3g})"
    shortfall = (target - value) / target if higher_is_better else (value - target) / target
    return f"MISSED by {100 * shortfall:.0f}% ({value:.3g} vs {target:.3g})"


def table(report: dict[str, Any]) -> str:
    floor_encode = report["floors"]["decode_encode_fps"]["median"]
    floor_decode = report["floors"]["decode_fps"]["median"]
    lines = [
        "| config | fps with video (min-max) | x decode+encode floor | fps no video (min-max) | "
        "x decode floor | read / detect / track / draw / write ms | detector calls/frame | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, result in report["configs"].items():
        video, bare = result["video"], result["no_video"]
        stages = " / ".join(f"{video['stage_ms'][s]['median']:.1f}" for s in video["stage_ms"])
        lines.append(
            f"| {name} | {video['fps']['median']:.0f} ({video['fps']['min']:.0f}-{video['fps']['max']:.0f}) | "
            f"{video['fps']['median'] / floor_encode:.2f} | {bare['fps']['median']:.0f} "
            f"({bare['fps']['min']:.0f}-{bare['fps']['max']:.0f}) | {bare['fps']['median'] / floor_decode:.2f} | "
            f"{stages} | {video['detector_calls_per_frame']:.3f} | {video['peak_rss_mb']['median']:.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="video file (e.g. videos/vtest.avi)")
    parser.add_argument(
        "-c",
        "--config",
        action="append",
        type=Path,
        help="config to measure (repeatable; default: every configs/*.yaml)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median, min, max)")
    parser.add_argument("--max-frames", type=int, help="stop each run after N frames")
    parser.add_argument(
        "--json", type=Path, default=REPO / "runs" / "benchmark.json", help="where to write the figures"
    )
    parser.add_argument("--skip-components", action="store_true", help="no detector/tracker micro-benchmarks")
    parser.add_argument(
        "--memory-frames",
        type=int,
        default=0,
        help="also check RSS from frame 1,000 to N of the looped source (default config)",
    )
    parser.add_argument("--memory-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--streams",
        type=int,
        nargs="+",
        metavar="N",
        help="only this: N copies of SOURCE played at 25 fps in real time at once, for each N (scripts/stream_load.py)",
    )
    parser.add_argument("--stream-seconds", type=float, default=20.0, help="--streams: how long each run plays")
    parser.add_argument(
        "--stream-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="--streams: override a setting in every stream, e.g. detector.threads=1 (repeatable)",
    )
    parser.add_argument(
        "--cameras", type=int, metavar="N", help="instead: N 25-fps cameras at once in tracker monitor (real time?)"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="--cameras: seconds measured after a warm-up")
    parser.add_argument("--ray", action="store_true", help="--cameras: on a local Ray instance")
    args = parser.parse_args()
    if not Path(args.source).is_file():
        print(f"error: source not found: {args.source}", file=sys.stderr)
        return 2
    if args.streams:
        from scripts.stream_load import streams_report

        return streams_report(Path(args.source), args.streams, 25.0, args.stream_seconds, args.json, args.stream_set)
    if args.cameras:
        from scripts.monitor_bench import monitor_benchmark

        config = args.config[0] if args.config else None
        print(json.dumps(monitor_benchmark(args.source, args.cameras, config, args.seconds, args.ray), indent=1))
        return 0
    if args.memory_worker:
        memory_worker(args.source, args.memory_worker, args.memory_frames, sample_every=500)
        return 0
    configs = args.config or SHIPPED_CONFIGS
    for config in configs:
        if not config.is_file():
            print(f"error: config not found: {config}", file=sys.stderr)
            return 2

    report: dict[str, Any] = {
        "source": args.source,
        "runs": args.runs,
        "machine": machine(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_1min_at_start": round(os.getloadavg()[0], 2),
    }
    if load_per_core() > BUSY_LOAD:
        print(
            f"WARNING: the machine is busy (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); "
            "these figures understate what it can do.",
            file=sys.stderr,
        )

    print("floors ...", file=sys.stderr)
    report["floors"] = {
        "decode_fps": spread(
            [r["fps"] for r in timed_runs(args.runs, lambda: decode_fps(args.source, args.max_frames))]
        ),
        "decode_encode_fps": spread(
            [r["fps"] for r in timed_runs(args.runs, lambda: decode_encode_fps(args.source, args.max_frames))]
        ),
    }
    floor_encode = report["floors"]["decode_encode_fps"]["median"]
    report["configs"] = {}
    report["targets"] = {}
    for config in configs:
        print(f"{config.name} ...", file=sys.stderr)
        result = {}
        for key, video in (("video", True), ("no_video", False)):
            runs = timed_runs(args.runs, lambda c=config, v=video: track_run(args.source, c, v, args.max_frames))
            result[key] = summarise_track_runs(runs)
        result["video_fps_over_decode_encode_floor"] = round(result["video"]["fps"]["median"] / floor_encode, 3)
        result["no_video_fps_over_decode_floor"] = round(
            result["no_video"]["fps"]["median"] / report["floors"]["decode_fps"]["median"], 3
        )
        report["configs"][config.name] = result
        if config.name in TARGETS:
            report["targets"][f"{config.name} fps / decode+encode floor"] = verdict(
                result["video_fps_over_decode_encode_floor"], TARGETS[config.name]
            )

    if not args.skip_components:
        print("components ...", file=sys.stderr)
        report["detector"] = detector_ms(args.source, args.runs)
        report["trackers"] = tracker_ms(args.source, objects=20, frames=300, detect_every=10)
        report["targets"]["ssdlite ms per frame (batch 1)"] = verdict(
            report["detector"]["batch_1_ms_per_frame"]["median"], DETECTOR_TARGET_MS, higher_is_better=False
        )
        for name, target in TRACKER_TARGET_MS.items():
            report["targets"][f"{name} tracker update ms, 20 objects"] = verdict(
                report["trackers"][name]["ms_per_frame_between_detections"]["median"], target, higher_is_better=False
            )
    if args.memory_frames:
        print(f"memory over {args.memory_frames} looped frames ...", file=sys.stderr)
        report["memory"] = memory_run(args.source, REPO / "configs" / "default.yaml", args.memory_frames)
        report["targets"]["RSS growth after frame 1,000 (MB)"] = verdict(
            report["memory"]["growth_mb_after_frame_1000"], 5.0, higher_is_better=False
        )

    report["load_1min_at_end"] = round(os.getloadavg()[0], 2)
    report["busy"] = max(report["load_1min_at_start"], report["load_1min_at_end"]) / (os.cpu_count() or 1) > BUSY_LOAD
    report["table_markdown"] = table(report)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")

    floors = report["floors"]
    print(
        f"\nmachine: {report['machine']['cpu']}, {report['machine']['cores']} cores "
        f"({', '.join(report['machine']['cpu_features']) or 'no AVX2'}); load average "
        f"{report['load_1min_at_start']} at start, {report['load_1min_at_end']} at end"
    )
    print(
        f"floors: decode {floors['decode_fps']['median']:.0f} fps, decode+encode ({FLOOR_CODEC}) "
        f"{floors['decode_encode_fps']['median']:.0f} fps\n"
    )
    print(report["table_markdown"])
    if "detector" in report:
        print(
            f"\nssdlite ms/frame: batch 1 {report['detector']['batch_1_ms_per_frame']['median']:.1f}, "
            f"batch 4 {report['detector']['batch_4_ms_per_frame']['median']:.1f}"
        )
        for name, figures in report["trackers"].items():
            print(
                f"{name} tracker update, 20 objects: "
                f"{figures['ms_per_frame_between_detections']['median']:.3f} ms/frame"
            )
    if "memory" in report:
        print(f"RSS (MB) by frame: {report['memory']['rss_mb_at_frame']}")
    print("\ntargets:")
    for name, text in report["targets"].items():
        print(f"  {name}: {text}")
    if report["busy"]:
        print("\nWARNING: measured on a busy machine (see load_1min in the JSON); figures are pessimistic.")
    print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
