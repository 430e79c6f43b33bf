"""Run TrackEval's MOTChallenge evaluation (MOT15 rules) on one checked sequence.

TrackEval 1.3.0 with ``BENCHMARK='MOT15'`` (see ``MotChallenge2DBox.get_preprocessed_seq_data``):
- column 8 of the gt is not read as a class (MOT15 puts -1 or a world coordinate there);
- gt rows with conf 0 are dropped from the gt; tracker boxes on them are *not* removed
  (that distractor step runs only for MOT16/17/20), so they count as false positives;
- every frame 1..seqLength is a timestep, empty or not;
- track ids are renumbered 1..K (per sequence, gt and prediction apart) before scoring.
The sequence is written into a private temporary folder laid out the way TrackEval expects
(``gt/<seq>/gt/gt.txt``, ``trackers/pred/data/<seq>.txt``) and evaluated with TrackEval's
dataset and metric classes; nothing is printed unless ``verbose``.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import numpy as np

from tracker.core.errors import UserError
from tracker.core.mot import write_rows
from tracker.evaluation.mot_files import SequenceInput

SEQ = "seq"  # name of the sequence inside the private temporary layout
TRACKER = "pred"
CLASS = "pedestrian"  # MotChallenge2DBox's only class; MOT15 has no classes


def metric_objects() -> list:
    """TrackEval's HOTA, CLEAR, Identity and Count metrics, quiet."""
    import trackeval

    quiet = {"PRINT_CONFIG": False}
    return [
        trackeval.metrics.HOTA(quiet),
        trackeval.metrics.CLEAR(quiet),
        trackeval.metrics.Identity(quiet),
        trackeval.metrics.Count(quiet),
    ]


def renumber_ids(rows: np.ndarray) -> np.ndarray:
    """``rows`` with their track ids mapped to 1..K in the same order. TrackEval allocates
    arrays as long as the largest id, so an id of 1e12 would need terabytes; the scores do
    not depend on the id values."""
    renumbered = rows.copy()
    renumbered[:, 1] = np.unique(rows[:, 1], return_inverse=True)[1].reshape(-1) + 1
    return renumbered


def run_trackeval(sequence: SequenceInput, *, verbose: bool = False) -> tuple[dict, dict]:
    """Evaluate one sequence; returns TrackEval's ``{metric: fields}`` and its preprocessed data
    (per-frame gt/tracker ids and IoUs, used for the per-frame counts)."""
    import trackeval

    with tempfile.TemporaryDirectory(prefix="tracker-eval-") as tmp:
        root = Path(tmp)
        write_rows(root / "gt" / SEQ / "gt" / "gt.txt", renumber_ids(sequence.gt.rows))
        write_rows(root / "trackers" / TRACKER / "data" / f"{SEQ}.txt", renumber_ids(sequence.pred.rows))
        config = {
            "GT_FOLDER": str(root / "gt"),
            "TRACKERS_FOLDER": str(root / "trackers"),
            "TRACKERS_TO_EVAL": [TRACKER],
            "BENCHMARK": "MOT15",
            "SKIP_SPLIT_FOL": True,
            "SEQ_INFO": {SEQ: sequence.seq_length},
            "PRINT_CONFIG": verbose,
        }
        output = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
        try:
            with output:
                dataset = trackeval.datasets.MotChallenge2DBox(config)
                raw = dataset.get_raw_seq_data(TRACKER, SEQ)
                data = dataset.get_preprocessed_seq_data(raw, CLASS)
                results = {m.get_name(): m.eval_sequence(data) for m in metric_objects()}
        except trackeval.utils.TrackEvalException as error:
            raise UserError(f"{sequence.name}: TrackEval: {error}") from None
    return results, data


def combine(per_sequence: dict[str, dict]) -> dict:
    """TrackEval's own combination over sequences (sums of TP/FN/FP... then the formulas)."""
    return {
        m.get_name(): m.combine_sequences({name: res[m.get_name()] for name, res in per_sequence.items()})
        for m in metric_objects()
    }


def print_tables(per_sequence: dict[str, dict], combined: dict) -> None:
    """TrackEval's own result tables (what its Evaluator prints)."""
    for metric in metric_objects():
        name = metric.get_name()
        table = {seq: res[name] for seq, res in per_sequence.items()}
        table["COMBINED_SEQ"] = combined[name]
        metric.print_table(table, TRACKER, CLASS)
