"""``tracker monitor --serve HOST:PORT``: one page listing every camera with its live view (each
camera's MJPEG stream on its own port), fps, state, counts per line or zone and class, and the
latest events; ``/stats.json`` holds the same as ``monitor.json``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from tracker.core.errors import UserError
from tracker.mjpeg import MjpegServer

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>tracker monitor</title>
<style>body{font-family:sans-serif;background:#111;color:#eee;margin:1em}
.camera{display:inline-block;vertical-align:top;margin:0 1em 1em 0;padding:.5em;border:1px solid #444;width:480px}
img{width:100%;background:#222;min-height:120px}table{border-collapse:collapse;margin-top:.3em;width:100%}
td,th{padding:1px 6px;border-bottom:1px solid #333;text-align:left;font-size:90%}
.running{color:#6c6}.reconnecting,.restarting,.starting{color:#fc3}.failed{color:#f66}.ended,.stopped{color:#999}</style>
</head><body><h3>tracker monitor: <span id="summary">-</span></h3><div id="cameras"></div>
<script>
function row(cells, tag) { return "<tr>" + cells.map(c => `<${tag}>${c}</${tag}>`).join("") + "</tr>"; }
function perClass(tally) { return Object.entries(tally || {}).map(([k, v]) => `${k} ${v}`).join(", "); }
function counts(c) {
  const rows = [row(["line / zone", "in / entered", "out / exited", "inside"], "th")];
  for (const [name, l] of Object.entries((c && c.lines) || {}))
    rows.push(row([name, `${l.in_total} (${perClass(l.in)})`, `${l.out_total} (${perClass(l.out)})`, ""], "td"));
  for (const [name, z] of Object.entries((c && c.zones) || {}))
    rows.push(row([name, `${z.entries_total} (${perClass(z.entries)})`, `${z.exits_total} (${perClass(z.exits)})`,
                   z.inside_now], "td"));
  return rows.join("");
}
function events(list) {
  return [row(["frame", "track", "class", "event", "where"], "th")].concat(list.slice(0, 5).map(e =>
    row([e.frame, e.track_id, e.class, e.event + (e.direction ? " " + e.direction : ""), e.line || e.zone], "td")
  )).join("");
}
function card(name) {
  const div = document.createElement("div"); div.className = "camera"; div.id = "camera-" + name;
  div.innerHTML = `<b>${name}</b> <span class="state"></span> <span class="fps"></span>
    <img alt="${name} live view"><table class="counts"></table><table class="events"></table>`;
  document.getElementById("cameras").appendChild(div); return div;
}
async function refresh() {
  try {
    const s = await (await fetch("/stats.json", {cache: "no-store"})).json();
    const states = [];
    for (const [name, c] of Object.entries(s.cameras)) {
      const div = document.getElementById("camera-" + name) || card(name);
      const img = div.querySelector("img"), live = c.state === "running" || c.state === "reconnecting";
      const src = live ? `http://${location.hostname}:${c.stream_port}/stream.mjpg` : null;  // no stream: no picture
      if (img.getAttribute("src") !== src) { if (src) img.setAttribute("src", src); else img.removeAttribute("src"); }
      const state = div.querySelector(".state"); state.textContent = c.state; state.className = "state " + c.state;
      div.querySelector(".fps").textContent = `${c.fps ?? "-"} fps, frame ${c.frames}, ${c.restarts.length} restarts`;
      div.querySelector(".counts").innerHTML = counts(c.counts);
      div.querySelector(".events").innerHTML = events(c.latest_events);
      states.push(c.state);
    }
    document.getElementById("summary").textContent = `${states.length} cameras, ` +
      `${states.filter(x => x === "running").length} running`;
  } catch (e) { /* the monitor ended: keep the last view */ }
}
setInterval(refresh, 500); refresh();
</script></body></html>
"""


class Dashboard:
    """The page and ``/stats.json`` on ``host:port``; each camera's stream on a port of its own."""

    def __init__(self, host: str, port: int, cameras: list[str], status: Callable[[], dict[str, Any]]) -> None:
        self._status = status
        try:
            self.server = MjpegServer(host, port, page=lambda: PAGE, stats=self.stats)
            self.streams = {name: MjpegServer(host, 0) for name in cameras}
        except OSError as error:
            raise UserError(f"--serve: cannot listen on {host}:{port}: {error.strerror}") from None
        print(f"dashboard: {self.server.url}", file=sys.stderr, flush=True)

    def stats(self) -> dict[str, Any]:
        status = self._status()
        cameras = {
            name: {**camera, "stream_port": self.streams[name].port} for name, camera in status["cameras"].items()
        }
        return {**status, "cameras": cameras}

    def publish(self, camera: str, jpeg: bytes) -> None:
        self.streams[camera].publish(jpeg)

    def close(self) -> None:
        for server in (self.server, *self.streams.values()):
            server.close()
