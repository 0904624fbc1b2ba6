"""Sealing and opening on the server: the same age format and plaintext as the terminal's.

A complaint's plaintext is a UTF-8 JSON document (the fields of COMPLAINT_FIELDS, as the
terminal writes them), padded with spaces to a size bucket so its length says little; JSON
allows trailing whitespace, so ``age -d`` followed by any JSON reader reads it. Replies and notes
are ``{"v":1,"kind":"reply"|"note","text":...,"by_organisation":...,"sent_at":...}``.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import pyrage
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The terminal's buckets (bytes of padded plaintext); a voice recording needs the larger ones.
BUCKETS = (4 * 1024, 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024)
MAX_TEXT = 20_000
COMPLAINT_FIELDS = ("v", "category", "text", "voice", "anonymous", "name", "minor", "private_visit",
                    "urgent_danger", "reprisal_risk", "language", "filed_at")
REPRISAL_RISKS = ("none", "some", "high", "unknown")
LANGUAGES = ("kk", "ru", "en")


class CannotOpen(Exception):
    """None of the unlocked identities opens this ciphertext, or its plaintext is not ours."""


def clean_text(value: Any, *, field: str = "text", required: bool = True, max_length: int = MAX_TEXT) -> str:
    """Free text of a complaint, reply or note: NFC, no control characters but line breaks and tabs."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("This must be text.")})
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    bad = next((ch for ch in value if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\n\t"), None)
    if bad is not None:
        raise ValidationError({field: _("The text holds a control character (U+%(code)04X); remove it.")
                               % {"code": ord(bad)}})
    if required and not value:
        raise ValidationError({field: _("This field cannot be empty.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(max)d characters (this has %(n)d).")
                               % {"max": max_length, "n": len(value)}})
    return value


def pad(body: bytes) -> bytes:
    for bucket in BUCKETS:
        if len(body) <= bucket:
            return body + b" " * (bucket - len(body))
    raise ValidationError({"text": _("The complaint is too large to be sealed.")})


def encode(document: dict[str, Any]) -> bytes:
    return pad(json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def seal(document: dict[str, Any], recipients: Iterable[str]) -> bytes:
    """The age ciphertext of ``document`` (padded) to the public keys given (duplicates dropped)."""
    keys = list(dict.fromkeys(key for key in recipients if key))
    if not keys:
        raise ValidationError({"recipients": _("Nobody could open this: no recipient has a key.")})
    return pyrage.encrypt(encode(document), [pyrage.x25519.Recipient.from_str(key) for key in keys])


def sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def open_sealed(blob: bytes, identities: Sequence[Any]) -> dict[str, Any]:
    """Decrypt and parse; raises CannotOpen when no identity fits or the plaintext is malformed."""
    if not identities:
        raise CannotOpen("locked")
    try:
        plain = pyrage.decrypt(bytes(blob), list(identities))
    except pyrage.DecryptError as error:
        raise CannotOpen("no key") from error
    try:
        text = plain.decode("utf-8").rstrip(" \x00\n\t")
        document, _end = json.JSONDecoder().raw_decode(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise CannotOpen("malformed plaintext") from error
    if not isinstance(document, dict) or document.get("v") != 1:
        raise CannotOpen("unknown plaintext version")
    return document
