"""Human-readable outputs of an evaluation: a terminal table and a PNG figure."""

from __future__ import annotations

from pathlib import Path

from tracker.evaluation.results import BenchmarkResult, Metrics

# (header, Metrics field, is a 0..1 score shown in %)
COLUMNS = (
    ("HOTA", "HOTA", True),
    ("DetA", "DetA", True),
    ("AssA", "AssA", True),
    ("LocA", "LocA", True),
    ("MOTA", "MOTA", True),
    ("MOTP", "MOTP", True),
    ("IDF1", "IDF1", True),
    ("IDP", "IDP", True),
    ("IDR", "IDR", True),
    ("MT", "MT", False),
    ("ML", "ML", False),
    ("FP", "FP", False),
    ("FN", "FN", False),
    ("IDSW", "IDSW", False),
    ("Frag", "Frag", False),
)


def format_table(result: BenchmarkResult) -> str:
    """One row per sequence, then COMBINED (when there are several); scores in %."""
    rows = [(s.name, str(s.num_frames), s.metrics) for s in result.sequences]
    if len(result.sequences) > 1 and result.combined is not None:
        rows.append(("COMBINED", str(sum(s.num_frames for s in result.sequences)), result.combined))
    header = ["Sequence", "Frames"] + [c[0] for c in COLUMNS]
    body = [[name, frames] + _cells(metrics) for name, frames, metrics in rows]
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])])

    lines = [line(header)] + [line(r) for r in body]
    if len(rows) > len(result.sequences):
        lines.insert(-1, "-" * len(lines[0]))
    return "\n".join(lines + ["(HOTA..IDR in %; TrackEval, MOT15 rules)"])


def _cells(metrics: Metrics) -> list[str]:
    return [
        f"{getattr(metrics, field) * 100:.1f}" if is_score else str(getattr(metrics, field))
        for _, field, is_score in COLUMNS
    ]


def plot_result(result: BenchmarkResult, path: Path) -> None:
    """Bars of HOTA/MOTA/IDF1 per sequence, and FP/FN/IDSW per frame for each sequence."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    timelines = [s for s in result.sequences if s.per_frame is not None]
    fig, axes = plt.subplots(1 + len(timelines), 1, figsize=(10, 3.2 * (1 + len(timelines))), squeeze=False)
    bars = axes[0, 0]
    names = [s.name for s in result.sequences]
    metrics = [s.metrics for s in result.sequences]
    if len(result.sequences) > 1 and result.combined is not None:
        names.append("COMBINED")
        metrics.append(result.combined)
    x = np.arange(len(names))
    for offset, field in zip((-0.27, 0.0, 0.27), ("HOTA", "MOTA", "IDF1")):
        values = [getattr(m, field) * 100 for m in metrics]
        bars.bar(x + offset, values, width=0.27, label=field)
    bars.axhline(0, color="black", linewidth=0.6)
    bars.set_xticks(x, names)
    bars.set_ylabel("%")
    bars.set_title("Scores per sequence (TrackEval)")
    bars.legend(loc="best")
    for ax, sequence in zip(axes[1:, 0], timelines):
        frames = np.arange(1, sequence.num_frames + 1)
        counts = sequence.per_frame
        assert counts is not None  # timelines keeps only sequences with per-frame counts
        for values, label in ((counts.fp, "FP"), (counts.fn, "FN"), (counts.idsw, "IDSW")):
            ax.step(frames, values, where="mid", label=f"{label} (total {sum(values)})")
        ax.set_xlim(1, max(sequence.num_frames, 2))
        ax.set_xlabel("frame")
        ax.set_ylabel("count per frame")
        ax.set_title(f"{sequence.name}: errors per frame ({counts.matching})", fontsize=9)
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format=path.suffix.lstrip(".") or "png", dpi=100)
    plt.close(fig)
