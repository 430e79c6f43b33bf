"""scripts/recover_video.py: the frames of a video whose writer was killed (no MP4 index) come
back as a playable video, in order and intact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import REPO, decoded_frames

FRAMES, SIZE, FPS = 120, (640, 480), 25
# a textured background, so the encoder's output passes its 32 KB buffer and reaches the file
BACKGROUND = cv2.GaussianBlur(np.random.default_rng(0).integers(0, 255, (SIZE[1], SIZE[0], 3), np.uint8), (0, 0), 2)

KILLED_WRITER = """
import os, signal, sys
import cv2
from tracker.core.protocols import FrameResult
from tracker.core.types import Frame, Tracks
from tracker.outputs.video import VideoSink

source = cv2.VideoCapture(sys.argv[1])
sink = VideoSink(sys.argv[2], {fps}, "mp4v")  # OpenCV's MPEG-4: no index until closed
index = 0
while (read := source.read())[0]:
    sink.write(FrameResult(Frame(index, index / {fps}, read[1]), Tracks.empty(), None, annotated=read[1]))
    index += 1
os.kill(os.getpid(), signal.SIGKILL)  # before close(): no index written, the video stays .partial
"""


def frame(index: int) -> np.ndarray:
    image = BACKGROUND.copy()
    cv2.rectangle(image, (index * 2, 60), (index * 2 + 40, 140), (0, 200, 255), -1)
    cv2.putText(image, str(index), (10, 460), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    return image


def test_a_killed_runs_video_is_recovered(tmp_path: Path) -> None:
    source = tmp_path / "source.avi"
    writer = cv2.VideoWriter(str(source), cv2.VideoWriter.fourcc(*"MJPG"), FPS, SIZE)
    for index in range(FRAMES):
        writer.write(frame(index))
    writer.release()
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER.format(fps=FPS), str(source), str(tmp_path / "annotated.mp4")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -9, killed.stderr
    (partial,) = tmp_path.glob(".annotated.*.partial.mp4")
    assert decoded_frames(partial) == 0  # unplayable as it is

    recovered = tmp_path / "recovered.mp4"
    result = subprocess.run(
        [sys.executable, "scripts/recover_video.py", str(partial), "--like", str(source), "-o", str(recovered)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    video = cv2.VideoCapture(str(recovered))
    count = 0
    while (read := video.read())[0]:
        if count < FRAMES - 10:  # the last frames may be cut short by the kill
            errors = {j: np.abs(read[1].astype(int) - frame(j)).mean() for j in range(count - 2, count + 3)}
            assert min(errors, key=errors.__getitem__) == count and errors[count] < 8, (count, errors)
        count += 1
    assert count >= FRAMES * 0.8 and count == decoded_frames(recovered)
