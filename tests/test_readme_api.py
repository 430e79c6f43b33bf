"""The README's Python API examples run as written."""

from __future__ import annotations

import re

from tests.conftest import REPO, require


def _api_examples() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_has_two_api_examples() -> None:
    assert len(_api_examples()) == 2


def test_own_detections_example_runs() -> None:
    exec(compile(_api_examples()[1], "README.md (own detections)", "exec"), {})


def test_pipeline_example_runs(monkeypatch, capsys) -> None:
    require((REPO / "videos" / "vtest.avi").is_file(), "videos/vtest.avi missing: run scripts/fetch_videos.py")
    monkeypatch.chdir(REPO)
    exec(compile(_api_examples()[0], "README.md (pipeline)", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].endswith("detector calls") and int(lines[-1].split()[0]) >= 8  # every 5th frame at least
    frames = {int(line.split()[0]) for line in lines[:-1]}
    assert frames and max(frames) <= 39  # 40 results, each a frame of the clip
