"""Test helpers for the workspace: organisation keys, sealed complaints, an unlocked session.

scrypt makes every passphrase encryption and decryption cost about a second, so the encrypted
identities are made once per process and reused; tests that are not about unlocking put the
identities in the session the way ``keys.unlock`` does (``unlock_client``), without scrypt.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import pyrage
from django.test import Client, RequestFactory
from django.utils import timezone

from complaints import keys
from complaints.models import Channel, Complaint, OrganisationKey, Priority
from complaints.services import deadlines
from custodywatch_terminal import receipts
from custodywatch_terminal import sealing as terminal_sealing

PASSPHRASE = "test passphrase for sealed complaints"  # noqa: S105 (tests only)


@lru_cache(maxsize=16)
def _material(slot: int) -> tuple[str, bytes]:
    identity = pyrage.x25519.Identity.generate()
    return str(identity), pyrage.passphrase.encrypt(str(identity).encode("ascii"), PASSPHRASE)


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
                  language: str = "ru") -> terminal_sealing.Sealed:
    document = terminal_sealing.Complaint(
        category=category, text=text, filed_at=timezone.now(), language=language, anonymous=name is None,
        name=name, minor=minor, urgent_danger=urgent_danger,
    )
    return terminal_sealing.seal(document, public_keys)


def make_complaint(
    *, facility: Any, recipients: list[Any], category: str = "conditions", text: str = "The cell is cold.",
    name: str | None = None, received_at: dt.datetime | None = None, with_receipt: bool = False,
    channel: str = Channel.LETTER, urgent_danger: bool = False,
) -> tuple[Complaint, str]:
    """A complaint sealed as a terminal seals it to the recipients' active keys; returns it and,
    with ``with_receipt``, the receipt's secret digits (to derive the reply identity)."""
    public = list(keys.active_public_keys(recipients).values())
    sealed = seal_document(public_keys=public, category=category, text=text, name=name, urgent_danger=urgent_danger)
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
    complaint.recipients.set(recipients)
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
