"""Interviews held in private: the interviewee is a pseudonym, the notes are sealed (age, X25519)
to the visiting body's key at once, so the server never keeps them readable."""

from __future__ import annotations

import re
from typing import Any

import pyrage
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.models import Interview, NotesState, SealingKey, Visit, VisitAction
from visits.services.common import audit, device_uuid, ensure_can_record, plain_text

MAX_NOTES = 50_000
# Notes sealed in the browser (visits/static offline.js): an age file, at most the notes' size plus headroom.
AGE_HEADER = b"age-encryption.org/v1\n"
MAX_SEALED = 4 * MAX_NOTES + 4096
# A pseudonym has a digit and no spaces ("P-03", "Ж-12"): a person's name never fits it.
PSEUDONYM = re.compile(r"^(?=.*\d)[^\W_][\w-]{0,31}$")


def live_key(organisation_id: int) -> SealingKey | None:
    return SealingKey.objects.filter(organisation_id=organisation_id, retired_at__isnull=True).first()


def seal(notes: str, key: SealingKey) -> bytes:
    """The notes as an age file to the key's recipient (opens with `age -d -i IDENTITY`)."""
    return pyrage.encrypt(notes.encode("utf-8"), [pyrage.x25519.Recipient.from_str(key.recipient)])


@transaction.atomic
def register_sealing_key(*, organisation: Any, recipient: str, by: Any = None) -> SealingKey:
    """Make `recipient` (an age public key, age1...) the body's key for interview notes; the old one is retired."""
    try:
        pyrage.x25519.Recipient.from_str(recipient.strip())
    except (pyrage.RecipientError, ValueError, TypeError):
        raise ValidationError({"recipient": _("is not an age public key (age1...).")}) from None
    SealingKey.objects.filter(organisation=organisation, retired_at__isnull=True).update(retired_at=timezone.now())
    return SealingKey.objects.create(organisation=organisation, recipient=recipient.strip())


def check_sealed(sealed: Any, key: SealingKey | None) -> bytes:
    """Notes the device sealed itself: an age file with one X25519 recipient stanza, to the body's live key.

    The server cannot open it (it has no identity), nor tell from the file which public key it was sealed
    to (age stanzas are anonymous); the page seals to the key it was given, `live_key`, and the body's
    identity opens it (visits/tests/test_client_sealed_notes.py checks this with pyrage).
    """
    if key is None:
        raise ValidationError({"sealed_notes": _("The visiting body has no key for interview notes.")})
    if not isinstance(sealed, bytes | bytearray) or not sealed:
        raise ValidationError({"sealed_notes": _("Send the sealed notes as an age file.")})
    if len(sealed) > MAX_SEALED:
        raise ValidationError({"sealed_notes": _("The sealed notes are too large.")})
    head = bytes(sealed[:512])
    if not head.startswith(AGE_HEADER) or b"\n-> X25519 " not in b"\n" + head[len(AGE_HEADER):]:
        raise ValidationError({"sealed_notes": _("is not an age file sealed to an X25519 key.")})
    if b"\n---" not in bytes(sealed[:4096]):
        raise ValidationError({"sealed_notes": _("is not an age file sealed to an X25519 key.")})
    return bytes(sealed)


@transaction.atomic
def record_interview(*, visit: Visit, by: Any, label: str, notes: str = "", in_private: bool = True,
                     follow_up: bool = True, device_id: Any = None, sealed_notes: bytes | None = None) -> Interview:
    """Record an interview under a pseudonym; notes are sealed to the visiting body's key.

    Notes come typed (sealed here) or already sealed by the device (`sealed_notes`, an age file: the
    notes were never in clear on the device's storage); not both. Without a key the notes are not
    stored at all (the record says so): never kept readable. The same device id twice is one interview.
    """
    device_id = device_uuid(device_id)
    existing = Interview.objects.filter(device_id=device_id).first()
    if existing is not None:
        if existing.visit_id != visit.pk:
            raise ValidationError({"device_id": _("This device id belongs to another record.")})
        return existing
    ensure_can_record(visit=visit, by=by)
    label = plain_text(label, field="label", max_length=32, required=True)
    if not PSEUDONYM.match(label):
        raise ValidationError({"label": _("Use a pseudonym with a number and no spaces, such as P-03, never a name.")})
    if visit.interviews.filter(label=label).exists():
        raise ValidationError({"label": _("This pseudonym is already used on this visit.")})
    notes = plain_text(notes, field="notes", max_length=MAX_NOTES)
    if not isinstance(in_private, bool) or not isinstance(follow_up, bool):
        raise ValidationError({"in_private": _("Answer yes or no.")})
    interview = Interview(visit=visit, label=label, in_private=in_private, follow_up=follow_up,
                          device_id=device_id, by=by)
    if sealed_notes is not None:
        if notes:
            raise ValidationError({"notes": _("Send the notes either typed or sealed, not both.")})
        key = live_key(visit.organisation_id)
        interview.sealed_notes = check_sealed(sealed_notes, key)
        interview.notes_state, interview.sealed_to = NotesState.SEALED, key
    elif notes:
        key = live_key(visit.organisation_id)
        if key is None:
            interview.notes_state = NotesState.WITHHELD
        else:
            interview.notes_state = NotesState.SEALED
            interview.sealed_notes = seal(notes, key)
            interview.sealed_to = key
    interview.save()
    audit(visit=visit, by=by, action=VisitAction.INTERVIEW, interview=interview.pk, notes=interview.notes_state)
    return interview
