"""A standalone C2SP tlog-witness server that other bodies can run without CustodyWatch's Django app.

Run ``python -m custodywatch_log.witness generate-key --name witness.example/w1`` once, keep the first line
(the secret key) in a file, publish the second (the vkey), then::

    python -m custodywatch_log.witness --key-file w1.key --log-key <log vkey> --state-dir /var/lib/w1 --port 8080

It serves ``POST /add-checkpoint`` (status codes as in tlog-witness) and
``GET /<sha256(origin) hex>/checkpoint``. State is one JSON file per log, written to a temporary
file, fsynced and atomically renamed (and the directory fsynced) before any cosignature is returned.
Pure Python plus ``cryptography``; no Django.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from custodywatch_log.checkpoint import Checkpoint, CheckpointError
from custodywatch_log.durable import atomic_write
from custodywatch_log.merkle import EMPTY_ROOT, ProofError, verify_consistency
from custodywatch_log.note import (
    CosignatureSigner,
    NoteError,
    UnverifiedNoteError,
    Verifier,
    parse_note,
    verify_note,
)
from custodywatch_log.witness_protocol import (
    MAX_REQUEST_BYTES,
    SIZE_CONTENT_TYPE,
    Conflict,
    RequestError,
    WitnessClient,
    WitnessError,
    WitnessRejected,
    WitnessUnavailable,
    parse_add_checkpoint_request,
)

__all__ = [
    "Conflict",
    "LogState",
    "StateStore",
    "WitnessClient",
    "WitnessError",
    "WitnessRejected",
    "WitnessResponse",
    "WitnessService",
    "WitnessUnavailable",
    "main",
    "start_server",
]


@dataclass(frozen=True)
class LogState:
    """The latest checkpoint a witness cosigned for one log."""

    origin: str
    size: int
    root_hash: bytes
    checkpoint_note: str


class StateStore:
    """Durable per-log witness state in a directory (one JSON file per origin).

    One witness process per directory: the check-and-persist atomicity is a lock in that process.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "evidence").mkdir(exist_ok=True)

    def _path(self, origin: str) -> Path:
        return self.directory / f"{hashlib.sha256(origin.encode('utf-8')).hexdigest()}.json"

    def get(self, origin: str) -> LogState | None:
        """Return the stored state for ``origin``, or ``None`` if never cosigned."""
        try:
            raw = json.loads(self._path(origin).read_text("utf-8"))
        except FileNotFoundError:
            return None
        return LogState(raw["origin"], raw["size"], base64.b64decode(raw["root"]), raw["checkpoint"])

    def put(self, state: LogState) -> None:
        """Durably record ``state`` as the latest for its origin."""
        data = {
            "origin": state.origin,
            "size": state.size,
            "root": base64.b64encode(state.root_hash).decode("ascii"),
            "checkpoint": state.checkpoint_note,
        }
        atomic_write(self._path(state.origin), json.dumps(data, indent=1).encode("utf-8"))

    def record_evidence(self, origin: str, reason: str, body: bytes) -> None:
        """Keep a validly signed but refused request: it may prove log misbehaviour."""
        digest = hashlib.sha256(body).hexdigest()[:16]
        name = f"{int(time.time())}-{hashlib.sha256(origin.encode()).hexdigest()[:16]}-{digest}.txt"
        header = f"# refused: {reason}\n".encode()
        atomic_write(self.directory / "evidence" / name, header + body)


@dataclass(frozen=True)
class WitnessResponse:
    """An HTTP answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes

    @classmethod
    def text(cls, status: int, message: str) -> WitnessResponse:
        return cls(status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode("utf-8"))


class WitnessService:
    """The witness logic, independent of HTTP: check a submitted checkpoint and cosign it.

    ``log_verifiers`` are the trusted log keys. A log's origin is its key's name unless
    ``origins`` maps the key's vkey to another origin line (C2SP: the names SHOULD match, not MUST).
    """

    def __init__(
        self,
        signer: CosignatureSigner,
        log_verifiers: Iterable[Verifier],
        store: StateStore,
        origins: Mapping[str, str] | None = None,
    ) -> None:
        self.signer = signer
        self.log_verifiers = list(log_verifiers)
        self.store = store
        self.origins = dict(origins or {})
        # One lock makes "compare old size, verify, persist" atomic (the rollback race in the spec).
        self._lock = threading.Lock()

    def add_checkpoint(self, body: bytes) -> WitnessResponse:
        """Handle an add-checkpoint request body and return the HTTP response."""
        try:
            request = parse_add_checkpoint_request(body)
            note = parse_note(request.checkpoint_note)
            checkpoint = Checkpoint.parse(note.text)
        except (RequestError, NoteError, CheckpointError) as e:
            return WitnessResponse.text(400, f"malformed request: {e}")
        keys = [v for v in self.log_verifiers if self.origin_of(v) == checkpoint.origin]
        if not keys:
            return WitnessResponse.text(404, f"unknown log origin {checkpoint.origin!r}")
        try:
            verify_note(note, keys)
        except UnverifiedNoteError as e:
            return WitnessResponse.text(403, f"checkpoint not signed by the log: {e}")
        if request.old_size > checkpoint.size:
            return WitnessResponse.text(
                400, f"old size {request.old_size} is larger than checkpoint size {checkpoint.size}"
            )
        with self._lock:
            state = self.store.get(checkpoint.origin)
            latest = state.size if state else 0
            if request.old_size != latest:
                return WitnessResponse(409, SIZE_CONTENT_TYPE, f"{latest}\n".encode("ascii"))
            problem = self._inconsistency(request.old_size, request.proof, checkpoint, state)
            if problem:
                self.store.record_evidence(checkpoint.origin, problem, body)
                return WitnessResponse.text(422, problem)
            line = self.signer.signature_line(note.text)
            cosigned = request.checkpoint_note + line
            self.store.put(LogState(checkpoint.origin, checkpoint.size, checkpoint.root_hash, cosigned))
        return WitnessResponse(200, "text/plain; charset=utf-8", line.encode("utf-8"))

    @staticmethod
    def _inconsistency(
        old_size: int, proof: Sequence[bytes], checkpoint: Checkpoint, state: LogState | None
    ) -> str | None:
        if checkpoint.size == 0 and checkpoint.root_hash != EMPTY_ROOT:
            return "a checkpoint of size 0 must have the root hash of the empty tree"
        old_root = state.root_hash if state else EMPTY_ROOT
        try:
            verify_consistency(old_size, checkpoint.size, old_root, checkpoint.root_hash, proof, allow_empty_old=True)
        except ProofError as e:
            return f"checkpoint is not consistent with the one cosigned at size {old_size}: {e}"
        return None

    def origin_of(self, verifier: Verifier) -> str:
        """The origin line of the log ``verifier`` signs for."""
        return self.origins.get(verifier.vkey, verifier.name)

    def latest_checkpoint(self, origin_hash: str) -> str | None:
        """Return the latest cosigned checkpoint for the log whose origin hashes to ``origin_hash``."""
        for v in self.log_verifiers:
            origin = self.origin_of(v)
            if hashlib.sha256(origin.encode("utf-8")).hexdigest() == origin_hash:
                state = self.store.get(origin)
                return state.checkpoint_note if state else None
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # a stalled client must not hold a thread forever
    server: _WitnessHTTPServer

    def _send(self, response: WitnessResponse) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def do_POST(self) -> None:
        if self.path.rstrip("/") != self.server.prefix + "/add-checkpoint":
            self._send(WitnessResponse.text(404, "not found"))
            return
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            self.close_connection = True
            self._send(WitnessResponse.text(411, "Content-Length required"))
            return
        length = int(length_text)
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True
            self._send(WitnessResponse.text(413, f"request body exceeds {MAX_REQUEST_BYTES} bytes"))
            return
        body = self.rfile.read(length)
        self._send(self.server.service.add_checkpoint(body))

    def do_GET(self) -> None:
        parts = self.path[len(self.server.prefix) :].strip("/").split("/")
        if (
            self.path.startswith(self.server.prefix + "/")
            and len(parts) == 2
            and parts[1] == "checkpoint"
            and len(parts[0]) == 64
        ):
            note = self.server.service.latest_checkpoint(parts[0].lower())
            if note is not None:
                self._send(WitnessResponse(200, "text/plain; charset=utf-8", note.encode("utf-8")))
                return
        self._send(WitnessResponse.text(404, "not found"))

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")


class _WitnessHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: WitnessService, prefix: str, quiet: bool) -> None:
        self.service = service
        self.prefix = prefix.rstrip("/")
        self.quiet = quiet
        super().__init__(address, _Handler)


def start_server(
    service: WitnessService, host: str = "127.0.0.1", port: int = 0, *, prefix: str = "", quiet: bool = True
) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``service`` in a background thread; return the server and its submission prefix URL.

    Stop it with ``server.shutdown(); server.server_close()``.
    """
    server = _WitnessHTTPServer((host, port), service, prefix, quiet)
    # A short poll interval makes shutdown() quick; idle cost is negligible.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="witness-http", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{bound_host}:{bound_port}{server.prefix}"


# ---------------------------------------------------------------------------------------------
# Command line


def _generate_key(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m custodywatch_log.witness generate-key",
        description="Print a new witness secret key (line 1) and its public vkey (line 2).",
    )
    parser.add_argument("--name", required=True, help="witness key name, e.g. witness.example.org/w1")
    parser.add_argument("--out", help="write the secret key to this file (mode 0600) instead of stdout")
    args = parser.parse_args(argv)
    try:
        signer = CosignatureSigner.generate(args.name)
    except NoteError as e:
        parser.error(str(e))
    if args.out:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(signer.skey + "\n")
    else:
        print(signer.skey)
    print(signer.vkey)
    return 0


def _serve(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m custodywatch_log.witness",
        description="Run a C2SP tlog-witness (add-checkpoint) for the given logs.",
        epilog="Use 'python -m custodywatch_log.witness generate-key --name NAME' to create a key.",
    )
    parser.add_argument("--key-file", required=True, help="file holding the witness secret key")
    parser.add_argument("--log-key", action="append", required=True, help="vkey of a log to witness")
    parser.add_argument(
        "--log-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="origin line of the log, when it differs from its key's name (one per --log-key, in order)",
    )
    parser.add_argument("--state-dir", required=True, help="directory for durable state")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--prefix", default="", help="submission prefix path, e.g. /witness")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    try:
        signer = CosignatureSigner.from_skey(Path(args.key_file).read_text("utf-8").strip())
        logs = [Verifier.from_vkey(k) for k in args.log_key]
    except (OSError, NoteError) as e:
        print(f"witness: {e}", file=sys.stderr)
        return 2
    if len(args.log_origin) > len(logs):
        print("witness: more --log-origin than --log-key", file=sys.stderr)
        return 2
    origins = {v.vkey: o for v, o in zip(logs, args.log_origin, strict=False)}
    service = WitnessService(signer, logs, StateStore(args.state_dir), origins)
    server = _WitnessHTTPServer((args.host, args.port), service, args.prefix, args.quiet)
    host, port = server.server_address[:2]
    print(f"witness {signer.name} ({signer.vkey}) listening on http://{host}:{port}{server.prefix}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: ``generate-key`` subcommand, or run the server (optionally ``serve``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "generate-key":
        return _generate_key(args[1:])
    if args and args[0] == "serve":
        args = args[1:]
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
