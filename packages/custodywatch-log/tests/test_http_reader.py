"""Reading a log over HTTP: gzip-encoded tiles and bundles, and a token that never leaves the log's origin."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support import TiledLog

from custodywatch_log.audit import audit_tiles
from custodywatch_log.tiles import HttpTileReader, TileError
from custodywatch_log.verify import main


class _Server:
    """A tile server on 127.0.0.1 that records the headers of every request it gets."""

    def __init__(self, directory: Path | None = None, *, gzip_all: bool = False, redirect_to: str = "") -> None:
        self.directory, self.gzip_all, self.redirect_to = directory, gzip_all, redirect_to
        self.requests: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # stdlib signature
                pass

            def do_GET(self):  # stdlib name
                outer.requests.append({k.lower(): v for k, v in self.headers.items()} | {"path": self.path})
                if outer.redirect_to or self.path.startswith("/old/"):
                    # Elsewhere, or (for /old/...) to the same path on this very server.
                    target = outer.redirect_to or outer.url
                    self.send_response(302)
                    self.send_header("Location", target + self.path.removeprefix("/old").lstrip("/"))
                    self.end_headers()
                    return
                file = outer.directory / self.path.lstrip("/")
                if not file.is_file():
                    self.send_error(404)
                    return
                body = file.read_bytes()
                wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
                self.send_response(200)
                if outer.gzip_all and wants_gzip:
                    body = gzip.compress(body)
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers():
    started: list[_Server] = []

    def start(*args, **kwargs) -> _Server:
        started.append(_Server(*args, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.close()


def test_a_log_served_gzip_encoded_audits_clean_and_the_reader_asks_for_gzip(servers, tiled_log: TiledLog, capsys):
    server = servers(tiled_log.directory, gzip_all=True)
    status = main(["audit", "--log", server.url, *tiled_log.trust_args, "--jobs", "1"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "VERIFIED" in out
    assert "truncated" not in out
    assert all("gzip" in r["accept-encoding"] for r in server.requests)


def test_a_broken_gzip_body_is_named_not_taken_for_a_truncated_tile():
    from custodywatch_log.tiles import _gunzip

    url = "https://log.example/checkpoint"
    with pytest.raises(TileError, match="does not decompress"):
        _gunzip(b"not gzip at all", 1000, url)
    with pytest.raises(TileError, match="more than 10 bytes"):
        _gunzip(gzip.compress(b"x" * 1000), 10, url)
    with pytest.raises(TileError, match="stream is truncated"):
        _gunzip(gzip.compress(b"x" * 1000)[:-12], 10_000, url)
    assert _gunzip(gzip.compress(b"x" * 1000), 1000, url) == b"x" * 1000


def test_the_token_goes_to_the_log_but_never_to_another_origin_after_a_redirect(servers, tiled_log: TiledLog):
    elsewhere = servers(tiled_log.directory)
    log = servers(redirect_to=elsewhere.url)
    reader = HttpTileReader(log.url, token="s3cret")
    assert reader.read_checkpoint() == tiled_log.note.encode()
    assert log.requests[0]["authorization"] == "Bearer s3cret"
    assert elsewhere.requests
    assert all("authorization" not in r for r in elsewhere.requests)


def test_the_token_follows_a_redirect_within_the_same_origin(servers, tiled_log: TiledLog):
    server = servers(tiled_log.directory)
    reader = HttpTileReader(server.url + "old/", token="s3cret")
    assert reader.read_checkpoint() == tiled_log.note.encode()
    assert [r["path"] for r in server.requests] == ["/old/checkpoint", "/checkpoint"]
    assert all(r["authorization"] == "Bearer s3cret" for r in server.requests)


def test_the_audit_over_http_matches_the_directory_audit(servers, tiled_log: TiledLog):
    server = servers(tiled_log.directory, gzip_all=True)
    report = audit_tiles(HttpTileReader(server.url), len(tiled_log.entries), tiled_log.tree.root(), jobs=1)
    assert report.ok, report.problems
