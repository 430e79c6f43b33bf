"""tracker.evaluation on tiny hand-made sequences whose metrics are worked out by hand.

Layout used throughout: two people, frames 1..4, boxes far apart (IoU between different
people is 0). Predicted boxes copy the gt boxes exactly, so every match has IoU 1: LocA = 1
and a match counts at every HOTA threshold alpha, which makes HOTA computable by hand:
  DetA = TP / (TP + FN + FP)
  AssA = mean over TP matches of TPA / (TPA + FNA + FPA) for the match's (gt id, track id)
  HOTA = sqrt(DetA * AssA)
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, require
from tracker.core.errors import UserError
from tracker.evaluation import evaluate_benchmark, evaluate_sequence

BOX_A = (10, 20, 50, 100)  # x, y, w, h of person 1
BOX_B = (300, 40, 60, 120)  # person 2
BOX_FAR = (500, 300, 40, 40)  # overlaps nobody


def rows(*entries: tuple) -> str:
    """MOT lines from (frame, id, box) entries; conf 1, then MOT15's -1,-1,-1."""
    return "".join(f"{f},{i},{x},{y},{w},{h},1,-1,-1,-1\n" for f, i, (x, y, w, h) in entries)


GT = rows(*[(f, 1, BOX_A) for f in range(1, 5)], *[(f, 2, BOX_B) for f in range(1, 5)])


def write_sequence(folder: Path, gt_text: str, length: int | None = 4) -> Path:
    """A MOTChallenge sequence folder (gt/gt.txt, and seqinfo.ini unless length is None)."""
    (folder / "gt").mkdir(parents=True)
    (folder / "gt" / "gt.txt").write_text(gt_text)
    if length is not None:
        (folder / "seqinfo.ini").write_text(f"[Sequence]\nname={folder.name}\nseqLength={length}\n")
    return folder


def evaluate(tmp_path: Path, pred_text: str, gt_text: str = GT, length: int | None = 4):
    seq = write_sequence(tmp_path / "seq", gt_text, length)
    pred = tmp_path / "pred.txt"
    pred.write_text(pred_text)
    return evaluate_sequence(seq, pred, per_frame=True)


def test_perfect_prediction_scores_one(tmp_path):
    m = evaluate(tmp_path, GT).metrics
    for name in ("HOTA", "DetA", "AssA", "LocA", "MOTA", "MOTP", "IDF1", "IDP", "IDR"):
        assert getattr(m, name) == pytest.approx(1.0), name
    assert (m.FP, m.FN, m.IDSW, m.Frag, m.MT, m.ML, m.gt_dets) == (0, 0, 0, 0, 2, 0, 8)


def test_one_id_switch(tmp_path):
    # Person 1 is track 1 in frames 1-2, then track 3 in frames 3-4; person 2 is track 2.
    pred = rows((1, 1, BOX_A), (2, 1, BOX_A), (3, 3, BOX_A), (4, 3, BOX_A), *[(f, 2, BOX_B) for f in range(1, 5)])
    result = evaluate(tmp_path, pred)
    m = result.metrics
    # CLEAR: 8 gt, FP 0, FN 0, IDSW 1 -> MOTA = 1 - 1/8 = 0.875.
    assert (m.FP, m.FN, m.IDSW) == (0, 0, 1)
    assert m.MOTA == pytest.approx(0.875)
    # Identity: best one-to-one ids: gt1<->track1 (2 frames), gt2<->track2 (4). IDTP 6,
    # IDFN 8-6 = 2, IDFP 8-6 = 2 -> IDF1 = 12 / (12 + 2 + 2) = 0.75.
    assert m.IDF1 == pytest.approx(0.75)
    # HOTA: DetA = 8/8 = 1. Matches (gt1,track1) x2: TPA 2, FNA 4-2=2, FPA 0 -> 0.5;
    # (gt1,track3) x2: 0.5; (gt2,track2) x4: 1. AssA = (4*0.5 + 4*1)/8 = 0.75;
    # HOTA = sqrt(1 * 0.75).
    assert m.DetA == pytest.approx(1.0)
    assert m.AssA == pytest.approx(0.75)
    assert m.HOTA == pytest.approx(math.sqrt(0.75))
    assert m.LocA == pytest.approx(1.0)
    assert result.per_frame.idsw == [0, 0, 1, 0]


def test_missed_box_and_false_positive(tmp_path):
    # Person 1 is missed in frame 3; an extra track 9 appears on empty ground in frame 2.
    pred = rows(*[(f, 1, BOX_A) for f in (1, 2, 4)], *[(f, 2, BOX_B) for f in range(1, 5)], (2, 9, BOX_FAR))
    result = evaluate(tmp_path, pred)
    m = result.metrics
    # CLEAR: TP 7, FN 1, FP 1, IDSW 0 -> MOTA = 1 - 2/8 = 0.75. Person 1 tracked 3/4 = 0.75
    # of its life (not > 0.8) -> PT; person 2 -> MT. One gap in person 1's track -> Frag 1.
    assert (m.FP, m.FN, m.IDSW, m.MT, m.PT, m.ML, m.Frag) == (1, 1, 0, 1, 1, 0, 1)
    assert m.MOTA == pytest.approx(0.75)
    # Identity: IDTP 3+4 = 7, IDFN 1, IDFP 1 -> IDF1 = 14/16 = 0.875.
    assert m.IDF1 == pytest.approx(0.875)
    # HOTA: DetA = 7/(7+1+1) = 7/9. (gt1,track1) x3: TPA 3, FNA 1, FPA 0 -> 0.75;
    # (gt2,track2) x4: 1. AssA = (3*0.75 + 4)/7 = 6.25/7. HOTA = sqrt(7/9 * 6.25/7) = 2.5/3.
    assert m.DetA == pytest.approx(7 / 9)
    assert m.AssA == pytest.approx(6.25 / 7)
    assert m.HOTA == pytest.approx(2.5 / 3)
    assert result.per_frame.fp == [0, 1, 0, 0]
    assert result.per_frame.fn == [0, 0, 1, 0]


def test_empty_prediction_misses_everything(tmp_path):
    m = evaluate(tmp_path, "").metrics
    # 8 gt, all FN: MOTA = 1 - 8/8 = 0; nothing detected, so HOTA = IDF1 = 0.
    assert (m.FN, m.FP, m.pred_dets, m.ML) == (8, 0, 0, 2)
    assert m.MOTA == pytest.approx(0.0)
    assert m.HOTA == pytest.approx(0.0) and m.IDF1 == pytest.approx(0.0)


def test_float_frames_and_ids_and_mot15_column8(tmp_path):
    # Frames/ids written as floats, and column 8 holding a MOT15 world coordinate in the gt
    # and a class id 3 in the prediction: neither is read as a class under MOT15 rules.
    gt = GT.replace(",1,-1,-1,-1\n", ",1,-5595.1,-1,-1\n")
    pred = "".join(
        f"{f}.0,{i}.0,{x},{y},{w},{h},0.9,3,-1,-1\n"
        for f, i, (x, y, w, h) in [(f, 1, BOX_A) for f in range(1, 5)] + [(f, 2, BOX_B) for f in range(1, 5)]
    )
    m = evaluate(tmp_path, pred, gt_text=gt).metrics
    assert (m.HOTA, m.MOTA, m.IDF1) == pytest.approx((1.0, 1.0, 1.0))


def test_frames_without_gt_or_pred_still_count(tmp_path):
    # seqinfo says 6 frames; gt ends at frame 4; a track box in frame 6 is a false positive.
    result = evaluate(tmp_path, GT + rows((6, 5, BOX_FAR)), length=6)
    assert result.num_frames == 6 and result.metrics.FP == 1
    assert result.metrics.MOTA == pytest.approx(1 - 1 / 8)
    assert len(result.per_frame.fp) == 6 and result.per_frame.fp[5] == 1


def test_zero_conf_gt_rows_are_ignored_not_required(tmp_path):
    # A conf-0 gt row (person 3 in frame 1) is dropped from the gt: missing it is no FN.
    gt = GT + "1,3,150,30,40,90,0,-1,-1,-1\n"
    m = evaluate(tmp_path, GT, gt_text=gt).metrics
    assert (m.gt_dets, m.FN, m.MOTA) == (8, 0, 1.0)


def test_zero_conf_gt_box_covered_by_a_track_is_a_false_positive_under_mot15(tmp_path):
    # TrackEval 1.3.0 removes tracker boxes matched to ignored gt only for MOT16/17/20
    # (distractor classes); under BENCHMARK='MOT15' such a box stays a false positive.
    gt = GT + "1,3,150,30,40,90,0,-1,-1,-1\n"
    m = evaluate(tmp_path, GT + rows((1, 7, (150, 30, 40, 90))), gt_text=gt).metrics
    assert (m.gt_dets, m.FP) == (8, 1)


def test_bare_gt_txt_uses_last_gt_frame_or_given_length(tmp_path):
    gt = tmp_path / "gt.txt"
    gt.write_text(GT)
    pred = tmp_path / "pred.txt"
    pred.write_text(GT + rows((5, 5, BOX_FAR)))
    with pytest.raises(UserError, match="frame 5 beyond the sequence length 4"):
        evaluate_sequence(gt, pred)
    result = evaluate_sequence(gt, pred, seq_length=5)
    assert (result.num_frames, result.metrics.FP) == (5, 1)


def test_benchmark_combined_is_trackeval_combination_not_mean(tmp_path):
    # seq1: the missed-box-and-FP case (8 gt: TP 7, FN 1, FP 1; MOTA 0.75, IDF1 0.875).
    # seq2: one person for 2 frames, perfect (2 gt; MOTA 1, IDF1 1).
    # Combined: MOTA = 1 - (1+1)/10 = 0.8 (mean would be 0.875);
    #           IDF1 = 2*9 / (2*9 + 1 + 1) = 0.9 (mean would be 0.9375).
    gt_dir, pred_dir = tmp_path / "gt", tmp_path / "pred"
    pred_dir.mkdir()
    write_sequence(gt_dir / "seq1", GT)
    write_sequence(gt_dir / "seq2", rows((1, 1, BOX_A), (2, 1, BOX_A)), length=2)
    (pred_dir / "seq1.txt").write_text(
        rows(*[(f, 1, BOX_A) for f in (1, 2, 4)], *[(f, 2, BOX_B) for f in range(1, 5)], (2, 9, BOX_FAR))
    )
    (pred_dir / "seq2.txt").write_text(rows((1, 4, BOX_A), (2, 4, BOX_A)))
    serial = evaluate_benchmark(gt_dir, pred_dir, workers=1)
    assert [s.name for s in serial.sequences] == ["seq1", "seq2"]
    assert serial.combined.MOTA == pytest.approx(0.8)
    assert serial.combined.IDF1 == pytest.approx(0.9)
    pooled = evaluate_benchmark(gt_dir, pred_dir, workers=2)
    assert pooled.to_dict() == serial.to_dict()


@pytest.mark.slow
def test_benchmark_on_local_ray_matches_serial(tmp_path):
    require(importlib.util.find_spec("ray") is not None, "Ray is not installed (the optional [ray] extra)")
    gt_dir, pred_dir = tmp_path / "gt", tmp_path / "pred"
    pred_dir.mkdir()
    write_sequence(gt_dir / "seq1", GT)
    write_sequence(gt_dir / "seq2", GT)
    (pred_dir / "seq1.txt").write_text(GT)
    (pred_dir / "seq2.txt").write_text(rows(*[(f, 1, BOX_A) for f in range(1, 5)]))
    on_ray = evaluate_benchmark(gt_dir, pred_dir, ray_address="local")
    assert on_ray.to_dict() == evaluate_benchmark(gt_dir, pred_dir, workers=1).to_dict()
    assert on_ray.combined.FN == 4


@pytest.mark.parametrize(
    "pred_text, message",
    [
        ("1,1,10,20\n", "at least 6"),
        ("1,1,10,20,abc,100\n", "non-numeric"),
        ("1,1.5,10,20,50,100\n", "not a whole number"),
        ("0,1,10,20,50,100\n", "start at 1"),
        ("1,-1,10,20,50,100\n", "detection file"),
        ("1,1,10,20,50,100\n1,1,300,40,60,120\n", "more than once in frame 1"),
    ],
)
def test_malformed_predictions_are_user_errors(tmp_path, pred_text, message):
    with pytest.raises(UserError, match=message):
        evaluate(tmp_path, pred_text)


def test_missing_inputs_are_user_errors(tmp_path):
    seq = write_sequence(tmp_path / "seq", GT)
    with pytest.raises(UserError, match="pred file not found"):
        evaluate_sequence(seq, tmp_path / "nope.txt")
    with pytest.raises(UserError, match="gt not found"):
        evaluate_sequence(tmp_path / "nope", tmp_path / "nope.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no gt/gt.txt"):
        evaluate_sequence(tmp_path / "empty", tmp_path / "nope.txt")
    with pytest.raises(UserError, match="no prediction for seq.txt"):
        evaluate_benchmark(tmp_path, tmp_path / "empty")


def shared_clip(name: str) -> Path:
    require(
        SHARED_DATA is not None and (SHARED_DATA / "mot" / name / "gt" / "gt.txt").is_file(),
        f"shared data clip mot/{name} not found (../shared/data)",
    )
    return SHARED_DATA / "mot" / name


def test_per_frame_counts_sum_to_trackeval_totals_on_real_clip(tmp_path):
    # The clip's public detections, one track id per detection: many ID switches.
    clip = shared_clip("TUD-Campus")
    lines = (clip / "det" / "det.txt").read_text().split()
    pred = tmp_path / "pred.txt"
    pred.write_text("".join(f"{l.split(',', 2)[0]},{n},{l.split(',', 2)[2]}\n" for n, l in enumerate(lines, start=1)))
    result = evaluate_sequence(clip, pred, per_frame=True)
    m, counts = result.metrics, result.per_frame
    assert m.IDSW > 100 and m.IDF1 < 0.1
    assert (sum(counts.fp), sum(counts.fn), sum(counts.idsw)) == (m.FP, m.FN, m.IDSW)
    assert len(counts.fp) == result.num_frames == 71
