"""The peers' loops of the speed comparison: the people counter's centroid tracker keeps and drops
ids as PyImageSearch's does, and its whole loop (dlib, our SSDLite and encoder; the ByteTrack
loop needs roboflow's packages, which live outside the project) writes every frame it reads."""

from __future__ import annotations

from pathlib import Path

from scripts.peer_loops import PyImageSearchCentroids, run_loop
from tests.conftest import REPO, decoded_frames, require

VTEST = REPO / "videos" / "vtest.avi"


def test_centroids_keep_the_nearest_id_and_drop_objects_missing_too_long() -> None:
    centroids = PyImageSearchCentroids(max_disappeared=2, max_distance=50)
    assert dict(centroids.update([(0, 0, 10, 10), (100, 100, 120, 120)])) == {0: (5, 5), 1: (110, 110)}
    assert dict(centroids.update([(104, 100, 124, 120), (3, 0, 13, 10)])) == {0: (8, 5), 1: (114, 110)}
    assert dict(centroids.update([(300, 300, 310, 310)])) == {0: (8, 5), 1: (114, 110), 2: (305, 305)}
    for _ in range(2):
        centroids.update([(300, 300, 310, 310)])
    assert dict(centroids.objects) == {2: (305, 305)}  # missing for more than 2 frames


def test_the_people_counter_loop_encodes_every_frame_it_reads(tmp_path: Path) -> None:
    require(VTEST.is_file(), f"{VTEST} missing (scripts/fetch_videos.py)")
    run = run_loop("pyimagesearch", VTEST, 40, tmp_path / "counter.mp4")
    assert run["frames"] == 40 and run["loop_s"] > 0
    assert decoded_frames(tmp_path / "counter.mp4") == 40
