"""Public entry points: evaluate one sequence, or a benchmark of many (process pool or Ray)."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from tracker.core.errors import UserError
from tracker.evaluation.mot_files import SequenceInput, benchmark_sequences, load_sequence
from tracker.evaluation.per_frame import per_frame_counts
from tracker.evaluation.results import BenchmarkResult, Metrics, SequenceResult
from tracker.evaluation.trackeval_run import combine, print_tables, run_trackeval


def evaluate_sequence(
    gt: Path | str,
    pred: Path | str,
    *,
    seq_length: int | None = None,
    name: str | None = None,
    per_frame: bool = False,
    verbose: bool = False,
) -> SequenceResult:
    """Score one tracker output against one MOTChallenge ground truth (MOT15 rules).

    ``gt``: a sequence folder (``gt/gt.txt`` and ``seqinfo.ini``) or a bare ``gt.txt``.
    ``pred``: MOT rows ``frame,id,x,y,w,h[,conf,...]`` (or a folder holding ``<seq>.txt``).
    ``seq_length``: frame count when there is no ``seqinfo.ini`` (default: last gt frame).
    ``per_frame``: also return per-frame FP/FN/IDSW counts. ``verbose``: let TrackEval print.
    Bad input raises ``UserError``. Example: ``evaluate_sequence(seq_dir, tracks).metrics.to_dict()``.
    """
    sequence = load_sequence(Path(gt), Path(pred), seq_length=seq_length, name=name)
    result, raw = _evaluate_input(sequence, per_frame)
    if verbose:
        print_tables({sequence.name: raw}, raw)
    return result


def evaluate_benchmark(
    gt_dir: Path | str,
    pred_dir: Path | str,
    *,
    workers: int | None = None,
    ray_address: str | None = None,
    per_frame: bool = False,
    verbose: bool = False,
) -> BenchmarkResult:
    """Score ``pred_dir/<seq>.txt`` against every sequence folder in ``gt_dir``.

    Sequences run in a process pool of ``workers`` (default ``min(cpu count, sequences)``), or
    as Ray tasks when ``ray_address`` is given (``"local"`` starts a local Ray instance;
    otherwise an address for ``ray.init``, e.g. ``"auto"`` or ``"ray://head:10001"``).
    ``combined`` is TrackEval's combination over sequences, not a mean of the rows.
    """
    gt_dir, pred_dir = Path(gt_dir), Path(pred_dir)
    if not pred_dir.is_dir():
        raise UserError(f"prediction folder not found: {pred_dir}")
    folders = benchmark_sequences(gt_dir)
    missing = [f"{f.name}.txt" for f in folders if not (pred_dir / f"{f.name}.txt").is_file()]
    if missing:
        raise UserError(f"{pred_dir}: no prediction for {', '.join(missing)}")
    sequences = [load_sequence(f, pred_dir / f"{f.name}.txt") for f in folders]
    if ray_address is not None:
        outcomes = _run_on_ray(sequences, per_frame, ray_address)
    else:
        outcomes = _run_in_processes(sequences, per_frame, workers)
    raws = {result.name: raw for result, raw in outcomes}
    combined = combine(raws)
    if verbose:
        print_tables(raws, combined)
    return BenchmarkResult([result for result, _ in outcomes], Metrics.from_trackeval(combined))


def _evaluate_input(sequence: SequenceInput, per_frame: bool) -> tuple[SequenceResult, dict]:
    """One sequence's result and TrackEval's raw fields (needed for combining)."""
    raw, data = run_trackeval(sequence)
    counts = per_frame_counts(data) if per_frame else None
    return SequenceResult(sequence.name, sequence.seq_length, Metrics.from_trackeval(raw), counts), raw


def _run_in_processes(
    sequences: list[SequenceInput], per_frame: bool, workers: int | None
) -> list[tuple[SequenceResult, dict]]:
    workers = workers or min(os.cpu_count() or 1, len(sequences))
    if workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}")
    if workers == 1 or len(sequences) == 1:
        return [_evaluate_input(s, per_frame) for s in sequences]
    # spawn, not fork: the caller may have TensorFlow loaded (tracker track --gt).
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(_evaluate_input, sequences, [per_frame] * len(sequences)))


def _run_on_ray(sequences: list[SequenceInput], per_frame: bool, address: str) -> list[tuple[SequenceResult, dict]]:
    import tracker
    from tracker.ray_session import start_ray

    started_here = start_ray(address, [tracker])
    import ray

    try:
        task = ray.remote(_evaluate_input)
        return ray.get([task.remote(s, per_frame) for s in sequences])
    except ray.exceptions.RayTaskError as error:
        if isinstance(error.cause, UserError):
            raise error.cause from None
        raise
    finally:
        if started_here:
            ray.shutdown()
