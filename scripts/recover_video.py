"""Recover the frames of a video left by a killed run (``DIR/.annotated.XXXXXXXX.partial.mp4``).

The MP4 index (``moov``) of an ``mp4v`` video is written only when it is finalised, so a
killed run's video cannot be played or remuxed. Its frames are still in the file: this puts
back the MPEG-4 header (taken from a one-frame video written the same way, at the size and
fps of ``--like``) before them, decodes what it can and writes a playable video::

    python scripts/recover_video.py runs/x/.annotated.k3x9_q2a.partial.mp4 --like SOURCE -o recovered.mp4

``--like``: the run's source video (or any video of the same frame size and fps), unless
``output.fps`` was set. Only the default ``output.codec`` (``mp4v``) is handled.
"""

from __future__ import annotations

import argparse
import struct
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np


def boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[bytes, tuple[int, int]]:
    """The top-level MP4 boxes from ``start``: type -> (payload start, payload end); a box of
    size 0 runs to the end of the file, as an unfinished ``mdat`` does."""
    found, end = {}, len(data) if end is None else end
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start : start + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[start + 8 : start + 16])[0], 16
        stop = end if size == 0 else start + size
        found[kind] = (start + header, stop)
        if size == 0 or size < header:
            break
        start = stop
    return found


def mpeg4_header(size: tuple[int, int], fps: float) -> bytes:
    """The MPEG-4 Part 2 header (``esds`` decoder info) the video writer gives this size and fps."""
    with tempfile.TemporaryDirectory() as scratch:
        reference = Path(scratch) / "reference.mp4"
        writer = cv2.VideoWriter(str(reference), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
        writer.write(np.zeros((size[1], size[0], 3), np.uint8))
        writer.release()
        data = reference.read_bytes()
    at = data.index(b"esds") + 8  # past the box type, version and flags
    while True:  # descriptors: tag, a length in 7-bit groups, then the content
        tag, length = data[at], 0
        at += 1
        while True:
            length, more = (length << 7) | (data[at] & 0x7F), data[at] & 0x80
            at += 1
            if not more:
                break
        if tag == 0x03:  # ES descriptor: id, flags, then its sub-descriptors
            flags = data[at + 2]
            at += 3 + (2 if flags & 0x80 else 0) + (2 if flags & 0x20 else 0)
        elif tag == 0x04:  # decoder config: 13 bytes, then the decoder-specific info
            at += 13
        elif tag == 0x05:
            return data[at : at + length]
        else:
            raise ValueError(f"unexpected descriptor {tag:#x} in the reference video")


def recover(partial: Path, like: Path, output: Path) -> int:
    """Write the decodable frames of ``partial`` to ``output``; returns how many."""
    source = cv2.VideoCapture(str(like))
    fps = source.get(cv2.CAP_PROP_FPS)
    size = (int(source.get(cv2.CAP_PROP_FRAME_WIDTH)), int(source.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    source.release()
    if fps <= 0 or min(size) <= 0:
        raise SystemExit(f"error: cannot read the size and fps of {like}")
    data = partial.read_bytes()
    if b"moov" in boxes(data):
        raise SystemExit(f"error: {partial} is a finished video already")
    mdat = boxes(data).get(b"mdat")
    if mdat is None:
        raise SystemExit(f"error: no frames in {partial}")
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "frames.m4v"
        raw.write_bytes(mpeg4_header(size, fps) + data[mdat[0] : mdat[1]])
        frames = cv2.VideoCapture(str(raw))
        writer = cv2.VideoWriter(str(output), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
        count = 0
        while (read := frames.read())[0]:
            writer.write(read[1])
            count += 1
        writer.release()
        frames.release()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("partial", type=Path, help="the .partial.mp4 a killed run left")
    parser.add_argument("--like", type=Path, required=True, help="a video of the same size and fps (the source)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the playable video to write")
    args = parser.parse_args()
    count = recover(args.partial, args.like, args.output)
    print(f"recovered {count} frames -> {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
