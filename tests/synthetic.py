"""Small synthetic scenes with known motion, for unit tests of the trackers and pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tracker.core.types import Detections, Frame


@dataclass(frozen=True)
class MovingBox:
    """A textured box of size ``w x h`` whose top-left corner moves by ``velocity`` per frame."""

    start: tuple[float, float]
    velocity: tuple[float, float]
    size: tuple[int, int] = (40, 80)
    seed: int = 0

    def box(self, t: int) -> np.ndarray:
        x = self.start[0] + self.velocity[0] * t
        y = self.start[1] + self.velocity[1] * t
        return np.array([x, y, x + self.size[0], y + self.size[1]], np.float32)

    def texture(self) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        small = rng.integers(0, 255, (self.size[1] // 8, self.size[0] // 8, 3), dtype=np.uint8)
        return cv2.resize(small, self.size, interpolation=cv2.INTER_NEAREST)


def background(width: int = 320, height: int = 240) -> np.ndarray:
    rng = np.random.default_rng(99)
    noise = rng.integers(60, 120, (height // 16, width // 16, 3), dtype=np.uint8)
    return cv2.GaussianBlur(cv2.resize(noise, (width, height), interpolation=cv2.INTER_LINEAR), (9, 9), 0)


def render(
    objects: list[MovingBox], t: int, hidden: set[int] = frozenset(), size: tuple[int, int] = (320, 240)
) -> Frame:
    """Frame ``t`` with every object not in ``hidden`` pasted on a fixed background."""
    image = background(*size)
    for i, obj in enumerate(objects):
        if i in hidden:
            continue
        x1, y1, x2, y2 = obj.box(t).round().astype(int)
        tex = obj.texture()
        ix1, iy1, ix2, iy2 = max(x1, 0), max(y1, 0), min(x2, size[0]), min(y2, size[1])
        if ix2 > ix1 and iy2 > iy1:
            image[iy1:iy2, ix1:ix2] = tex[iy1 - y1 : iy2 - y1, ix1 - x1 : ix2 - x1]
    return Frame(t, t / 25.0, image)


def detections_at(objects: list[MovingBox], t: int, hidden: set[int] = frozenset()) -> Detections:
    visible = [i for i in range(len(objects)) if i not in hidden]
    if not visible:
        return Detections.empty()
    return Detections(
        np.stack([objects[i].box(t) for i in visible]), np.full(len(visible), 0.9), np.zeros(len(visible), np.int32)
    )


def write_clip(path: Path, objects: list[MovingBox], frames: int, fps: float = 25.0) -> None:
    """An MJPG .avi of the scene, plus ``det.txt`` beside it with every object's exact box."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (320, 240))
    rows = []
    for t in range(frames):
        writer.write(render(objects, t).image)
        for x1, y1, x2, y2 in detections_at(objects, t).xyxy:
            rows.append(f"{t + 1},-1,{x1:.1f},{y1:.1f},{x2 - x1:.1f},{y2 - y1:.1f},0.9,-1,-1,-1")
    writer.release()
    (path.parent / "det.txt").write_text("\n".join(rows) + "\n")


def write_image_folder(folder: Path, count: int, broken: int | None = None) -> Path:
    """An image folder of ``count`` small PNG frames; frame ``broken`` (0-based) is not an image."""
    folder.mkdir()
    for i in range(count):
        path = folder / f"{i + 1:06d}.png"
        if i == broken:
            path.write_bytes(b"not a png")
        else:
            cv2.imwrite(str(path), np.full((48, 64, 3), i * 8, np.uint8))
    return folder
