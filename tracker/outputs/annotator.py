"""Draws tracks on a frame: a box with id and class per track, a short trail, a status line."""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from tracker.core.types import Tracks

FONT = cv2.FONT_HERSHEY_SIMPLEX
# Tableau-like palette in BGR; a track's colour is fixed by its id.
PALETTE = np.array([(180, 119, 31), (14, 127, 255), (44, 160, 44), (40, 39, 214), (189, 103, 148),
                    (75, 86, 140), (194, 119, 227), (127, 127, 127), (34, 189, 188), (207, 190, 23)])


def colour_for(track_id: int) -> tuple[int, int, int]:
    return tuple(int(c) for c in PALETTE[track_id % len(PALETTE)])


class Annotator:
    """Keeps each track's last ``trail`` centres; forgets tracks not drawn for ``trail`` frames."""

    def __init__(self, class_names: tuple[str, ...], trail: int = 20) -> None:
        self.class_names = class_names
        self.trail = trail
        self._trails: dict[int, deque[tuple[int, int]]] = {}
        self._last_seen: dict[int, int] = {}
        self._frame_count = 0

    def draw(self, image: np.ndarray, tracks: Tracks, status: str) -> np.ndarray:
        """Draw on ``image`` in place and return it."""
        self._frame_count += 1
        for i in range(len(tracks)):
            track_id = int(tracks.ids[i])
            x1, y1, x2, y2 = (int(round(v)) for v in tracks.xyxy[i])
            colour = colour_for(track_id)
            thickness = 2 if tracks.from_detector[i] else 1
            cv2.rectangle(image, (x1, y1), (x2, y2), colour, thickness)
            label = f"{track_id} {self.class_names[tracks.class_ids[i]]}"
            (w, h), _ = cv2.getTextSize(label, FONT, 0.5, 1)
            cv2.rectangle(image, (x1, y1 - h - 6), (x1 + w + 4, y1), colour, -1)
            cv2.putText(image, label, (x1 + 2, y1 - 4), FONT, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
            if self.trail:
                points = self._trails.setdefault(track_id, deque(maxlen=self.trail))
                points.append(((x1 + x2) // 2, y2))
                self._last_seen[track_id] = self._frame_count
                if len(points) > 1:
                    cv2.polylines(image, [np.array(points, np.int32)], False, colour, 2, cv2.LINE_AA)
        self._forget_old_trails()
        cv2.rectangle(image, (0, 0), (image.shape[1], 22), (0, 0, 0), -1)
        cv2.putText(image, status, (6, 16), FONT, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
        return image

    def _forget_old_trails(self) -> None:
        stale = [k for k, seen in self._last_seen.items() if self._frame_count - seen > self.trail]
        for track_id in stale:
            del self._trails[track_id], self._last_seen[track_id]
