"""The converted TensorFlow Lite model is cached under a key of the source graph's content (and
the converter's version), never of its size alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.ssdlite_graph import cached_tflite_path


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def graph(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def test_graphs_of_the_same_size_get_different_cache_entries(tmp_path: Path) -> None:
    first = cached_tflite_path(graph(tmp_path / "a.pb", b"graph one"), 300, 300, "2.21.0")
    second = cached_tflite_path(graph(tmp_path / "b.pb", b"graph two"), 300, 300, "2.21.0")
    assert first != second
    assert first.parent == second.parent == tmp_path / "cache" / "tracker"


def test_the_same_graph_shares_its_entry_per_input_size_and_converter(tmp_path: Path) -> None:
    one = graph(tmp_path / "a.pb", b"graph")
    copy = graph(tmp_path / "copy.pb", b"graph")
    assert cached_tflite_path(one, 300, 300, "2.21.0") == cached_tflite_path(copy, 300, 300, "2.21.0")
    assert cached_tflite_path(one, 300, 300, "2.21.0") != cached_tflite_path(one, 320, 320, "2.21.0")
    assert cached_tflite_path(one, 300, 300, "2.21.0") != cached_tflite_path(one, 300, 300, "2.22.0")
