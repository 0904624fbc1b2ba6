"""A hostile network on loopback between a terminal and the server: it drops, holds (delays and
reorders), replays, alters and blocks packets, and keeps a copy of everything it saw."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

MODES = ("pass", "drop", "block", "alter", "replay", "hold", "release")


class HostileProxy:
    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.upstream = (target.hostname, target.port)
        self.mode = "pass"
        self.held: list[tuple[str, bytes]] = []
        self.captured: list[bytes] = []  # every request and answer, as on the wire
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.captured.append(body)
                status, answer = proxy.act(self.path, body)
                if status is None:
                    self.close_connection = True  # dropped: no answer at all
                    return
                proxy.captured.append(answer)
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def forward(self, path: str, body: bytes) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            connection.request("POST", path, body=body, headers={"Content-Type": "application/octet-stream"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def act(self, path: str, body: bytes) -> tuple[int | None, bytes]:
        mode = self.mode
        if mode == "drop":
            return None, b""
        if mode == "block":
            return 403, b"blocked"
        if mode == "hold":  # delayed: kept back, the terminal sees a timeout
            self.held.append((path, body))
            return 504, b"held"
        if mode == "alter":
            body = body[:2000] + bytes([body[2000] ^ 0x5A]) + body[2001:]
        status, answer = self.forward(path, body)
        if mode == "replay":
            self.forward(path, body)
        if mode == "release":  # the held packets go out after the newer one: reordered
            for held_path, held_body in self.held:
                self.forward(held_path, held_body)
            self.held.clear()
        return status, answer

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
