"""How a packet reaches the server: one small interface, a real HTTP one and an in-memory one.

``exchange(packet) -> response`` sends one fixed-size packet and returns the server's fixed-size
answer, or raises ``TransportDown`` when the network (or the facility) does not let it through.
The sender never learns more than that from a failure: a refused connection, a timeout and a
proxy's error page are the same to it, and it tries again on the next tick.
"""

from __future__ import annotations

import http.client
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Protocol

__all__ = ["PACKET_PATH", "HttpTransport", "MemoryTransport", "Transport", "TransportDown"]

PACKET_PATH = "/api/v1/complaints/terminal/packet"


class TransportDown(ConnectionError):
    """The packet did not get an answer from the server."""


class Transport(Protocol):
    def exchange(self, packet: bytes) -> bytes: ...


class HttpTransport:
    """POST the raw packet to the server's packet endpoint (HTTPS in production)."""

    def __init__(self, server: str, *, timeout: float = 20.0, max_response: int = 4 * 1024 * 1024) -> None:
        if not server.startswith(("https://", "http://")):
            raise ValueError(f"server {server!r} must be an http:// or https:// address")
        self.url = server.rstrip("/") + PACKET_PATH
        self.timeout = timeout
        self.max_response = max_response

    def exchange(self, packet: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url, data=packet, method="POST",
            headers={"Content-Type": "application/octet-stream", "User-Agent": "custodywatch-terminal"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(self.max_response + 1)
        except urllib.error.HTTPError as e:
            # The server answers protocol errors with a body of its own (a signed refusal);
            # anything else (a proxy's page) is the same as no answer.
            body = e.read(self.max_response + 1)
            if not body:
                raise TransportDown(f"HTTP {e.code} without a body") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError) as e:
            raise TransportDown(str(e)) from None
        if len(body) > self.max_response:
            raise TransportDown("the answer is larger than any the protocol allows")
        return body


class MemoryTransport:
    """Hands packets to ``handler`` (a server-side implementation of the protocol) in memory.

    ``down = True`` cuts the network: every exchange fails until it is set back.
    """

    def __init__(self, handler: Callable[[bytes], bytes]) -> None:
        self.handler = handler
        self.down = False
        self.sent: list[bytes] = []
        self._lock = threading.Lock()

    def exchange(self, packet: bytes) -> bytes:
        with self._lock:
            if self.down:
                raise TransportDown("the network is cut")
            self.sent.append(packet)
            return self.handler(packet)
