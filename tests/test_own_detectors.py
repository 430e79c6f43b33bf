"""The committed weights of our own detectors: they load through the registry, find objects
of the right classes on real frames, and reach a measured floor on a small held-out slice.

Floors are the measured value (deterministic: the same on every run) less 0.02 for float
differences between platforms, so that a broken loader, decoder or export fails.
"""

import numpy as np
import pytest

from detectors import build_detector, detector_settings
from detectors.evaluation import ClassTally
from detectors.keras_runtime import WEIGHTS_DIR
from detectors.labelled import mot_frames
from detectors.training.detection_csv import VAL_CAMERAS, read_detection_csv, read_scenes
from detectors.training.voc import read_voc_folder
from tracker.core.geometry import iou_matrix
from tracker.core.types import Frame

VEHICLES = {"car", "motorcycle", "truck"}

# AP@0.5 measured on the slices below with the committed weights (2026-11-30, two runs, identical):
# mobilenet: 0.386 before it left black bars out (0.392 after, 2026-12-01)
MOBILENET_CAR_AP_VAL_FRAMES = 0.37  # measured 0.392 (4 frames of each val camera, 117 cars)
MOBILENET_CARS_ON_VAL_FRAMES = 117
# with detector.flip_test (2026-12-01, two runs, identical): lower on these 12 frames, higher on
# all 51 frames of the three cameras (car AP 0.43 -> 0.45, MODEL_CARD.md)
MOBILENET_FLIP_CAR_AP_VAL_FRAMES = 0.33  # measured 0.353
SMALLERVGG_VEHICLE_AP_FIRST5_TEST = 0.14  # measured 0.164 (same frames)
SMALLERVGG_PERSON_AP_PETS_HELDOUT = 0.25  # measured 0.273 (PETS09-S3-MF1, last 6 frames)
# Motion candidates on TUD-Campus frames 11-20 (2026-11-30, two runs, identical): 13 of 20
# detections lie on a person (IoU >= 0.3), 12 of 50 people are covered; floors one box under.
MOTION_ON_PERSON, MOTION_PEOPLE_COVERED = 12, 11


def _vehicle_ap(detector, frames) -> float:
    tally = ClassTally()
    for index, gt in enumerate(frames):
        detections = detector.detect([Frame(index, 0.0, gt.load())])[0]
        names = np.array([detector.class_names[i] for i in detections.class_ids], dtype=object)
        keep = np.isin(names, list(VEHICLES)) if len(names) else np.zeros(0, bool)
        tally.add_frame(gt.xyxy, detections.xyxy[keep], detections.scores[keep])
    return tally.average_precision()


@pytest.mark.parametrize("name", ["smallervgg", "mobilenet"])
def test_committed_weights_are_small_and_come_with_metadata(name):
    for suffix in (".keras", ".json", ".tflite", "_curves.png"):
        path = WEIGHTS_DIR / f"{name}{suffix}"
        assert path.is_file(), path
        assert path.stat().st_size < 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("flip_test", "floor"), [(False, MOBILENET_CAR_AP_VAL_FRAMES), (True, MOBILENET_FLIP_CAR_AP_VAL_FRAMES)]
)
def test_mobilenet_finds_cars_on_cameras_it_never_saw_and_reaches_its_floor(shared_data, flip_test, floor):
    """Four frames of each of the val split's three cameras (absent from training)."""
    csv_path = shared_data / "train" / "detection" / "annotations.csv"
    scenes = read_scenes(csv_path)
    val = read_detection_csv(csv_path, "val")
    frames = [item for camera in VAL_CAMERAS for item in [i for i in val if scenes[i.image_path] == camera][:4]]
    detector = build_detector(detector_settings("mobilenet", min_score=0.05, flip_test=flip_test))
    assert detector.class_names == ("car", "bus", "truck", "motorcycle", "bicycle", "person")
    tally = ClassTally()
    for index, gt in enumerate(frames):
        detections = detector.detect([Frame(index, 0.0, gt.load())])[0]
        cars = detections.class_ids == detector.class_names.index("car")
        tally.add_frame(gt.xyxy[np.asarray(gt.labels) == "car"], detections.xyxy[cars], detections.scores[cars])
    assert tally.n_ground_truth == MOBILENET_CARS_ON_VAL_FRAMES
    assert tally.average_precision() >= floor


def test_smallervgg_finds_vehicles_on_a_real_frame_and_reaches_its_floor(shared_data):
    detector = build_detector(detector_settings("smallervgg", input_width=480, input_height=270, min_score=0.05))
    assert detector.class_names == ("person", "car", "motorcycle", "truck")
    frames = read_voc_folder(shared_data / "train" / "traffic-voc" / "test")[:5]
    assert _vehicle_ap(detector, frames) >= SMALLERVGG_VEHICLE_AP_FIRST5_TEST


def test_smallervgg_finds_people_on_held_out_mot_frames(shared_data):
    detector = build_detector(detector_settings("smallervgg", input_width=480, input_height=270, min_score=0.05))
    held_out = mot_frames(shared_data / "mot" / "PETS09-S3-MF1")[-6:]  # second half: never mined
    tally = ClassTally()
    person = detector.class_names.index("person")
    for index, gt in enumerate(held_out):
        detections = detector.detect([Frame(index, 0.0, gt.load())])[0]
        keep = detections.class_ids == person
        tally.add_frame(gt.xyxy, detections.xyxy[keep], detections.scores[keep])
    assert tally.average_precision() >= SMALLERVGG_PERSON_AP_PETS_HELDOUT


def test_smallervgg_motion_candidates_follow_moving_people(shared_data):
    detector = build_detector(
        detector_settings(
            "smallervgg", input_width=320, input_height=240, min_score=0.3, candidates="motion", min_area=100
        )
    )
    frames = mot_frames(shared_data / "mot" / "TUD-Campus")[:20]
    results = [detector.detect([Frame(i, 0.0, gt.load())])[0] for i, gt in enumerate(frames)]
    assert len(results[0]) == 0  # nothing has moved yet
    on_person = covered = 0
    for detections, gt in zip(results[10:], frames[10:]):  # once the background model has settled
        overlap = iou_matrix(detections.xyxy, gt.xyxy) >= 0.3
        on_person += int(overlap.any(axis=1).sum())
        covered += int(overlap.any(axis=0).sum())
    assert on_person >= MOTION_ON_PERSON and covered >= MOTION_PEOPLE_COVERED, (on_person, covered)
