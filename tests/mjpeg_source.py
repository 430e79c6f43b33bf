"""A stand-in network camera for tests: serves a video file, looped, as MJPEG over HTTP on
127.0.0.1 at the file's frame rate. Prints ``PORT <n>`` once listening; runs until killed
or for ``--seconds``.

    python tests/mjpeg_source.py CLIP [--port 0] [--fps 25] [--scale 1.0] [--seconds 120]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tracker.mjpeg import MjpegServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--scale", type=float, default=1.0, help="resize frames (a camera changing resolution)")
    parser.add_argument("--seconds", type=float, default=120.0, help="stop by itself after this long")
    args = parser.parse_args()
    video = cv2.VideoCapture(args.clip)
    frames = []
    while (item := video.read())[0]:
        image = item[1]
        if args.scale != 1.0:
            image = cv2.resize(image, None, fx=args.scale, fy=args.scale)
        frames.append(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes())
    server = MjpegServer("127.0.0.1", args.port)
    print(f"PORT {server.port}", flush=True)
    start = time.monotonic()
    index = 0
    while time.monotonic() - start < args.seconds:
        server.publish(frames[index % len(frames)])
        index += 1
        time.sleep(max(0.0, start + index / args.fps - time.monotonic()))
    server.close()


if __name__ == "__main__":
    main()
