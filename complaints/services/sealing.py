"""Sealing and opening on the server, with the terminal's own plaintext format and rules.

The documents (a complaint, the complainant's later message, an officer's reply), their padding to
size buckets and the routing rules are defined once, in ``custodywatch_terminal.sealing`` (pure
Python: pyrage only), which the server imports rather than copies. An internal note is the one
document only the server writes: ``{"v":1,"kind":"note","text":...,"by_organisation":...,"sent_at":...}``,
padded the same way. Their refusals (``PlaintextError``) become ValidationErrors in the
reader's language, naming the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyrage
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from custodywatch_protocol.routing import recipient_kinds
from custodywatch_terminal import sealing as terminal_sealing
from custodywatch_terminal.sealing import PlaintextError

MAX_TEXT = terminal_sealing.MAX_TEXT_CHARS
MAX_NAME = terminal_sealing.MAX_NAME_CHARS
Document = terminal_sealing.Complaint | terminal_sealing.Message | terminal_sealing.Reply


class CannotOpen(Exception):
    """None of the unlocked identities opens this ciphertext, or its plaintext is not ours."""


def _message(error: PlaintextError) -> str:
    if error.code == "required":
        return _("This field cannot be empty.")
    if error.code == "too_long":
        return _("This is too long.")
    if error.code == "bad_encoding":
        return _("This holds characters that cannot be stored (for example a NUL character).")
    return _("This value is not accepted.")


def as_validation_error(error: PlaintextError) -> ValidationError:
    field = error.field if error.field in ("text", "name", "voice", "category", "language") else "text"
    return ValidationError({field: _message(error)})


def complaint_document(**fields: Any) -> terminal_sealing.Complaint:
    """A complaint as the terminal would build it; raises ValidationError naming the field."""
    try:
        return terminal_sealing.Complaint(**fields)
    except PlaintextError as error:
        raise as_validation_error(error) from None


@dataclass(frozen=True)
class Routing:
    """To which kinds of body a complaint is sealed, and whether it is urgent (the terminal's rule)."""

    kinds: frozenset[str]
    priority: str


def route(document: terminal_sealing.Complaint, *, facility_holds_children: bool) -> Routing:
    kinds = recipient_kinds(torture=document.category is terminal_sealing.Category.TORTURE,
                            minor_or_children=document.minor or facility_holds_children)
    return Routing(kinds=kinds, priority=str(terminal_sealing.priority_of(document)))


def statement_document(*, kind: str, text: str, by_organisation: str, sent_at: dt.datetime) -> dict[str, Any]:
    """A reply (the terminal's ``Reply``) or an internal note, as the JSON that is sealed."""
    text = text.replace("\r\n", "\n").strip() if isinstance(text, str) else text
    try:
        reply = terminal_sealing.Reply(text=text, by_organisation=by_organisation, sent_at=sent_at)
    except PlaintextError as error:
        raise as_validation_error(error) from None
    document = reply.to_json()
    document["kind"] = kind
    return document


def seal_json(document: dict[str, Any], recipients: Iterable[str]) -> terminal_sealing.Sealed:
    """Pad and seal a JSON document (a note, a reply) to ``recipients`` (duplicates, blanks dropped)."""
    keys = list(dict.fromkeys(key for key in recipients if key))
    if not keys:
        raise ValidationError({"text": _("Nobody could open this: no recipient has a key.")})
    plaintext = terminal_sealing.pad(document)
    ciphertext = pyrage.encrypt(plaintext, [pyrage.x25519.Recipient.from_str(key) for key in keys])
    return terminal_sealing.Sealed(ciphertext=ciphertext, sha256=hashlib.sha256(ciphertext).hexdigest(),
                                   bucket=len(plaintext))


def seal_complaint(document: terminal_sealing.Complaint, recipients: Iterable[str]) -> terminal_sealing.Sealed:
    try:
        return terminal_sealing.seal(document, [key for key in recipients if key])
    except PlaintextError as error:
        raise as_validation_error(error) from None


def open_sealed(blob: bytes, identities: Sequence[Any]) -> dict[str, Any]:
    """Decrypt and parse into the document's JSON; raises CannotOpen when no identity fits or the
    plaintext is malformed."""
    if not identities:
        raise CannotOpen("locked")
    try:
        plaintext = pyrage.decrypt(bytes(blob), list(identities))
    except pyrage.DecryptError as error:
        raise CannotOpen("no key") from error
    try:
        document = terminal_sealing.unpad(plaintext)
    except PlaintextError as error:
        raise CannotOpen("malformed plaintext") from error
    if document.get("v") != 1:
        raise CannotOpen("unknown plaintext version")
    return document
