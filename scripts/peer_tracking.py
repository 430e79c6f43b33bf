"""Peer trackers (roboflow ``trackers``) replayed on the tracking benchmark's cached boxes.

For the README's peer rows: each peer gets exactly the SSDLite boxes our configs replay
(``scripts/benchmark_tracking.py`` writes them to ``runs/cache/<clip>-ssdlite-.../det.txt``) on
every frame, and its tracks are written as a MOTChallenge file for ``tracker eval``.

``trackers`` pulls in its own OpenCV, and the project allows one ``cv2`` distribution, so run
this in a throwaway virtual environment, never in the project's::

    python -m venv /tmp/peers && /tmp/peers/bin/pip install trackers==2.6.1
    /tmp/peers/bin/python scripts/peer_tracking.py runs/cache/TUD-Campus-*/det.txt \\
        --peer bytetrack --fps 25 --frames 71 -o runs/peers/TUD-Campus/bytetrack.txt
    tracker eval runs/peers/TUD-Campus/bytetrack.txt --gt ../shared/data/mot/TUD-Campus
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

# The lowest score each peer is fed. SORT has one threshold, so it gets the confident boxes;
# ByteTrack and OC-SORT match low-score boxes in a second pass, so they get everything to 0.1.
PEER_MIN_SCORE = {"sort": 0.4, "bytetrack": 0.1, "ocsort": 0.1}


def make_peer(peer: str, fps: float) -> Any:
    """The peer tracker for a clip at ``fps``: library defaults, except ByteTrack's thresholds
    (activation 0.4, high 0.5, as in issue 6's peer rows)."""
    import trackers

    if peer == "sort":
        return trackers.SORTTracker(frame_rate=fps)
    if peer == "bytetrack":
        return trackers.ByteTrackTracker(frame_rate=fps, track_activation_threshold=0.4, high_conf_det_threshold=0.5)
    return trackers.OCSORTTracker(frame_rate=fps)


def read_detections(det_file: Path) -> dict[int, np.ndarray]:
    """Frame number -> (N, 5) array of x1, y1, x2, y2, score from a MOTChallenge det.txt."""
    rows = np.loadtxt(det_file, delimiter=",", ndmin=2)
    by_frame: dict[int, np.ndarray] = {}
    for frame in np.unique(rows[:, 0]).astype(int):
        chosen = rows[rows[:, 0] == frame]
        x, y, w, h, score = chosen[:, 2], chosen[:, 3], chosen[:, 4], chosen[:, 5], chosen[:, 6]
        by_frame[frame] = np.stack([x, y, x + w, y + h, score], axis=1)
    return by_frame


def run_peer(peer: str, det_file: Path, fps: float, frames: int, detect_every: int = 1) -> list[str]:
    """MOTChallenge rows of ``peer`` tracking ``det_file``'s boxes over frames 1..``frames``,
    updated on every ``detect_every``-th frame only (from the first): a frame-by-frame tracker has
    nothing to report in between, as with ``yolo track --vid_stride``."""
    import supervision as sv

    min_score = PEER_MIN_SCORE[peer]
    tracker = make_peer(peer, fps)
    detections_by_frame = read_detections(det_file)
    rows = []
    for frame in range(1, frames + 1):
        if (frame - 1) % detect_every:
            continue
        boxes = detections_by_frame.get(frame, np.zeros((0, 5)))
        boxes = boxes[boxes[:, 4] >= min_score]
        detections = sv.Detections(
            xyxy=boxes[:, :4].astype(np.float32),
            confidence=boxes[:, 4].astype(np.float32),
            class_id=np.zeros(len(boxes), int),
        )
        tracked = tracker.update(detections)
        for (x1, y1, x2, y2), track_id in zip(tracked.xyxy, tracked.tracker_id):
            if track_id < 0:  # not yet confirmed
                continue
            rows.append(f"{frame},{track_id},{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},1,-1,-1,-1\n")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("det_file", type=Path, help="the benchmark's cached det.txt for one clip")
    parser.add_argument("--peer", choices=sorted(PEER_MIN_SCORE), required=True)
    parser.add_argument("--fps", type=float, required=True, help="the clip's frame rate (seqinfo.ini)")
    parser.add_argument("--frames", type=int, required=True, help="the clip's length (seqinfo.ini)")
    parser.add_argument("--detect-every", type=int, default=1, help="update the peer on every Nth frame only")
    parser.add_argument("-o", "--output", type=Path, required=True, help="MOTChallenge tracks file to write")
    args = parser.parse_args()
    rows = run_peer(args.peer, args.det_file, args.fps, args.frames, args.detect_every)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.output.with_suffix(".tmp")
    temporary.write_text("".join(rows))
    temporary.replace(args.output)


if __name__ == "__main__":
    main()
