"""dlib trackers in worker processes (``tracker.workers``): the same tracks as in this process,
on real footage with SSDLite's detections; workers ignore Ctrl-C and go away with the tracker."""

from __future__ import annotations

import gc
import math
import os
import signal
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.ssdlite import SSDLiteDetector
from tests.conftest import require
from tracker.core.errors import UserError
from tracker.core.types import Frame
from tracker.trackers import build_tracker, tracker_settings
from tracker.trackers.correlation_pool import FrameSlots, PooledCorrelationModel, SharedView

VTEST = Path(__file__).resolve().parents[1] / "videos" / "vtest.avi"
FRAMES = 24


@pytest.fixture(scope="module")
def detected_frames() -> list[tuple[Frame, object]]:
    """The first frames of vtest with SSDLite's boxes on every 3rd (None between)."""
    require(VTEST.is_file(), f"{VTEST} missing (scripts/fetch_videos.py)")
    video = cv2.VideoCapture(str(VTEST))
    detector = SSDLiteDetector(min_score=0.1)
    frames = []
    for index in range(FRAMES):
        ok, image = video.read()
        assert ok
        frame = Frame(index, index / 10.0, image)
        frames.append((frame, detector.detect([frame])[0] if index % 3 == 0 else None))
    video.release()
    return frames


def tracked(
    name: str, workers: int, frames: list[tuple[Frame, object]], **keys: object
) -> list[tuple[int, list[float], float | None]]:
    tracker = build_tracker(tracker_settings(name, workers=workers, confirm_hits=1, **keys))
    rows = []
    for frame, detections in frames:
        for snapshot in tracker.update(detections, frame):  # type: ignore[arg-type]
            confidence = None if math.isnan(snapshot.confidence) else round(snapshot.confidence, 4)  # NO_EVIDENCE
            rows.append((frame.index, [round(float(v), 3) for v in snapshot.box], confidence))
    return rows


@pytest.mark.parametrize("name", ["dlib", "bytetrack-dlib"])
def test_workers_give_the_same_tracks_as_this_process(name: str, detected_frames) -> None:
    here = tracked(name, 0, detected_frames)
    assert len({row[0] for row in here}) == FRAMES  # tracks on every frame: a real comparison
    assert tracked(name, 2, detected_frames) == here


@pytest.mark.parametrize(
    "keys", [{"crowd_margin": 0.25}, {"reanchor_iou": 0.8}, {"crowd_margin": 0.5, "reanchor_iou": 0.8}]
)
def test_workers_give_the_same_tracks_with_the_crowd_gate_and_fewer_restarts(detected_frames, keys) -> None:
    """With ``crowd_margin`` dlib skips some tracks and re-anchors them later; with
    ``reanchor_iou`` a tracker that agrees with its detection is not re-started. In the workers
    as here; the tracks differ from the plain ones (the option did something) but not between
    the two."""
    here = tracked("bytetrack-dlib", 0, detected_frames, **keys)
    assert here != tracked("bytetrack-dlib", 0, detected_frames)
    assert tracked("bytetrack-dlib", 2, detected_frames, **keys) == here


def test_a_start_goes_to_the_worker_with_fewest_followed_trackers(detected_frames) -> None:
    """Trackers are placed where the frame's updates stay even, and a re-start may move one."""
    model = PooledCorrelationModel(workers=2)
    model.prepare(detected_frames[0][0])
    boxes = [np.array([100 + 60 * i, 100, 140 + 60 * i, 200], np.float32) for i in range(4)]
    motions = [model.start(None, box) for box in boxes]
    pool = model.pool
    assert sorted(len(live) for live in pool._live) == [2, 2]
    first, second = (m.key for m in motions[:2])
    assert pool._worker_of[first] != pool._worker_of[second]
    for motion in motions:  # rest the trackers on one worker: the next start goes there
        if pool._worker_of[motion.key] == pool._worker_of[first]:
            motion.follow(False)
    resting_worker = pool._worker_of[first]
    busy = next(m for m in motions if pool._worker_of[m.key] != resting_worker)
    busy.correct(None, boxes[0])
    assert pool._worker_of[busy.key] == resting_worker
    model.prepare(detected_frames[1][0])
    box, _ = busy.predict(None)  # the moved tracker answers from its new worker
    assert np.abs(box - boxes[0]).max() < 20


def worker_pids(model: PooledCorrelationModel) -> list[int]:
    return [process.pid for process in model.pool._processes]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_workers_ignore_ctrl_c_and_exit_with_their_model(detected_frames) -> None:
    model = PooledCorrelationModel(workers=2)
    frame, _ = detected_frames[0]
    model.prepare(frame)
    motion = model.start(None, np.array([300, 100, 340, 200], np.float32))
    model.prepare(detected_frames[1][0])
    box_before, _ = motion.predict(None)
    pids = worker_pids(model)
    for pid in pids:
        os.kill(pid, signal.SIGINT)
    time.sleep(0.3)
    assert all(alive(pid) for pid in pids)
    model.prepare(detected_frames[2][0])
    box_after, _ = motion.predict(None)  # the workers still answer
    assert np.abs(box_after - box_before).max() < 20
    del model, motion
    gc.collect()
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids)


def test_a_larger_frame_mid_stream_gives_the_same_tracks(detected_frames) -> None:
    """A source whose frames grow (a camera reconnecting at a higher resolution) moves the
    shared frame slots; the starts queued on the last smaller frame still read it intact."""
    grown = []
    for frame, detections in detected_frames:
        if frame.index > FRAMES // 2:  # after a detection frame; the same content with a border: the boxes stay valid
            frame = Frame(frame.index, frame.time_s, cv2.copyMakeBorder(frame.image, 0, 576, 0, 64, cv2.BORDER_REFLECT))
        grown.append((frame, detections))
    here = tracked("bytetrack-dlib", 0, grown)  # re-anchored on the detection frame just before
    assert tracked("bytetrack-dlib", 2, grown) == here


@pytest.mark.parametrize("smaller_frames", [1, 2, 3, 4])
def test_frame_slots_keep_the_two_frames_before_the_one_written(smaller_frames: int) -> None:
    """Workers may still read the two frames before the newest (a start queued on one, the
    updates on the other), also when the newest is larger."""
    slots = FrameSlots()
    view = SharedView(slots.fd)
    try:
        placements, values = [], {}
        for value in range(smaller_frames):
            placed, array = slots.place((4, 6, 3))
            array[:] = value
            placements.append(placed)
            values[placed] = value
        for newest_shape in [(4, 6, 3), (8, 10, 3)]:  # the same size, then larger
            newest, newest_array = slots.place(newest_shape)
            newest_array[:] = 99
            for placed in placements[-2:]:
                assert (view.array(placed) == values[placed]).all()
            assert (view.array(newest) == 99).all()
            placements.append(newest)
            values[newest] = 99
    finally:
        slots.close()


def test_a_worker_that_dies_is_one_clear_error(detected_frames) -> None:
    model = PooledCorrelationModel(workers=2)
    model.prepare(detected_frames[0][0])
    motions = [model.start(None, np.array([300 + 60 * i, 100, 340 + 60 * i, 200], np.float32)) for i in range(2)]
    model.prepare(detected_frames[1][0])
    assert all(motion.predict(None)[1] > 0 for motion in motions)  # both workers answer
    victim = worker_pids(model)[0]
    os.kill(victim, signal.SIGKILL)
    model.pool._processes[0].wait(timeout=5)
    with pytest.raises(UserError, match=rf"dlib worker process {victim} stopped \(exit code -9\)"):
        model.prepare(detected_frames[2][0])
        for motion in motions:
            motion.predict(None)
