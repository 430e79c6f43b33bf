"""Evaluation results as plain dataclasses (``to_dict()`` gives JSON-ready dicts)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass(frozen=True)
class Metrics:
    """The summary metrics of one sequence or of a combined benchmark (TrackEval's values).

    HOTA, DetA, AssA and LocA are TrackEval's means over the 19 IoU thresholds 0.05..0.95.
    FP/FN are CLEAR's ``CLR_FP``/``CLR_FN``.
    """

    HOTA: float
    DetA: float
    AssA: float
    LocA: float
    MOTA: float
    MOTP: float
    IDF1: float
    IDP: float
    IDR: float
    MT: int
    PT: int
    ML: int
    FP: int
    FN: int
    IDSW: int
    Frag: int
    gt_dets: int
    pred_dets: int
    gt_ids: int
    pred_ids: int

    @classmethod
    def from_trackeval(cls, res: dict) -> Metrics:
        """Build from TrackEval's ``{metric_name: {field: value}}`` for one sequence/combined."""
        hota, clear, identity, count = res["HOTA"], res["CLEAR"], res["Identity"], res["Count"]
        return cls(
            HOTA=float(np.mean(hota["HOTA"])),
            DetA=float(np.mean(hota["DetA"])),
            AssA=float(np.mean(hota["AssA"])),
            LocA=float(np.mean(hota["LocA"])),
            MOTA=float(clear["MOTA"]),
            MOTP=float(clear["MOTP"]),
            IDF1=float(identity["IDF1"]),
            IDP=float(identity["IDP"]),
            IDR=float(identity["IDR"]),
            MT=int(clear["MT"]),
            PT=int(clear["PT"]),
            ML=int(clear["ML"]),
            FP=int(clear["CLR_FP"]),
            FN=int(clear["CLR_FN"]),
            IDSW=int(clear["IDSW"]),
            Frag=int(clear["Frag"]),
            gt_dets=int(count["GT_Dets"]),
            pred_dets=int(count["Dets"]),
            gt_ids=int(count["GT_IDs"]),
            pred_ids=int(count["IDs"]),
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FrameCounts:
    """Per-frame error counts along a clip (index 0 is frame 1).

    From a per-frame Hungarian matching at IoU >= 0.5 that follows CLEAR's rule (keep last
    frame's gt-track pairs when still >= 0.5, then maximise IoU); see ``per_frame.py``.
    """

    fp: list[int]
    fn: list[int]
    idsw: list[int]
    matching: str = "per-frame Hungarian, IoU>=0.5, CLEAR continuation rule"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SequenceResult:
    """Metrics of one sequence, plus per-frame counts when asked for."""

    name: str
    num_frames: int
    metrics: Metrics
    per_frame: FrameCounts | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "num_frames": self.num_frames,
            "metrics": self.metrics.to_dict(),
            "per_frame": self.per_frame.to_dict() if self.per_frame else None,
        }


@dataclass(frozen=True)
class BenchmarkResult:
    """Per-sequence results and TrackEval's combined result over all of them."""

    sequences: list[SequenceResult] = field(default_factory=list)
    combined: Metrics | None = None

    def to_dict(self) -> dict:
        return {
            "sequences": [s.to_dict() for s in self.sequences],
            "combined": self.combined.to_dict() if self.combined else None,
        }
