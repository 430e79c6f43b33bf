"""Tracking accuracy (HOTA, CLEAR/MOTA, IDF1) with TrackEval on MOTChallenge data, MOT15 rules.

from tracker.evaluation import evaluate_sequence
result = evaluate_sequence("data/mot/TUD-Campus", "runs/x/tracks.txt")
result.metrics.HOTA, result.metrics.to_dict()
"""

from tracker.evaluation.evaluate import evaluate_benchmark, evaluate_sequence
from tracker.evaluation.results import BenchmarkResult, FrameCounts, Metrics, SequenceResult

__all__ = ["BenchmarkResult", "FrameCounts", "Metrics", "SequenceResult", "evaluate_benchmark", "evaluate_sequence"]
