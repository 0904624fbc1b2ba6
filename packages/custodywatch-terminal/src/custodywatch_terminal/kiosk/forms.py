"""Reading what the kiosk's forms send, and saying in the complainant's language what to change.

The rules on the content (lengths, required text or voice, a name unless anonymous) live in the
sealing module and are applied by the agent; this module only turns the posted strings into the
typed fields and maps a refusal (``field``, ``code``) to a message key.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

# Three minutes of voice (720 KiB), ten thousand characters of text and the multipart framing.
MAX_BODY = 1536 * 1024


class FormError(ValueError):
    """The request body is not a form this kiosk sent."""


@dataclass
class Posted:
    fields: dict[str, str]
    voice: bytes | None
    bad_encoding: set[str]


def read_form(content_type: str, body: bytes) -> Posted:
    """Fields and the voice file of a urlencoded or multipart/form-data body."""
    kind = content_type.split(";", 1)[0].strip().lower()
    fields: dict[str, str] = {}
    bad: set[str] = set()
    voice: bytes | None = None
    if kind == "application/x-www-form-urlencoded":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise FormError("the form is not UTF-8") from None
        for name, value in parse_qsl(text, keep_blank_values=True, max_num_fields=40):
            fields.setdefault(name, value)
        return Posted(fields, None, bad)
    if kind != "multipart/form-data":
        raise FormError(f"unexpected content type {kind!r}")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
    if not message.is_multipart():
        raise FormError("the multipart body has no parts")
    for count, part in enumerate(message.iter_parts()):
        if count >= 40:
            raise FormError("too many fields")
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise FormError("a part has no field name")
        data = part.get_payload(decode=True) or b""
        if name == "voice":
            voice = data or None
            continue
        try:
            value = data.decode("utf-8")
        except UnicodeDecodeError:
            bad.add(name)
            value = ""
        fields.setdefault(name, value)
    return Posted(fields, voice, bad)


def complaint_fields(posted: Posted, *, lang: str, urgent: bool) -> dict[str, object]:
    """The complaint as the agent takes it (field names of the sealed plaintext, without v and filed_at)."""
    f = posted.fields
    anonymous = f.get("anonymous", "1") != "0"
    name = f.get("name", "").strip()
    return {
        "category": f.get("category", "other" if urgent else ""),
        "text": f.get("text", "").replace("\r\n", "\n"),
        "voice": posted.voice,
        "anonymous": anonymous,
        "name": None if anonymous else name,
        "minor": f.get("minor") == "1",
        "private_visit": True if urgent else f.get("private_visit") == "1",
        "urgent_danger": urgent,
        "reprisal_risk": f.get("reprisal_risk") or "unknown",
        "language": lang,
    }


_MESSAGES = {
    ("text", "required"): "err_text_required",
    ("text", "too_long"): "err_text_too_long",
    ("text", "bad_encoding"): "err_text_bad_encoding",
    ("voice", "too_long"): "err_voice_too_long",
    ("name", "required"): "err_name_required",
    ("name", "too_long"): "err_name_too_long",
    ("name", "bad_encoding"): "err_text_bad_encoding",
}


def refusal(field: str, code: str) -> tuple[str, str]:
    """(form field, message key) for a refusal of the sealing rules."""
    if field == "category":
        return "category", "err_category_required"
    key = _MESSAGES.get((field, code))
    if key is None:
        return "form", "err_form"
    return field, key
