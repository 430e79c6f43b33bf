"""The peers' whole loops on a video, for the speed comparison of issue 13: frames per second
from the first frame read to the last frame encoded (start-up excluded, as for ``tracker
track``), a fresh process per run, the median of ``--runs``.

* ``bytetrack``: the detector on every frame, roboflow ``trackers``' ByteTrack, ``supervision``'s
  box and label annotators, then the encoder (a ``yolo track``-style loop);
* ``pyimagesearch``: the PyImageSearch people counter: frames resized to 500 px wide, the
  detector every 30 frames starting a dlib correlation tracker per person (score >= 0.4), the
  trackers updated in between, its centroid tracker (at most 40 frames missing, 50 px), a
  counting line, ids and status drawn, then the encoder.

Both use our SSDLite on LiteRT (the pretrained person detector the product runs; PyImageSearch's
Caffe MobileNet-SSD is not available offline) and our H.264 encoder (``output.codec`` and
``output.preset`` defaults), so they differ from ``tracker track`` only in their loops.
``trackers`` brings its own OpenCV, and the project allows one ``cv2`` distribution, so run this
in a throwaway virtual environment with ``trackers``, ``supervision`` and the few packages our
detector and encoder import, never in the project's::

    python -m venv /tmp/peers && /tmp/peers/bin/pip install trackers==2.6.1 supervision==0.31.2 \\
        ai-edge-litert==2.3.0 dlib-bin==20.0.1.post1 pydantic==2.14.3 pyyaml==6.0.3 av==18.1.0
    /tmp/peers/bin/python scripts/peer_loops.py videos/vtest.avi --runs 2 --max-frames 400
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PYIMAGESEARCH_WIDTH = 500
PYIMAGESEARCH_SKIP_FRAMES = 30
PYIMAGESEARCH_CONFIDENCE = 0.4


class PyImageSearchCentroids:
    """The people counter's centroid tracker: each object keeps an id while its centroid is the
    nearest to one of the new ones (at most ``max_distance`` px), and is dropped after
    ``max_disappeared`` frames without one."""

    def __init__(self, max_disappeared: int = 40, max_distance: float = 50.0) -> None:
        self.next_id = 0
        self.objects: OrderedDict[int, tuple[int, int]] = OrderedDict()
        self.disappeared: dict[int, int] = {}
        self.max_disappeared, self.max_distance = max_disappeared, max_distance

    def update(self, rects: list[tuple[int, int, int, int]]) -> OrderedDict[int, tuple[int, int]]:
        from scipy.spatial import distance

        centroids = [((x1 + x2) // 2, (y1 + y2) // 2) for x1, y1, x2, y2 in rects]
        ids = list(self.objects)
        if not ids:
            for centroid in centroids:
                self._register(centroid)
            return self.objects
        if not centroids:
            for object_id in ids:
                self._missed(object_id)
            return self.objects
        gaps = distance.cdist(np.array(list(self.objects.values())), np.array(centroids))
        rows = gaps.min(axis=1).argsort()
        cols = gaps.argmin(axis=1)[rows]
        used_rows, used_cols = set(), set()
        for row, col in zip(rows, cols):
            if row in used_rows or col in used_cols or gaps[row, col] > self.max_distance:
                continue
            self.objects[ids[row]], self.disappeared[ids[row]] = centroids[col], 0
            used_rows.add(row)
            used_cols.add(col)
        for row in set(range(len(ids))) - used_rows:
            self._missed(ids[row])
        for col in set(range(len(centroids))) - used_cols:
            self._register(centroids[col])
        return self.objects

    def _register(self, centroid: tuple[int, int]) -> None:
        self.objects[self.next_id], self.disappeared[self.next_id] = centroid, 0
        self.next_id += 1

    def _missed(self, object_id: int) -> None:
        self.disappeared[object_id] += 1
        if self.disappeared[object_id] > self.max_disappeared:
            del self.objects[object_id], self.disappeared[object_id]


class ByteTrackLoop:
    """A ``yolo track``-style frame: detect, ByteTrack, draw boxes and ids."""

    def __init__(self, fps: float) -> None:
        import supervision as sv
        import trackers

        from detectors.ssdlite import SSDLiteDetector

        self.fps, self.sv = fps, sv
        self.detector = SSDLiteDetector(min_score=0.1)
        self.tracker = trackers.ByteTrackTracker(
            frame_rate=fps, track_activation_threshold=0.4, high_conf_det_threshold=0.5
        )
        self.boxes, self.labels = sv.BoxAnnotator(), sv.LabelAnnotator()

    def step(self, index: int, image: np.ndarray) -> np.ndarray:
        from tracker.core.types import Frame

        found = self.detector.detect([Frame(index, index / self.fps, image)])[0]
        detections = self.sv.Detections(xyxy=found.xyxy, confidence=found.scores, class_id=found.class_ids)
        tracked = self.tracker.update(detections)
        shown = tracked[tracked.tracker_id >= 0]
        image = self.boxes.annotate(image.copy(), shown)
        return self.labels.annotate(image, shown, labels=[f"#{i}" for i in shown.tracker_id])


class PeopleCounterLoop:
    """A PyImageSearch people-counter frame: resize, detect every 30 frames (dlib trackers in
    between), centroid ids, up/down counts on the middle line, all drawn."""

    def __init__(self, fps: float) -> None:
        from detectors.ssdlite import SSDLiteDetector

        self.fps = fps
        self.detector = SSDLiteDetector(min_score=PYIMAGESEARCH_CONFIDENCE)
        self.centroids = PyImageSearchCentroids()
        self.followers: list = []
        self.history: dict[int, list[int]] = {}  # object id -> its centroid's y over the frames
        self.counted: set[int] = set()
        self.up = self.down = 0

    def step(self, index: int, image: np.ndarray) -> np.ndarray:
        import cv2

        height, width = image.shape[:2]
        image = cv2.resize(image, (PYIMAGESEARCH_WIDTH, round(height * PYIMAGESEARCH_WIDTH / width)))
        status, rects = self._boxes(index, image)
        line_y = image.shape[0] // 2
        cv2.line(image, (0, line_y), (image.shape[1], line_y), (0, 255, 255), 2)
        for object_id, (x, y) in self.centroids.update(rects).items():
            self._count(object_id, y, line_y)
            cv2.putText(image, f"ID {object_id}", (x - 10, y - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 255, 0), 2)
            cv2.circle(image, (x, y), 4, (0, 255, 0), -1)
        for row, text in enumerate((f"Up: {self.up}", f"Down: {self.down}", f"Status: {status}")):
            position = (10, image.shape[0] - 20 * (row + 1))
            cv2.putText(image, text, position, cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 255), 2)
        return image

    def _boxes(self, index: int, image: np.ndarray) -> tuple[str, list[tuple[int, int, int, int]]]:
        import cv2
        import dlib

        from tracker.core.types import Frame

        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        if index % PYIMAGESEARCH_SKIP_FRAMES == 0:
            self.followers = []
            found = self.detector.detect([Frame(index, index / self.fps, image)])[0].xyxy.astype(int)
            for x1, y1, x2, y2 in found.tolist():
                follower = dlib.correlation_tracker()
                follower.start_track(rgb, dlib.rectangle(x1, y1, x2, y2))
                self.followers.append(follower)
            return "Detecting", [tuple(box) for box in found.tolist()]
        rects = []
        for follower in self.followers:
            follower.update(rgb)
            box = follower.get_position()
            rects.append((int(box.left()), int(box.top()), int(box.right()), int(box.bottom())))
        return "Tracking", rects

    def _count(self, object_id: int, y: int, line_y: int) -> None:
        """Its rule: moving up (y below its mean so far) and above the line counts up, and the
        other way down; each object counts once."""
        ys = self.history.setdefault(object_id, [])
        direction = y - np.mean(ys) if ys else 0.0
        ys.append(y)
        if object_id in self.counted:
            return
        if direction < 0 and y < line_y:
            self.up += 1
            self.counted.add(object_id)
        elif direction > 0 and y > line_y:
            self.down += 1
            self.counted.add(object_id)


LOOPS = {"bytetrack": ByteTrackLoop, "pyimagesearch": PeopleCounterLoop}


def run_loop(loop: str, source: Path, max_frames: int, output: Path) -> dict:
    """One run of ``loop`` over ``source``: frames and loop seconds (start-up excluded)."""
    import cv2

    from tracker.outputs.encoders import Encoder, open_encoder
    from tracker.outputs.settings import OutputSettings

    settings = OutputSettings()
    capture = cv2.VideoCapture(str(source))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    frame_loop = LOOPS[loop](fps)
    encoder: Encoder | None = None
    frames = 0
    started = time.perf_counter()
    while frames < max_frames:
        ok, image = capture.read()
        if not ok:
            break
        image = frame_loop.step(frames, image)
        if encoder is None:
            encoder = open_encoder(output, settings.codec, fps, image.shape[1], image.shape[0], settings.preset)
        encoder.write(image)
        frames += 1
    if encoder is not None:
        encoder.close()
    capture.release()
    return {"loop": loop, "frames": frames, "loop_s": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a video file")
    parser.add_argument("--loop", choices=sorted(LOOPS), action="append", help="run only these loops (repeatable)")
    parser.add_argument("--runs", type=int, default=2, help="fresh processes per loop (the median is reported)")
    parser.add_argument("--max-frames", type=int, default=400)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--one", choices=sorted(LOOPS), help=argparse.SUPPRESS)  # a single run, in this process
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"error: no video at {args.source}", file=sys.stderr)
        return 2
    if args.one:
        print(json.dumps(run_loop(args.one, args.source, args.max_frames, args.output)))
        return 0
    from tracker.core.files import write_json_atomic

    report = {"machine": f"{os.cpu_count()} cores", "load_1min_start": round(os.getloadavg()[0], 2), "loops": {}}
    scratch = REPO / "runs" / "peer_loops"
    scratch.mkdir(parents=True, exist_ok=True)
    for loop in args.loop or LOOPS:
        rates = []
        for _ in range(args.runs):
            command = [sys.executable, __file__, str(args.source), "--one", loop, "--max-frames", str(args.max_frames)]
            done = subprocess.run(
                [*command, "--output", str(scratch / f"{loop}.mp4")], capture_output=True, text=True, check=True
            )
            run = json.loads(done.stdout.strip().splitlines()[-1])
            rates.append(run["frames"] / run["loop_s"])
        report["loops"][loop] = {
            "fps_median": round(statistics.median(rates), 1),
            "fps_runs": [round(r, 1) for r in rates],
        }
        print(f"{loop}: {report['loops'][loop]['fps_median']} fps (runs: {report['loops'][loop]['fps_runs']})")
    report["load_1min_end"] = round(os.getloadavg()[0], 2)
    print(f"load average {report['load_1min_start']} at the start, {report['load_1min_end']} at the end")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
