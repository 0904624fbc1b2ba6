"""Test helpers for the workspace: organisation keys, sealed complaints, an unlocked session.

The product encrypts an organisation's identity with ``pyrage.passphrase`` (age's scrypt
recipient at the work factor rage calibrates to about a second, at least 2**18).
Tests store identities written by ``low_cost_passphrase_encrypt`` instead: the same age scrypt
stanza and payload (age-encryption.org/v1), with work factor 2**10, which ``pyrage.passphrase.decrypt``
opens the same way in milliseconds. ``unlock_client`` puts identities in a session exactly as
``keys.unlock`` does, for tests that are not about unlocking.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Any

import pyrage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.test import Client, RequestFactory
from django.utils import timezone

from complaints import keys
from complaints.models import Channel, Complaint, OrganisationKey, Priority
from complaints.models.recipient import seal_to
from complaints.services import deadlines
from custodywatch_terminal import receipts
from custodywatch_terminal import sealing as terminal_sealing

PASSPHRASE = "test passphrase for sealed complaints"  # noqa: S105 (tests only)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def low_cost_passphrase_encrypt(plaintext: bytes, passphrase: str, *, log_n: int = 10) -> bytes:
    """An age file (v1) with one scrypt stanza of work factor 2**log_n, for plaintexts up to 64 KiB."""
    if len(plaintext) > 64 * 1024:
        raise ValueError("one STREAM chunk only")
    file_key, salt = secrets.token_bytes(16), secrets.token_bytes(16)
    wrap = Scrypt(salt=b"age-encryption.org/v1/scrypt" + salt, length=32, n=2**log_n, r=8, p=1).derive(
        passphrase.encode("utf-8"))
    body = ChaCha20Poly1305(wrap).encrypt(b"\x00" * 12, file_key, None)
    header = f"age-encryption.org/v1\n-> scrypt {_b64(salt)} {log_n}\n{_b64(body)}\n---".encode("ascii")
    mac = hmac.new(HKDF(hashes.SHA256(), 32, salt=b"", info=b"header").derive(file_key), header,
                   hashlib.sha256).digest()
    nonce = secrets.token_bytes(16)
    payload_key = HKDF(hashes.SHA256(), 32, salt=nonce, info=b"payload").derive(file_key)
    # One final chunk: an 11-byte counter of zero and the last-chunk flag.
    chunk = ChaCha20Poly1305(payload_key).encrypt(b"\x00" * 11 + b"\x01", plaintext, None)
    return header + b" " + _b64(mac).encode("ascii") + b"\n" + nonce + chunk


@lru_cache(maxsize=16)
def _material(slot: int) -> tuple[str, bytes]:
    identity = pyrage.x25519.Identity.generate()
    return str(identity), low_cost_passphrase_encrypt(str(identity).encode("ascii"), PASSPHRASE)


def slot_identity(slot: int) -> Any:
    """The identity ``install_key(..., slot=slot)`` installs (the same in every call of a process)."""
    return pyrage.x25519.Identity.from_str(_material(slot)[0])


def install_key(organisation: Any, *, slot: int | None = None, retired: bool = False) -> tuple[OrganisationKey, Any]:
    """Give ``organisation`` a key (encrypted under PASSPHRASE); returns it and its identity."""
    secret, encrypted = _material(organisation.pk % 16 if slot is None else slot)
    identity = pyrage.x25519.Identity.from_str(secret)
    key = OrganisationKey.objects.create(
        organisation=organisation, public_key=str(identity.to_public()), encrypted_identity=encrypted,
        created_at=timezone.now(), retired_at=timezone.now() if retired else None,
    )
    return key, identity


def seal_document(*, public_keys: list[str], category: str = "conditions", text: str = "The cell is cold.",
                  name: str | None = None, minor: bool = False, urgent_danger: bool = False,
                  language: str = "ru", voice: bytes | None = None) -> terminal_sealing.Sealed:
    document = terminal_sealing.Complaint(
        category=category, text=text, filed_at=timezone.now(), language=language, anonymous=name is None,
        name=name, minor=minor, urgent_danger=urgent_danger, voice=voice,
    )
    return terminal_sealing.seal(document, public_keys)


def make_complaint(
    *, facility: Any, recipients: list[Any], category: str = "conditions", text: str = "The cell is cold.",
    name: str | None = None, received_at: dt.datetime | None = None, with_receipt: bool = False,
    channel: str = Channel.LETTER, urgent_danger: bool = False, voice: bytes | None = None,
) -> tuple[Complaint, str]:
    """A complaint sealed as a terminal seals it to the recipients' active keys; returns it and,
    with ``with_receipt``, the receipt's secret digits (to derive the reply identity)."""
    public = list(keys.active_public_keys(recipients).values())
    sealed = seal_document(public_keys=public, category=category, text=text, name=name, urgent_danger=urgent_danger,
                           voice=voice)
    received_at = received_at or timezone.now()
    priority = Priority.URGENT if category == "torture" or urgent_danger else Priority.STANDARD
    complaint = Complaint(
        facility=facility, channel=channel, sealed=sealed.ciphertext, sealed_sha256=sealed.sha256,
        size_bucket=sealed.bucket, priority=priority, received_at=received_at,
        acknowledge_by=deadlines.acknowledge_by(priority=priority, received_at=received_at),
    )
    secret = ""
    if with_receipt:
        receipt, salt = receipts.new_receipt(), receipts.new_salt()
        derived = receipts.derive(receipt.secret, salt)
        complaint.locator, complaint.lookup_salt, complaint.lookup_digest = receipt.locator, salt, derived.lookup_digest
        complaint.reply_recipient = derived.reply_recipient
        secret = receipt.secret
    complaint.save()
    seal_to(complaint, recipients)
    return complaint, secret


def unlock_client(client: Client, user: Any, identities: list[Any]) -> Client:
    """Log ``user`` in on ``client`` with ``identities`` unlocked, as ``keys.unlock`` leaves a session."""
    client.force_login(user)
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    unlocked = keys.store_identities(request, {str(i.to_public()): str(i) for i in identities})
    request.session.save()
    client.cookies[keys.COOKIE] = unlocked.cookie_half
    return client
