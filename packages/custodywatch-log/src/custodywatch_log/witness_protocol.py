"""The C2SP tlog-witness ``add-checkpoint`` wire format and an HTTP client for it (urllib).

Pure Python; no Django. The log side calls ``WitnessClient.add_checkpoint``; the witness server
(``custodywatch_log.witness``) parses requests with ``parse_add_checkpoint_request``.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from custodywatch_log.merkle import HASH_SIZE
from custodywatch_log.note import CosignatureVerifier, NoteError, decode_base64, parse_note, verify_note

__all__ = [
    "MAX_PROOF_LINES",
    "MAX_REQUEST_BYTES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpointRequest",
    "Conflict",
    "RequestError",
    "WitnessClient",
    "WitnessError",
    "WitnessRejected",
    "WitnessUnavailable",
    "format_add_checkpoint_request",
    "parse_add_checkpoint_request",
    "parse_decimal",
]

MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 64 * 1024
SIZE_CONTENT_TYPE = "text/x.tlog.size"


class RequestError(ValueError):
    """An add-checkpoint request body is malformed (HTTP 400)."""


def parse_decimal(text: str, what: str) -> int:
    """Parse an ASCII decimal without leading zeroes (``0`` itself allowed), at most 2^63-1."""
    if not text or not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        raise RequestError(f"{what} {text!r} is not a decimal number without leading zeroes")
    if len(text) > 19 or int(text) > 2**63 - 1:
        raise RequestError(f"{what} {text} is too large")
    return int(text)


@dataclass(frozen=True)
class AddCheckpointRequest:
    """A parsed add-checkpoint body: old size, consistency proof, and the signed checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint_note: str


def format_add_checkpoint_request(old_size: int, proof: Sequence[bytes], signed_note: str) -> bytes:
    """Return the add-checkpoint request body."""
    if len(proof) > MAX_PROOF_LINES:
        raise RequestError(f"a consistency proof of {len(proof)} hashes exceeds {MAX_PROOF_LINES}")
    lines = [f"old {old_size}\n", *(base64.b64encode(p).decode("ascii") + "\n" for p in proof), "\n"]
    return ("".join(lines) + signed_note).encode("utf-8")


def parse_add_checkpoint_request(body: bytes) -> AddCheckpointRequest:
    """Parse an add-checkpoint body; raises ``RequestError`` saying what is malformed.

    The checkpoint note is only split off here; its signatures and body are checked by the caller.
    """
    if len(body) > MAX_REQUEST_BYTES:
        raise RequestError(f"request body exceeds {MAX_REQUEST_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("request body is not valid UTF-8") from None
    old_line, sep, rest = text.partition("\n")
    if not sep:
        raise RequestError("request body has no old size line ending in a newline")
    keyword, space, number = old_line.partition(" ")
    if keyword != "old" or not space:
        raise RequestError("first line must be 'old <size>'")
    old_size = parse_decimal(number, "old size")
    proof: list[bytes] = []
    while True:
        line, sep, rest = rest.partition("\n")
        if not sep:
            raise RequestError("request body has no empty line before the checkpoint")
        if not line:
            break
        if len(proof) == MAX_PROOF_LINES:
            raise RequestError(f"more than {MAX_PROOF_LINES} consistency proof lines")
        try:
            h = decode_base64(line, f"consistency proof line {len(proof) + 1}")
        except NoteError as e:
            raise RequestError(str(e)) from None
        if len(h) != HASH_SIZE:
            raise RequestError(f"consistency proof line {len(proof) + 1} is not a {HASH_SIZE}-byte hash")
        proof.append(h)
    if not rest:
        raise RequestError("request body has no checkpoint after the empty line")
    return AddCheckpointRequest(old_size, tuple(proof), rest)


class WitnessError(Exception):
    """A witness did not cosign; subclasses say why."""


class Conflict(WitnessError):
    """HTTP 409: the witness's latest cosigned size is not the old size we sent."""

    def __init__(self, latest_size: int) -> None:
        super().__init__(f"witness has already cosigned size {latest_size}")
        self.latest_size = latest_size


class WitnessRejected(WitnessError):
    """The witness refused the request (4xx other than 409); ``status`` is the HTTP code."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"witness refused with HTTP {status}: {message}")
        self.status = status
        self.message = message


class WitnessUnavailable(WitnessError):
    """Network failure, timeout, 5xx, or a response that is not a valid cosignature."""


class WitnessClient:
    """Submits checkpoints to tlog-witness servers over HTTP(S).

    With ``verifiers``, returned cosignatures must verify against one of them (others are dropped).
    """

    def __init__(self, timeout: float = 10.0, verifiers: Sequence[CosignatureVerifier] = ()) -> None:
        self.timeout = timeout
        self.verifiers = list(verifiers)

    def add_checkpoint(self, url: str, old_size: int, proof: Sequence[bytes], signed_note: str) -> list[str]:
        """POST to ``<url>/add-checkpoint`` and return the cosignature lines (each ending in newline).

        ``url`` is the witness's submission prefix. Raises ``Conflict`` (carrying the witness's
        latest size), ``WitnessRejected`` or ``WitnessUnavailable``.
        """
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https"):
            raise WitnessUnavailable(f"witness URL {url!r} is not http(s)")
        body = format_add_checkpoint_request(old_size, proof, signed_note)
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url.rstrip("/") + "/add-checkpoint",
            data=body,
            method="POST",
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read(MAX_REQUEST_BYTES + 1)
        except urllib.error.HTTPError as e:
            with e:
                detail = e.read(4096).decode("utf-8", "replace").strip()
            if e.code == 409:
                raise self._conflict(e.headers.get("Content-Type", ""), detail) from None
            if 400 <= e.code < 500:
                raise WitnessRejected(e.code, detail or e.reason) from None
            raise WitnessUnavailable(f"witness answered HTTP {e.code}: {detail or e.reason}") from None
        except (urllib.error.URLError, OSError) as e:
            raise WitnessUnavailable(f"cannot reach witness at {url}: {e}") from None
        return self._cosignatures(payload, signed_note)

    @staticmethod
    def _conflict(content_type: str, detail: str) -> WitnessError:
        if content_type.split(";")[0].strip() != SIZE_CONTENT_TYPE:
            return WitnessUnavailable(f"witness answered 409 with content type {content_type!r}")
        try:
            return Conflict(parse_decimal(detail, "latest size"))
        except RequestError as e:
            return WitnessUnavailable(f"witness answered 409 with an unreadable size: {e}")

    def _cosignatures(self, payload: bytes, signed_note: str) -> list[str]:
        try:
            text = payload.decode("utf-8")
            if not text or not text.endswith("\n"):
                raise NoteError("response is not newline-terminated signature lines")
            note = parse_note(parse_note(signed_note).text + "\n" + text)
        except (NoteError, UnicodeDecodeError) as e:
            raise WitnessUnavailable(f"witness response is not a list of signature lines: {e}") from None
        lines = [s.line() for s in note.signatures[-len(text.splitlines()) :]]
        if not self.verifiers:
            return lines
        body = note.text + "\n"
        good = []
        for line in lines:
            try:
                verify_note(body + line, self.verifiers)
            except NoteError:
                continue
            good.append(line)
        if not good:
            raise WitnessUnavailable("witness returned no cosignature from the expected witness key")
        return good
