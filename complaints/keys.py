"""Recipient organisations' age keys: generated here, stored encrypted, unlocked per session.

**At rest.** Each recipient organisation (NPM, Children's Rights Commissioner, prosecutor) has an
age X25519 identity made on the server by ``create_organisation_key``. Only its age passphrase
ciphertext (scrypt, the age format's own passphrase recipient, via ``pyrage.passphrase``) is
stored; the public key ("age1...") goes into the signed routing list (``active_public_keys``).
``rotate_organisation_key`` makes a new identity and retires the old one: the old one is kept,
still encrypted, to open the complaints sealed to it, and cannot open anything sealed after the
rotation, because the routing list names only the active key from then on.

**Unlocked for a session.** An officer types the passphrase (``unlock``); the identities it opens
are kept for that browser session only and never in clear at rest. They are encrypted with
ChaCha20-Poly1305 under a fresh random 32-byte key ``K = C xor S``: ``S`` and the ciphertext are
stored in the server-side session (the database session row, which every gunicorn worker reads),
``C`` only in an HttpOnly, SameSite=Strict cookie in the officer's browser. Either half alone is
uniformly random and says nothing about ``K``: a copy of the database (sessions included) opens
nothing without the browser's cookie, and a stolen cookie opens nothing without the session.
Process memory alone would not do: a gunicorn worker does not share memory with the others.
The additional data binds the ciphertext to the user and the organisation, so a session blob
moved to another account does not open. Locking: ``lock`` (the "lock" button) removes the
session's half; logging out flushes the session (Django's ``logout``), and an expired session
row is gone with its half; an unlock also expires by itself after ``COMPLAINT_UNLOCK_SECONDS``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyrage
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, OrganisationKind
from complaints.models.handling import EventKind, OrganisationKey

# The organisations that receive sealed complaints (design.md: the NPM always, the children's
# ombudsman for minors and children's institutions, the prosecutor for torture allegations).
RECIPIENT_KINDS = frozenset({OrganisationKind.NPM, OrganisationKind.CHILDRENS_OMBUDSMAN, OrganisationKind.PROSECUTOR})
MIN_PASSPHRASE = 12
SESSION_KEY = "_cw_complaint_keys"
COOKIE = "cw_complaint_key"
_AEAD_CONTEXT = b"custodywatch/complaints/session-keys/v1"


class KeyRefused(ValidationError):
    """A key operation refused, with the reason in words (the field is ``passphrase`` or ``organisation``)."""


FAILURE_WINDOW = 15 * 60


def failure_limit() -> int:
    return int(getattr(settings, "COMPLAINT_UNLOCK_FAILURE_LIMIT", 5))


def recent_failures(user: Any) -> int:
    """Wrong passphrases the user typed in the last FAILURE_WINDOW seconds (each one cost a
    second of scrypt, so they are limited, and each is logged)."""
    from complaints.models import ComplaintEvent

    since = timezone.now() - dt.timedelta(seconds=FAILURE_WINDOW)
    return ComplaintEvent.objects.filter(actor=user, kind=EventKind.KEY_UNLOCK_FAILED, at__gte=since).count()


def unlock_seconds() -> int:
    return int(getattr(settings, "COMPLAINT_UNLOCK_SECONDS", 8 * 3600))


# --- Keys at rest ------------------------------------------------------------------------------


def _check_passphrase(passphrase: Any) -> str:
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE:
        message = _("The passphrase must have at least %(n)d characters.") % {"n": MIN_PASSPHRASE}
        raise KeyRefused({"passphrase": message})
    if len(passphrase) > 1024 or "\x00" in passphrase:
        raise KeyRefused({"passphrase": _("The passphrase is too long or holds a NUL character.")})
    return passphrase


def _check_recipient(organisation: Organisation) -> None:
    if organisation.kind not in RECIPIENT_KINDS:
        raise KeyRefused({"organisation": _("Only the NPM, the Children's Rights Commissioner and the prosecutor's "
                                           "office receive sealed complaints.")})


def _new_key(*, organisation: Organisation, passphrase: str, by: Any) -> OrganisationKey:
    identity = pyrage.x25519.Identity.generate()
    secret = str(identity).encode("ascii")
    encrypted = pyrage.passphrase.encrypt(secret, passphrase)
    return OrganisationKey.objects.create(
        organisation=organisation, public_key=str(identity.to_public()), encrypted_identity=encrypted,
        created_at=timezone.now(), created_by=by,
    )


def _event(kind: str, *, organisation: Organisation, by: Any, key: OrganisationKey) -> None:
    from complaints.services.events import record_event

    record_event(kind=kind, complaint=None, organisation=organisation, actor=by,
                 detail={"public_key": key.public_key})


@transaction.atomic
def create_organisation_key(*, organisation: Organisation, passphrase: str, by: Any) -> OrganisationKey:
    """Make the organisation's first age identity, stored encrypted under ``passphrase``."""
    _check_recipient(organisation)
    _check_passphrase(passphrase)
    if OrganisationKey.objects.select_for_update().filter(organisation=organisation, retired_at__isnull=True).exists():
        raise KeyRefused({"organisation": _("This organisation already has a key; rotate it instead.")})
    key = _new_key(organisation=organisation, passphrase=passphrase, by=by)
    _event(EventKind.KEY_CREATED, organisation=organisation, by=by, key=key)
    return key


@transaction.atomic
def rotate_organisation_key(*, organisation: Organisation, passphrase: str, by: Any) -> OrganisationKey:
    """Retire the active identity (kept, encrypted, for the complaints sealed to it) and make a new one.

    The next routing list names only the new public key, so complaints sealed after the rotation
    cannot be opened with the old identity.
    """
    _check_recipient(organisation)
    _check_passphrase(passphrase)
    OrganisationKey.objects.select_for_update().filter(
        organisation=organisation, retired_at__isnull=True).update(retired_at=timezone.now())
    key = _new_key(organisation=organisation, passphrase=passphrase, by=by)
    _event(EventKind.KEY_ROTATED, organisation=organisation, by=by, key=key)
    return key


def active_public_keys(organisations: Iterable[Organisation] | None = None) -> dict[str, str]:
    """organisation code -> active age public key: what the routing list names."""
    keys = OrganisationKey.objects.filter(retired_at__isnull=True).select_related("organisation")
    if organisations is not None:
        keys = keys.filter(organisation__in=list(organisations))
    return {key.organisation.code: key.public_key for key in keys}


def recovery_recipient() -> str:
    """The offline recovery key's age public key (``COMPLAINT_RECOVERY_PUBLIC_KEY``), or "" if unset."""
    return str(getattr(settings, "COMPLAINT_RECOVERY_PUBLIC_KEY", "") or "")


# --- Unlocked for a session ------------------------------------------------------------------------


@dataclass(frozen=True)
class Unlocked:
    """The outcome of ``unlock``: how many keys opened, and the cookie half to send to the browser."""

    count: int
    cookie_half: str


def _aad(user: Any) -> bytes:
    return b"%s|%d|%d" % (_AEAD_CONTEXT, user.pk, user.organisation_id or 0)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def store_identities(request: HttpRequest, identities: dict[str, str]) -> Unlocked:
    """Keep ``identities`` (public key -> "AGE-SECRET-KEY-1...") for this session, split as the
    module docstring says; returns the cookie half the response must carry."""
    cookie_half, session_half = secrets.token_bytes(32), secrets.token_bytes(32)
    nonce = secrets.token_bytes(12)
    body = json.dumps(identities, sort_keys=True).encode()
    sealed = ChaCha20Poly1305(_xor(cookie_half, session_half)).encrypt(nonce, body, _aad(request.user))
    request.session[SESSION_KEY] = {
        "half": base64.b64encode(session_half).decode(),
        "sealed": base64.b64encode(nonce + sealed).decode(),
        "until": int(time.time()) + unlock_seconds(),
    }
    return Unlocked(count=len(identities), cookie_half=base64.urlsafe_b64encode(cookie_half).decode())


def attach_cookie(response: HttpResponse, unlocked: Unlocked) -> HttpResponse:
    response.set_cookie(
        COOKIE, unlocked.cookie_half, max_age=unlock_seconds(), httponly=True, samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _session_identities(request: HttpRequest) -> dict[str, str]:
    stored = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    cookie = request.COOKIES.get(COOKIE, "")
    if not isinstance(stored, dict) or not cookie or not request.user.is_authenticated:
        return {}
    if not isinstance(stored.get("until"), int) or stored["until"] < time.time():
        return {}
    try:
        cookie_half = base64.urlsafe_b64decode(cookie.encode("ascii"))
        session_half = base64.b64decode(stored["half"])
        raw = base64.b64decode(stored["sealed"])
        if len(cookie_half) != 32 or len(session_half) != 32 or len(raw) < 12:
            return {}
        body = ChaCha20Poly1305(_xor(cookie_half, session_half)).decrypt(raw[:12], raw[12:], _aad(request.user))
        found = json.loads(body)
    except (ValueError, TypeError, KeyError, InvalidTag, UnicodeError):
        return {}
    return found if isinstance(found, dict) else {}


def is_unlocked(request: HttpRequest) -> bool:
    return bool(_session_identities(request))


def unlocked_identities(request: HttpRequest) -> list[pyrage.x25519.Identity]:
    """The identities this session unlocked, for decrypting in this request only (never stored)."""
    return [pyrage.x25519.Identity.from_str(secret) for secret in _session_identities(request).values()]


def unlock(request: HttpRequest, *, passphrase: str) -> Unlocked:
    """Open the keys of the officer's organisation that ``passphrase`` decrypts and keep them for the session.

    Keys already unlocked in this session stay unlocked (a key rotated under an older passphrase
    is opened by unlocking again with that one). Raises KeyRefused naming the passphrase when it
    opens none of them.
    """
    user = request.user
    if not isinstance(passphrase, str) or not passphrase or len(passphrase) > 1024:
        raise KeyRefused({"passphrase": _("Type your organisation's passphrase.")})
    if recent_failures(user) >= failure_limit():
        raise KeyRefused({"passphrase": _("Too many wrong passphrases: try again in %(minutes)d minutes.")
                          % {"minutes": FAILURE_WINDOW // 60}})
    keys = list(OrganisationKey.objects.filter(organisation_id=user.organisation_id).order_by("-created_at"))
    if user.organisation_id is None or not keys:
        raise KeyRefused({"passphrase": _("Your organisation has no key for sealed complaints.")})
    opened = dict(_session_identities(request))
    for key in keys:
        if key.public_key in opened:
            continue
        try:
            secret = pyrage.passphrase.decrypt(bytes(key.encrypted_identity), passphrase).decode("ascii")
        except pyrage.DecryptError:
            continue
        opened[key.public_key] = secret
    from complaints.services.events import record_event

    if not opened:
        # Every wrong guess is an audit row and a ledger entry; a few in a row stop further guesses.
        record_event(kind=EventKind.KEY_UNLOCK_FAILED, complaint=None, organisation=user.organisation, actor=user)
        raise KeyRefused({"passphrase": _("This passphrase opens none of your organisation's keys.")})

    record_event(kind=EventKind.KEY_UNLOCKED, complaint=None, organisation=user.organisation, actor=user,
                 detail={"keys": len(opened)})
    return store_identities(request, opened)


def lock(request: HttpRequest, response: HttpResponse | None = None) -> None:
    """Forget the session's half (and tell the browser to drop its half)."""
    if hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)
    if response is not None:
        response.delete_cookie(COOKIE, samesite="Strict")
