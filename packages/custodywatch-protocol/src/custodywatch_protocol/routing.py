"""The routing list: to whom a terminal seals complaints, signed by the oversight body.

**Body.** Canonical JSON (RFC 8785, ``custodywatch_log.entries.canonical_record``)::

    {"v": 1, "type": "routing", "version": 7,
     "issued_at": "2026-12-01T00:00:00Z", "expires_at": "2027-01-01T00:00:00Z",
     "recipients": [{"organisation": "npm-kz", "kind": "npm", "age": "age1..."}, ...],
     "recovery": "age1..."}

``kind`` is one of ``npm``, ``childrens_ombudsman``, ``prosecutor``; every list names exactly one
``npm`` recipient (complaints always go to it), organisation codes are unique and sorted, times
are UTC to the second. ``recovery`` is the oversight body's offline recovery key: every
complaint is sealed to it as well.

**Signature.** Ed25519 by the oversight body's routing key over
``b"custodywatch/terminal/routing/v1" || 0x00 || body``. The terminal is given the routing key's
public half when it is registered.

**Acceptance** (``verify_routing_list``): the signature must verify, the body must be canonical and
well formed, ``issued_at <= now < expires_at`` (a few minutes' clock skew allowed for
``issued_at``), and the version must not be older than the last list the terminal accepted; the
same version must be the same body. Anything else is refused with a ``RoutingError`` naming why.

**Choosing recipients** (``recipients_for``): the NPM always; the Children's Rights Commissioner
when the complainant is a minor or the facility holds children; the prosecutor for torture or
ill-treatment allegations.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from custodywatch_log.entries import OpeningError, canonical_record

__all__ = [
    "RECIPIENT_KINDS",
    "Recipient",
    "RoutingError",
    "RoutingList",
    "recipients_for",
    "sign_routing_list",
    "verify_routing_list",
]

ROUTING_DOMAIN = b"custodywatch/terminal/routing/v1\x00"
RECIPIENT_KINDS = ("npm", "childrens_ombudsman", "prosecutor")
MAX_ROUTING_BYTES = 4096
ISSUE_SKEW = timedelta(minutes=5)
AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")
ORG_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
UTC_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class RoutingError(ValueError):
    """A routing list is refused; ``field`` says which part and ``error`` why."""

    def __init__(self, field: str, error: str) -> None:
        super().__init__(f"{field}: {error}")
        self.field = field
        self.error = error


@dataclass(frozen=True)
class Recipient:
    organisation: str
    kind: str
    age: str


@dataclass(frozen=True)
class RoutingList:
    """A routing list that verified; ``body`` and ``signature`` are what travels."""

    version: int
    issued_at: datetime
    expires_at: datetime
    recipients: tuple[Recipient, ...]
    recovery: str
    body: bytes
    signature: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def recipient(self, kind: str) -> Recipient | None:
        return next((r for r in self.recipients if r.kind == kind), None)


def format_time(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object, field: str, error_type: type[ValueError] = RoutingError) -> datetime:
    if not isinstance(value, str) or not UTC_SECOND.match(value):
        raise error_type(field, "a UTC time to the second, like 2026-01-31T12:00:00Z, is required")
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise error_type(field, f"{value} is not a real date and time") from None


def sign_routing_list(
    key: Ed25519PrivateKey, *, version: int, issued_at: datetime, expires_at: datetime,
    recipients: Sequence[Recipient], recovery: str,
) -> RoutingList:
    """Sign a routing list; checks it as a terminal would (except for the time) before signing."""
    body = canonical_record({
        "v": 1, "type": "routing", "version": version,
        "issued_at": format_time(issued_at), "expires_at": format_time(expires_at),
        "recipients": [
            {"organisation": r.organisation, "kind": r.kind, "age": r.age}
            for r in sorted(recipients, key=lambda r: r.organisation)
        ],
        "recovery": recovery,
    })
    signature = key.sign(ROUTING_DOMAIN + body)
    return _parse(body, signature)


def _parse(body: bytes, signature: bytes) -> RoutingList:
    if not isinstance(body, bytes) or not 0 < len(body) <= MAX_ROUTING_BYTES:
        raise RoutingError("body", f"a routing list is 1 to {MAX_ROUTING_BYTES} bytes")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RoutingError("body", "not UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise RoutingError("body", "a routing list is a JSON object")
    try:
        canonical = canonical_record(data)
    except OpeningError as exc:
        raise RoutingError("body", str(exc)) from None
    if canonical != body:
        raise RoutingError("body", "not in canonical form (RFC 8785: sorted keys, no whitespace)")
    expected = {"v", "type", "version", "issued_at", "expires_at", "recipients", "recovery"}
    if set(data) != expected:
        missing, extra = sorted(expected - set(data)), sorted(set(data) - expected)
        raise RoutingError("body", f"fields missing {missing}, unexpected {extra}")
    if data["v"] != 1 or data["type"] != "routing":
        raise RoutingError("v", "only version 1 routing lists are understood")
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 2**31:
        raise RoutingError("version", "a positive whole number is required")
    issued_at = parse_time(data["issued_at"], "issued_at")
    expires_at = parse_time(data["expires_at"], "expires_at")
    if expires_at <= issued_at:
        raise RoutingError("expires_at", "a list must expire after it is issued")
    recipients = _recipients(data["recipients"])
    if not isinstance(data["recovery"], str) or not AGE_RECIPIENT.match(data["recovery"]):
        raise RoutingError("recovery", "an age X25519 recipient (age1...) is required")
    if not isinstance(signature, bytes) or len(signature) != 64:
        raise RoutingError("signature", "an Ed25519 signature is 64 bytes")
    return RoutingList(version, issued_at, expires_at, recipients, data["recovery"], body, signature)


def _recipients(value: object) -> tuple[Recipient, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= 16:
        raise RoutingError("recipients", "a list of 1 to 16 recipients is required")
    found: list[Recipient] = []
    for i, item in enumerate(value):
        field = f"recipients[{i}]"
        if not isinstance(item, dict) or set(item) != {"organisation", "kind", "age"}:
            raise RoutingError(field, "each recipient has exactly organisation, kind and age")
        if not isinstance(item["organisation"], str) or not ORG_CODE.match(item["organisation"]):
            raise RoutingError(f"{field}.organisation", "an organisation code (lower-case letters, digits, - _)")
        if item["kind"] not in RECIPIENT_KINDS:
            raise RoutingError(f"{field}.kind", f"one of {', '.join(RECIPIENT_KINDS)}")
        if not isinstance(item["age"], str) or not AGE_RECIPIENT.match(item["age"]):
            raise RoutingError(f"{field}.age", "an age X25519 recipient (age1...) is required")
        found.append(Recipient(item["organisation"], item["kind"], item["age"]))
    codes = [r.organisation for r in found]
    if codes != sorted(set(codes)):
        raise RoutingError("recipients", "organisation codes must be unique and sorted")
    if sum(r.kind == "npm" for r in found) != 1:
        raise RoutingError("recipients", "exactly one npm recipient is required")
    if any(sum(r.kind == k for r in found) > 1 for k in RECIPIENT_KINDS):
        raise RoutingError("recipients", "at most one recipient of each kind")
    return tuple(found)


def verify_routing_list(
    body: bytes, signature: bytes, *, public_key: Ed25519PublicKey, now: datetime,
    known: RoutingList | None = None,
) -> RoutingList:
    """The routing list if it is signed, current and not older than ``known``; else ``RoutingError``."""
    if not signature:
        raise RoutingError("signature", "the routing list is not signed")
    parsed = _parse(body, signature)
    try:
        public_key.verify(signature, ROUTING_DOMAIN + body)
    except InvalidSignature:
        raise RoutingError("signature", "does not verify with the oversight body's routing key") from None
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if parsed.issued_at > now + ISSUE_SKEW:
        raise RoutingError("issued_at", f"issued in the future ({format_time(parsed.issued_at)})")
    if now >= parsed.expires_at:
        raise RoutingError("expires_at", f"expired at {format_time(parsed.expires_at)}")
    if known is not None:
        if parsed.version < known.version:
            raise RoutingError("version", f"rolled back: version {parsed.version} is older than {known.version}")
        if parsed.version == known.version and parsed.body != known.body:
            raise RoutingError("version", f"a different list with the same version {parsed.version}")
    return parsed


def recipient_kinds(*, torture: bool, minor_or_children: bool) -> frozenset[str]:
    """The kinds of body a complaint is sealed to: the NPM always, the Children's Rights
    Commissioner for a minor or a facility holding children, the prosecutor for torture."""
    wanted = {"npm"}
    if minor_or_children:
        wanted.add("childrens_ombudsman")
    if torture:
        wanted.add("prosecutor")
    return frozenset(wanted)


def recipients_for(routing: RoutingList, *, torture: bool, minor_or_children: bool) -> tuple[Recipient, ...]:
    """Who a complaint is sealed to (besides the recovery key): the one rule, for terminal and server."""
    wanted = recipient_kinds(torture=torture, minor_or_children=minor_or_children)
    return tuple(r for r in routing.recipients if r.kind in wanted)


def routing_from_wire(value: Mapping[str, Any] | None) -> tuple[bytes, bytes] | None:
    """The (body, signature) pair from a response's ``routing`` object (base64 fields)."""
    import base64

    if value is None:
        return None
    try:
        return base64.b64decode(value["body"], validate=True), base64.b64decode(value["sig"], validate=True)
    except (KeyError, TypeError, ValueError):
        raise RoutingError("routing", "body and sig must be base64") from None
