#!/usr/bin/env python3
"""Run a command with dlib's correlation tracker at another filter size and scale-level count.

dlib's Python binding builds its tracker with fixed settings: a 64x64 filter and 32 scale levels.
The C++ class takes both, and this script measures what other values do (issue 13; figures in
docs/speed.md, "dlib's filter size"). It compiles ``scripts/dlib_filter_binding.cpp`` once against
the headers of dlib's source archive from PyPI (checked against its SHA-256; needs g++ and the
``[bench]`` extra's pybind11), then runs the command with that tracker in place of
``dlib.correlation_tracker``, in its dlib worker processes too:

    python scripts/dlib_filter_size.py --filter 32 --levels 16 -- scripts/benchmark_tracking.py \\
        --only pedestrians.yaml --jitter 8 --set tracker.workers=0
    python scripts/dlib_filter_size.py --filter 32 --levels 16 -- -m tracker track videos/vtest.avi \\
        -c pedestrians --max-frames 400 -o runs/dlib32

At ``--filter 64 --levels 32`` it gives the same boxes and ratios as ``dlib-bin``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tracker.core.files import atomic_path, write_text_atomic  # noqa: E402

DLIB_VERSION = "20.0.1"  # the version dlib-bin packages
DLIB_ARCHIVE = f"dlib-{DLIB_VERSION}.tar.gz"
DLIB_SHA256 = "7cb2a09467de032332c743bc967007f016598c66c9c9ebc54a5b66d3d9e46d54"
PYPI_FILES = "https://pypi.org/simple/dlib/"
BINDING_SOURCE = REPO / "scripts" / "dlib_filter_binding.cpp"
MODULE = "dlib_sized_tracker"
SETTINGS_VARIABLE = "TRACKER_DLIB_SIZES"  # "FILTER_LOG2,LEVELS_LOG2", read by the sitecustomize below
SITECUSTOMIZE = f'''"""Written by scripts/dlib_filter_size.py: dlib.correlation_tracker with other sizes."""
import os

_sizes = os.environ.get("{SETTINGS_VARIABLE}")
if _sizes:
    import dlib
    import {MODULE}

    _filter_log2, _levels_log2 = (int(value) for value in _sizes.split(","))

    class _SizedCorrelationTracker:
        """dlib.correlation_tracker's Python interface over the binding."""

        def __init__(self):
            self._tracker = {MODULE}.SizedTracker(_filter_log2, _levels_log2)

        def start_track(self, image, box):
            self._tracker.start_track(image, box.left(), box.top(), box.right(), box.bottom())

        def update(self, image):
            return self._tracker.update(image)

        def get_position(self):
            return dlib.drectangle(*self._tracker.position())

    dlib.correlation_tracker = _SizedCorrelationTracker
'''


class SetupError(Exception):
    """A missing tool or a failed download or build, said in one line."""


def power_of_two(text: str) -> int:
    value = int(text)
    if value < 2 or value & (value - 1):
        raise argparse.ArgumentTypeError(f"{text} is not a power of two")
    return value


def dlib_sources(cache: Path) -> Path:
    """dlib's C++ sources from its source archive on PyPI, unpacked once into ``cache``."""
    root = cache / f"dlib-{DLIB_VERSION}"
    if (root / "dlib" / "image_processing" / "correlation_tracker.h").is_file():
        return root
    request = urllib.request.Request(PYPI_FILES, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            files = {entry["filename"]: entry["url"] for entry in json.load(response)["files"]}
        with urllib.request.urlopen(files[DLIB_ARCHIVE], timeout=300) as response:
            archive = response.read()
    except (OSError, KeyError) as error:
        raise SetupError(f"could not download {DLIB_ARCHIVE} from PyPI: {error}") from None
    if hashlib.sha256(archive).hexdigest() != DLIB_SHA256:
        raise SetupError(f"{DLIB_ARCHIVE} from PyPI does not have the expected SHA-256")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        members = [member for member in tar.getmembers() if member.name.startswith(f"{root.name}/dlib/")]
        tar.extractall(cache, members=members, filter="data")
    return root


def build_binding(cache: Path, dlib_root: Path) -> None:
    """Compile the binding into ``cache`` unless it is there and newer than its source."""
    target = cache / f"{MODULE}{sysconfig.get_config_var('EXT_SUFFIX')}"
    if target.is_file() and target.stat().st_mtime > BINDING_SOURCE.stat().st_mtime:
        return
    compiler = shutil.which("g++")
    if compiler is None:
        raise SetupError("g++ not found: the binding is C++ (Debian: apt-get install g++)")
    try:
        import pybind11
    except ImportError:
        raise SetupError("pybind11 not installed: pip install -e '.[bench]'") from None
    print(f"compiling {target.name} (about 40 s)", file=sys.stderr)
    with atomic_path(target) as partial:
        # No fused multiply-adds (-ffp-contract=off): dlib-bin's arithmetic, so that at 64x64 and
        # 32 levels the boxes and ratios are dlib-bin's to the last digit.
        command = [
            compiler, "-O3", "-march=native", "-ffp-contract=off", "-DNDEBUG", "-shared", "-fPIC", "-w",
            f"-I{dlib_root}", f"-I{pybind11.get_include()}", f"-I{sysconfig.get_paths()['include']}",
            str(BINDING_SOURCE), str(dlib_root / "dlib" / "fft" / "fft.cpp"), "-o", str(partial),
        ]  # fmt: skip
        if subprocess.run(command).returncode != 0:
            raise SetupError(f"compiling {BINDING_SOURCE.name} failed (g++'s messages above)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filter", type=power_of_two, default=32, help="filter side in pixels (dlib's: 64)")
    parser.add_argument("--levels", type=power_of_two, default=16, help="scale levels searched (dlib's: 32)")
    parser.add_argument("--cache", type=Path, default=REPO / "runs" / "dlib_filter", help="where to build")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the arguments for python")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --, e.g. -- -m tracker track videos/vtest.avi -o runs/x")
    args.cache.mkdir(parents=True, exist_ok=True)
    try:
        build_binding(args.cache, dlib_sources(args.cache))
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    write_text_atomic(args.cache / "sitecustomize.py", SITECUSTOMIZE)
    path = os.pathsep.join(filter(None, [str(args.cache), os.environ.get("PYTHONPATH")]))
    sizes = f"{args.filter.bit_length() - 1},{args.levels.bit_length() - 1}"
    env = {**os.environ, "PYTHONPATH": path, SETTINGS_VARIABLE: sizes}
    return subprocess.run([sys.executable, *command], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
