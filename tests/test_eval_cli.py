"""``tracker eval`` end to end on a real shared clip, plus bad-input exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracker.cli
from tests.conftest import SHARED_DATA, require


def shared_mot() -> Path:
    require(
        SHARED_DATA is not None and (SHARED_DATA / "mot" / "TUD-Campus" / "gt" / "gt.txt").is_file(),
        "shared data mot/TUD-Campus not found (../shared/data)",
    )
    return SHARED_DATA / "mot"


def cli(argv: list[str]) -> int:
    """Run ``tracker`` in this process."""
    return tracker.cli.main(argv)


def det_as_tracks(clip: Path, out: Path) -> Path:
    """The clip's public detections with a new track id on every row (no association)."""
    lines = (clip / "det" / "det.txt").read_text().split()
    out.write_text("".join(f"{l.split(',', 2)[0]},{n},{l.split(',', 2)[2]}\n" for n, l in enumerate(lines, start=1)))
    return out


def test_gt_against_itself_scores_one(tmp_path, capsys):
    clip = shared_mot() / "TUD-Campus"
    out = tmp_path / "result.json"
    assert cli(["eval", "--gt", str(clip), "--pred", str(clip / "gt" / "gt.txt"), "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "TUD-Campus" in table and "100.0" in table and "COMBINED" not in table
    result = json.loads(out.read_text())
    metrics = result["sequences"][0]["metrics"]
    assert {k: metrics[k] for k in ("HOTA", "MOTA", "IDF1")} == {"HOTA": 1.0, "MOTA": 1.0, "IDF1": 1.0}
    assert result["combined"] == metrics and metrics["gt_dets"] == 359


def test_detections_without_association_and_plot(tmp_path, capsys):
    clip = shared_mot() / "TUD-Campus"
    pred = det_as_tracks(clip, tmp_path / "tracks.txt")
    png = tmp_path / "eval.png"
    assert cli(["eval", "--gt", str(clip), "--pred", str(pred), "--json", "--plot", str(png)]) == 0
    result = json.loads(capsys.readouterr().out)  # bare --json: JSON on stdout, no table
    metrics = result["sequences"][0]["metrics"]
    assert metrics["IDF1"] < 0.1 and metrics["IDSW"] > 100 and 0.3 < metrics["DetA"] < 0.7
    assert len(result["sequences"][0]["per_frame"]["idsw"]) == 71
    import matplotlib.image

    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.image.imread(png).shape[0] > 300


def test_benchmark_folder_gives_rows_and_combined(tmp_path, capsys):
    mot = shared_mot()
    pred_dir = tmp_path / "pred"
    pred_dir.mkdir()
    sequences = sorted(p.name for p in mot.iterdir() if (p / "gt" / "gt.txt").is_file())
    for name in sequences:
        (pred_dir / f"{name}.txt").write_text((mot / name / "gt" / "gt.txt").read_text())
    det_as_tracks(mot / "TUD-Campus", pred_dir / "TUD-Campus.txt")
    assert cli(["eval", "--gt", str(mot), "--pred", str(pred_dir), "--workers", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [l.split()[0] for l in lines[1 : 1 + len(sequences)]] == sequences
    combined = next(l for l in lines if l.startswith("COMBINED")).split()
    tud = next(l for l in lines if l.startswith("TUD-Campus")).split()
    # COMBINED sits between the perfect clips (100) and TUD-Campus: HOTA column.
    assert float(tud[2]) < float(combined[2]) < 100.0


@pytest.mark.parametrize(
    "make_args, message",
    [
        (lambda t: ["--gt", str(t / "missing"), "--pred", str(t / "p.txt")], "not found"),
        (lambda t: ["--gt", str(t / "noseq"), "--pred", str(t / "p.txt")], "no sequence folders"),
        (lambda t: ["--gt", str(t / "seq"), "--pred", str(t / "bad.txt")], "non-numeric"),
        (lambda t: ["--gt", str(t / "seq"), "--pred", str(t / "missing.txt")], "pred file not found"),
        (lambda t: ["--gt", str(t), "--pred", str(t / "bad.txt")], "must be a folder"),
        (lambda t: ["--gt", str(t), "--pred", str(t / "noseq")], "no prediction for seq.txt"),
        (lambda t: ["--gt", str(t / "seq"), "--pred", str(t / "latin1.txt")], "latin1.txt: not UTF-8 text"),
        (lambda t: ["--gt", str(t / "seq"), "--pred", str(t / "negative.txt")], "negative.txt:2: negative width"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, make_args, message):
    (tmp_path / "noseq").mkdir()  # a folder with neither seqinfo.ini nor gt.txt
    (tmp_path / "seq" / "gt").mkdir(parents=True)
    (tmp_path / "seq" / "gt" / "gt.txt").write_text("1,1,10,20,50,100,1,-1,-1,-1\n")
    (tmp_path / "bad.txt").write_text("1,1,10,twenty,50,100\n")
    (tmp_path / "latin1.txt").write_bytes("1,1,10,20,50,100,1,-1,-1,-1 # pi\u00e9ton\n".encode("latin-1"))
    (tmp_path / "negative.txt").write_text("1,1,10,20,50,100\n1,2,10,20,-50,100\n")
    assert cli(["eval"] + make_args(tmp_path)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_unreachable_ray_address_is_a_user_error(tmp_path, capsys):
    (tmp_path / "gt" / "seq" / "gt").mkdir(parents=True)
    (tmp_path / "gt" / "seq" / "gt" / "gt.txt").write_text("1,1,10,20,50,100,1,-1,-1,-1\n")
    (tmp_path / "pred").mkdir()
    (tmp_path / "pred" / "seq.txt").write_text("1,1,10,20,50,100,1,-1,-1,-1\n")
    # Port 1 on localhost: nothing listens there. Without Ray installed: "needs Ray".
    assert cli(["eval", "--gt", str(tmp_path / "gt"), "--pred", str(tmp_path / "pred"), "--ray", "127.0.0.1:1"]) == 2
    assert "Ray" in capsys.readouterr().err


def scaled_ids(source: Path, out: Path, factor: int = 10**11) -> Path:
    """``source`` with every track id multiplied by ``factor`` (ids around 1e11..1e14)."""
    rows = [line.split(",") for line in source.read_text().split()]
    out.write_text("".join(",".join([r[0], str(int(float(r[1])) * factor), *r[2:]]) + "\n" for r in rows))
    return out


def metrics_of(gt: Path, pred: Path, json_path: Path) -> dict:
    assert cli(["eval", "--gt", str(gt), "--pred", str(pred), "--json", str(json_path)]) == 0
    return json.loads(json_path.read_text())["sequences"][0]["metrics"]


def test_huge_track_ids_score_as_their_renumbered_selves(tmp_path):
    """TrackEval sizes arrays by the largest id: ids of 1e11 and more must be renumbered
    (per sequence, in the gt and in the prediction) and score exactly as small ids do."""
    clip = shared_mot() / "TUD-Campus"
    pred = det_as_tracks(clip, tmp_path / "tracks.txt")
    expected = metrics_of(clip, pred, tmp_path / "a.json")
    assert metrics_of(clip, scaled_ids(pred, tmp_path / "huge.txt"), tmp_path / "b.json") == expected
    huge_gt = tmp_path / "TUD-Campus"
    (huge_gt / "gt").mkdir(parents=True)
    (huge_gt / "seqinfo.ini").write_text((clip / "seqinfo.ini").read_text())
    scaled_ids(clip / "gt" / "gt.txt", huge_gt / "gt" / "gt.txt")
    assert metrics_of(huge_gt, pred, tmp_path / "c.json") == expected
    gt_itself = metrics_of(huge_gt, clip / "gt" / "gt.txt", tmp_path / "d.json")
    assert gt_itself["HOTA"] == gt_itself["IDF1"] == 1.0


@pytest.mark.parametrize("rotated", [False, True])
def test_pred_can_be_a_run_folder(tmp_path, capsys, rotated):
    """``--pred runs/tud``: the run's tracks.txt, or its rotated segments joined."""
    clip = shared_mot() / "TUD-Campus"
    rows = (clip / "gt" / "gt.txt").read_text().splitlines(keepends=True)
    run = tmp_path / "tud"
    run.mkdir()
    if rotated:
        half = len(rows) // 2
        (run / "tracks.0000.txt").write_text("".join(rows[:half]))
        (run / "tracks.0001.txt").write_text("".join(rows[half:]))
    else:
        (run / "tracks.txt").write_text("".join(rows))
    assert cli(["eval", "--gt", str(clip), "--pred", str(run), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)["combined"]
    assert metrics["HOTA"] == pytest.approx(1.0) and metrics["IDSW"] == 0
