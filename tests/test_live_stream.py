"""Live sources against a real local MJPEG-over-HTTP camera (tests/mjpeg_source.py on
127.0.0.1): newest-frame hand-over with counted drops, reconnect after the server is killed
(with another frame size), wall-clock timestamps, and a clean stop with SIGINT."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import decoded_frames, start_cli
from tests.synthetic import MovingBox, write_clip
from tracker.capture import LiveSource, open_source
from tracker.config import LiveSettings

SERVER = Path(__file__).with_name("mjpeg_source.py")


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("live")
    write_clip(
        folder / "walk.avi",
        [MovingBox((10, 40), (2.0, 0), seed=1), MovingBox((250, 120), (-1.5, 0), seed=2)],
        frames=120,
    )
    return folder / "walk.avi"


class Camera:
    """The stand-in camera process; ``start`` waits until it listens, ``kill`` ends it hard."""

    def __init__(self, clip: Path) -> None:
        self.clip = clip
        self.port = 0
        self.process: subprocess.Popen | None = None

    def start(self, fps: float = 25.0, scale: float = 1.0) -> Camera:
        # a fixed port below the ephemeral range, so that no outgoing connection takes it
        # while the camera is down; another free one is tried when it is in use
        for _attempt in range(20):
            port = self.port or random.randrange(20000, 32000)
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(SERVER),
                    str(self.clip),
                    "--port",
                    str(port),
                    "--fps",
                    str(fps),
                    "--scale",
                    str(scale),
                    "--seconds",
                    "60",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            line = self.process.stdout.readline()
            if line.startswith("PORT"):
                self.port = int(line.split()[1])
                return self
            self.process.wait(10)
            assert not self.port, f"camera could not listen on its port again: {self.process.stderr.read()}"
        raise AssertionError("no free port for the camera")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def camera(clip: Path):
    cam = Camera(clip)
    yield cam
    cam.kill()


FAST = LiveSettings(open_timeout_s=3, read_timeout_s=2, reconnect_initial_s=0.2, reconnect_max_s=1)


def test_slow_consumer_gets_the_newest_frame_and_drops_are_counted(camera: Camera) -> None:
    camera.start(fps=50)
    with open_source(camera.url, FAST) as source:
        assert isinstance(source, LiveSource) and source.info.live
        latencies, indices = [], []
        for frame in source:
            time.sleep(0.1)  # a loop 5x slower than the camera
            latencies.append(time.time() - 0.1 - frame.wall_time)
            indices.append(frame.index)
            if len(indices) == 15:
                break
        stats = source.stats()
    assert stats["dropped_frames"] > 20
    assert max(b - a for a, b in zip(indices, indices[1:])) > 1
    # no queue builds up: each frame handed over is about one camera frame old (20 ms)
    assert max(latencies[5:]) < 0.25, latencies  # a queue would add ~80 ms per frame: > 1 s by the end


def test_reconnects_with_a_new_frame_size_and_gives_up_when_told(camera: Camera) -> None:
    camera.start()
    settings = FAST.model_copy(update={"give_up_after_s": 5.0})  # the camera restarts well within it
    frames = []
    killed_at = restarted = None
    with open_source(camera.url, settings) as source:
        for frame in source:
            frames.append(frame)
            if len(frames) == 10 and killed_at is None:
                camera.kill()
                killed_at = time.time()
                time.sleep(0.5)
                camera.start(scale=1.5)  # same port, bigger frames
                restarted = True
            if restarted and frame.after_gap:
                camera.kill()  # now for good: the source gives up after 5 s
        stats = source.stats()
    gap_frames = [f for f in frames if f.after_gap]
    assert len(gap_frames) == 1
    assert gap_frames[0].image.shape[:2] == (360, 480) and frames[0].image.shape[:2] == (240, 320)
    assert stats["reconnects"] == 1 and stats["lost"] and stats["frame_sizes"] == [[320, 240], [480, 360]]
    assert stats["gaps"][0]["seconds"] < 5
    assert all(b.wall_time >= a.wall_time for a, b in zip(frames, frames[1:]))


def test_track_cli_on_a_stream_survives_a_restart_and_stops_cleanly_on_sigint(tmp_path: Path, camera: Camera) -> None:
    camera.start()
    out = tmp_path / "out"
    process = start_cli(
        "track",
        camera.url,
        "-o",
        str(out),
        "-q",
        "--detector",
        "motion",
        "--detect-every",
        "1",
        "--tracker",
        "centroid",
        "--set",
        "live.reconnect_initial_s=0.2",
        "--set",
        "live.reconnect_max_s=1",
        "--set",
        "detector.min_area=200",
    )
    try:

        def csv_frames() -> int:
            path = out / "tracks.csv"
            return len(path.read_text().splitlines()) if path.exists() else 0

        deadline = time.time() + 60
        while csv_frames() < 30 and time.time() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert process.poll() is None, process.communicate()[1]
        camera.kill()
        time.sleep(1.0)
        camera.start(scale=1.5)
        rows_before = csv_frames()
        deadline = time.time() + 30
        while csv_frames() < rows_before + 30 and time.time() < deadline and process.poll() is None:
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stopped_by"] == "interrupt"
    source = summary["source"]
    assert source["live"] and source["reconnects"] == 1 and source["frame_sizes"] == [[320, 240], [480, 360]]
    assert "dropped_frames" in source
    rows = (out / "tracks.csv").read_text().splitlines()
    assert rows[0].endswith("wall_time") and rows[-1].split(",")[-1].startswith("20")
    # tracks are closed across the gap: no id lives on both sides of it
    gap = source["gaps"][0]
    table = [row.split(",") for row in rows[1:]]
    before = {r[2] for r in table if float(r[1]) < gap["lost_at"]}
    after = {r[2] for r in table if float(r[1]) > gap["lost_at"] + gap["seconds"]}
    assert before and after and not before & after
    assert decoded_frames(out / "annotated.mp4") == summary["frames"]


def test_sigterm_while_the_stream_is_stalled_and_reopening_exits_cleanly(tmp_path: Path, camera: Camera) -> None:
    # a paused camera still accepts connections (the kernel does) but never answers: the read
    # stalls (1 s), the reopen sits in OpenCV for open_timeout_s (10 s) and the stop comes
    # 9 s in, so the reopen returns just after a close() that waited only read_timeout_s + 1
    camera.start()
    out = tmp_path / "out"
    process = start_cli(
        "track",
        camera.url,
        "-o",
        str(out),
        "-q",
        "--no-video",
        "--detector",
        "motion",
        "--tracker",
        "centroid",
        "--set",
        "live.open_timeout_s=10",
        "--set",
        "live.read_timeout_s=1",
        "--set",
        "live.reconnect_initial_s=0.2",
    )
    try:
        deadline = time.time() + 60
        while not (out / "tracks.csv").exists() and time.time() < deadline and process.poll() is None:
            time.sleep(0.1)
        time.sleep(1.0)
        assert process.poll() is None, process.communicate()[1]
        camera.process.send_signal(signal.SIGSTOP)
        time.sleep(9.0)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if camera.process.poll() is None:
            camera.process.send_signal(signal.SIGCONT)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "terminate called" not in stderr and "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stopped_by"] == "interrupt" and summary["frames"] > 0
    assert len((out / "tracks.csv").read_text().splitlines()) >= 1


@pytest.mark.parametrize("outage", ["killed", "paused"])
def test_gives_up_on_time_and_ends_as_lost_with_the_outage_in_gaps(camera: Camera, outage: str) -> None:
    # killed: every reopen is refused at once; paused: every reopen hangs for open_timeout_s (6 s),
    # longer than the 4 s the source may spend without frames
    camera.start()
    settings = LiveSettings(
        open_timeout_s=6, read_timeout_s=1, reconnect_initial_s=0.5, reconnect_max_s=10, give_up_after_s=4
    )
    with open_source(camera.url, settings) as source:
        for frame in source:
            if frame.index == 10 and outage == "killed":
                camera.kill()
                cut_at = time.time()
            elif frame.index == 10:
                camera.process.send_signal(signal.SIGSTOP)
                cut_at = time.time()
        ended_after = time.time() - cut_at
        stats, end_reason = source.stats(), source.end_reason
    assert 3.8 < ended_after < 4 + settings.read_timeout_s + 0.5, ended_after  # cut_at is taken just after the cut
    assert end_reason == "source_lost" and stats["lost"]
    assert len(stats["gaps"]) == 1 and not stats["gaps"][0]["recovered"]
    assert stats["gaps"][0]["seconds"] == pytest.approx(4, abs=0.5)
