"""A small MJPEG-over-HTTP server (``multipart/x-mixed-replace``), as browsers and FFmpeg read it.

``publish(jpeg)`` hands it the newest frame; every connected ``/stream.mjpg`` client gets the
newest frame when it is ready for one (slow clients skip frames, nothing queues). Optional
``page`` (served at ``/``) and ``stats`` (``/stats.json``) callables make it a live view.
IPv4 or IPv6 (``"::1"``); a connection that sends or takes nothing for ``idle_timeout_s`` is
dropped, and beyond ``max_connections`` at once a client gets ``503`` (each one holds a thread).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

BOUNDARY = "frame"
IDLE_TIMEOUT_S = 10.0  # a browser sends its request at once and reads the stream as it comes
MAX_CONNECTIONS = 16  # a page and its stream are two; stats.json fetches come and go
BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 26\r\n"
    b"Retry-After: 5\r\nConnection: close\r\n\r\ntoo many viewers, try later"
)


def address_family(host: str) -> socket.AddressFamily:
    """IPv6 for an IPv6 host (it has colons), else IPv4."""
    return socket.AF_INET6 if ":" in host else socket.AF_INET


class _Server(ThreadingHTTPServer):
    """A thread per connection, at most ``max_connections`` of them; IPv6 for an IPv6 host."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], max_connections: int, timeout_s: float
    ) -> None:
        self.address_family = address_family(address[0])
        self._slots = threading.BoundedSemaphore(max_connections)
        self._timeout_s = timeout_s
        super().__init__(address, handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        admitted = self._slots.acquire(blocking=False)
        try:
            if admitted:
                self.finish_request(request, client_address)
            else:
                self._refuse(request)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            if admitted:
                self._slots.release()
            self.shutdown_request(request)

    def _refuse(self, request: socket.socket) -> None:
        """Answer 503 (after reading the request, so closing does not reset the connection)."""
        request.settimeout(self._timeout_s)
        try:
            request.recv(65536)
            request.sendall(BUSY)
        except OSError:
            pass


class MjpegServer:
    """Serves on ``host:port`` (port 0: any free port, see ``port``) from a daemon thread."""

    def __init__(
        self,
        host: str,
        port: int,
        page: Callable[[], str] | None = None,
        stats: Callable[[], dict[str, Any]] | None = None,
        *,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self._jpeg: bytes | None = None
        self._sequence = 0
        self._changed = threading.Condition()  # also guards the client count
        self._closed = False
        self._clients = 0
        handler = self._handler_class(page, stats)
        handler.timeout = idle_timeout_s
        self._httpd = _Server((host, port), handler, max_connections, idle_timeout_s)
        self.host, self.port = cast(tuple[str, int], self._httpd.server_address[:2])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="mjpeg-server", daemon=True
        )
        self._thread.start()

    @property
    def clients(self) -> int:
        """How many clients watch ``/stream.mjpg`` now."""
        with self._changed:
            return self._clients

    def _count_client(self, change: int) -> None:
        """``+1`` when a client starts watching, ``-1`` when it goes (on the server's threads)."""
        with self._changed:
            self._clients += change

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def publish(self, jpeg: bytes) -> None:
        with self._changed:
            self._jpeg = jpeg
            self._sequence += 1
            self._changed.notify_all()

    def _next_frame(self, after: int) -> tuple[int, bytes] | None:
        """The first frame newer than ``after``; ``None`` once the server closes."""
        with self._changed:
            while not self._closed and (self._jpeg is None or self._sequence == after):
                self._changed.wait(0.5)
            return None if self._closed else (self._sequence, self._jpeg)  # type: ignore[return-value]

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler_class(
        self, page: Callable[[], str] | None, stats: Callable[[], dict[str, Any]] | None
    ) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # no access log on stderr
                pass

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == "/stream.mjpg":
                    self._stream()
                elif path == "/" and page is not None:
                    self._send(page().encode(), "text/html; charset=utf-8")
                elif path == "/stats.json" and stats is not None:
                    self._send(json.dumps(stats()).encode(), "application/json")
                else:
                    self.send_error(404)

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                server._count_client(+1)
                try:
                    sequence = 0
                    while (item := server._next_frame(sequence)) is not None:
                        sequence, jpeg = item
                        self.wfile.write(
                            f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
                            + jpeg
                            + b"\r\n"
                        )
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError, TimeoutError):
                    pass  # the client went away
                finally:
                    server._count_client(-1)

        return Handler
