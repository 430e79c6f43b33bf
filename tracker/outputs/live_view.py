"""Live outputs: ``--serve HOST:PORT`` (a web page with the annotated stream as MJPEG, the
current counts and fps) and ``--display`` (an OpenCV window)."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import time
from collections import deque
from typing import Any

import cv2

from tracker.core.errors import UserError
from tracker.core.protocols import FrameResult
from tracker.mjpeg import MjpegServer, address_family

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>tracker live</title>
<style>body{font-family:sans-serif;background:#111;color:#eee;margin:1em}
img{max-width:100%;border:1px solid #444}table{border-collapse:collapse;margin-top:.5em}
td,th{padding:2px 10px;border-bottom:1px solid #333;text-align:left}</style></head>
<body><h3>tracker live: <span id="fps">-</span> fps, frame <span id="frame">-</span>,
<span id="tracks">-</span> tracks, <span id="updates">0</span> image updates</h3>
<img id="view" src="/stream.mjpg" alt="live stream">
<table id="counts"></table>
<script>
const canvas = document.createElement("canvas"); canvas.width = 16; canvas.height = 12;
let lastPixels = "", updates = 0;
function watchImage() {  // counts how often the streamed picture changes
  const img = document.getElementById("view");
  if (!img.naturalWidth) return;
  const ctx = canvas.getContext("2d"); ctx.drawImage(img, 0, 0, 16, 12);
  const pixels = ctx.getImageData(0, 0, 16, 12).data.join(",");
  if (pixels !== lastPixels) { lastPixels = pixels; updates++; }
  document.getElementById("updates").textContent = updates;
}
function row(cells, tag) { return "<tr>" + cells.map(c => `<${tag}>${c}</${tag}>`).join("") + "</tr>"; }
async function refresh() {
  try {
    const s = await (await fetch("/stats.json", {cache: "no-store"})).json();
    for (const key of ["fps", "frame", "tracks"]) document.getElementById(key).textContent = s[key];
    const rows = [row(["name", "in / entered", "out / exited", "inside now"], "th")];
    for (const [name, c] of Object.entries(s.counts.lines || {})) rows.push(row([name, c.in_total, c.out_total, ""], "td"));
    for (const [name, c] of Object.entries(s.counts.zones || {}))
      rows.push(row([name, c.entries_total, c.exits_total, c.inside_now], "td"));
    document.getElementById("counts").innerHTML = rows.join("");
  } catch (e) { /* the run ended or restarted: keep trying */ }
}
setInterval(watchImage, 200); setInterval(refresh, 500); refresh();
</script></body></html>
"""


def parse_host_port(text: str) -> tuple[str, int]:
    """``"8080"`` -> ``("127.0.0.1", 8080)``; ``"0.0.0.0:8080"`` -> ``("0.0.0.0", 8080)``;
    ``"[::1]:8080"`` -> ``("::1", 8080)`` (an IPv6 address goes in brackets)."""
    host, sep, port = text.rpartition(":")
    host = host if sep and host else "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) < 65536:
        raise UserError(f"--serve: expected HOST:PORT or PORT, got '{text}'")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise UserError(f"--serve: not an IPv6 address in brackets: '{text}'") from None
    elif ":" in host or "[" in host or "]" in host:
        raise UserError(f"--serve: write an IPv6 address in brackets, e.g. [::1]:8080, got '{text}'")
    return host, int(port)


def check_can_listen(host: str, port: int) -> None:
    """Fail at once (not after the model has loaded) when ``host:port`` cannot be listened on."""
    with socket.socket(address_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the live view's server does
        try:
            probe.bind((host, port))
        except OSError as error:
            raise UserError(f"--serve: cannot listen on {host}:{port}: {error.strerror}") from None


class FpsMeter:
    """Frames per second over the last ``window`` frames."""

    def __init__(self, window: int = 30) -> None:
        self._times: deque[float] = deque(maxlen=window)

    def tick(self) -> float:
        self._times.append(time.perf_counter())
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-9)


class LiveViewSink:
    """Serves the annotated frames at ``/stream.mjpg``, a page at ``/`` and ``/stats.json``.
    Frames are JPEG-encoded only while someone watches, and at most ``MAX_FPS`` a second."""

    wants_image = True
    MAX_FPS = 20.0

    def __init__(self, host: str, port: int, quality: int = 80) -> None:
        self.quality = quality
        self._fps = FpsMeter()
        self._state: dict[str, Any] = {"fps": 0.0, "frame": 0, "tracks": 0, "counts": {}}
        self._last_published = 0.0
        try:
            self.server = MjpegServer(host, port, page=lambda: PAGE, stats=self.stats)
        except OSError as error:
            raise UserError(f"--serve: cannot listen on {host}:{port}: {error.strerror}") from None
        print(f"live view: {self.server.url}", file=sys.stderr, flush=True)

    def stats(self) -> dict[str, Any]:
        """The latest frame's figures (a new dict per frame: the server thread never sees one change)."""
        return self._state

    def write(self, result: FrameResult) -> None:
        self._state = {
            "fps": round(self._fps.tick(), 1),
            "frame": result.frame.index + 1,
            "tracks": len(result.tracks),
            "counts": result.counts or {},
        }
        now = time.perf_counter()
        if self.server.clients and result.annotated is not None and now - self._last_published >= 1 / self.MAX_FPS:
            self._last_published = now
            ok, jpeg = cv2.imencode(".jpg", result.annotated, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
            if ok:
                self.server.publish(jpeg.tobytes())

    def close(self) -> None:
        self.server.close()


def gui_available() -> str | None:
    """``None`` when a window can be shown, else why not (one line)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "--display needs a graphical session (DISPLAY is not set); use --serve HOST:PORT to watch in a browser"
    return None


class DisplaySink:
    """Shows the annotated frames in an OpenCV window; q or Esc in the window stops the run like Ctrl-C."""

    wants_image = True
    WINDOW = "tracker"

    def __init__(self) -> None:
        reason = gui_available()
        if reason:
            raise UserError(reason)
        try:
            cv2.namedWindow(self.WINDOW, cv2.WINDOW_NORMAL)
        except cv2.error:
            raise UserError("--display: this OpenCV build cannot open windows; use --serve HOST:PORT") from None

    def write(self, result: FrameResult) -> None:
        assert result.annotated is not None
        cv2.imshow(self.WINDOW, result.annotated)
        if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
            raise KeyboardInterrupt

    def close(self) -> None:
        try:
            cv2.destroyWindow(self.WINDOW)
        except cv2.error:
            pass
