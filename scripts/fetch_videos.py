#!/usr/bin/env python3
"""Put the classic OpenCV street clip ``vtest.avi`` into ``videos/``.

Tries, in order: an installed Debian ``opencv-doc``; downloading that Debian package with
``apt-get download`` and unpacking only the clip; OpenCV's repository on the internet.
Does nothing when ``videos/vtest.avi`` is already there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tracker.core.files import atomic_path  # noqa: E402

VIDEOS = REPO / "videos"
TARGET = VIDEOS / "vtest.avi"
DEBIAN_PATH = "usr/share/doc/opencv-doc/examples/data/vtest.avi"
URL = "https://raw.githubusercontent.com/opencv/opencv/4.x/samples/data/vtest.avi"
EXPECTED_BYTES = 8131690


def from_installed_package(work: Path) -> Path | None:
    path = Path("/") / DEBIAN_PATH
    return path if path.is_file() else None


def from_debian_package(work: Path) -> Path | None:
    if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        return None
    download = ["apt-get", "download", "opencv-doc"]
    if subprocess.run(download, cwd=work, capture_output=True).returncode != 0:
        # A fresh machine has no package lists yet: fetch them once and retry.
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
        if subprocess.run(download, cwd=work, capture_output=True).returncode != 0:
            return None
    debs = sorted(work.glob("opencv-doc_*.deb"))
    if not debs:
        return None
    unpack = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(debs[0])], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", f"./{DEBIAN_PATH}"], cwd=work, stdin=unpack.stdout, capture_output=True)
    unpack.wait()
    path = work / DEBIAN_PATH
    return path if path.is_file() else None


def from_internet(work: Path) -> Path | None:
    path = work / "vtest.avi"
    try:
        with urllib.request.urlopen(URL, timeout=30) as response, path.open("wb") as file:
            shutil.copyfileobj(response, file)
    except OSError:
        return None
    return path


def main() -> int:
    if TARGET.is_file() and TARGET.stat().st_size == EXPECTED_BYTES:
        print(f"{TARGET} already present")
        return 0
    VIDEOS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        for source in (from_installed_package, from_debian_package, from_internet):
            found = source(Path(temp))
            if found is not None and found.stat().st_size == EXPECTED_BYTES:
                with atomic_path(TARGET) as partial:
                    shutil.copyfile(found, partial)
                print(f"{TARGET} <- {source.__name__.replace('_', ' ')}")
                return 0
    print(
        "error: could not get vtest.avi (no opencv-doc package, apt-get download failed, no internet)", file=sys.stderr
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
