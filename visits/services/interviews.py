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


@transaction.atomic
def record_interview(*, visit: Visit, by: Any, label: str, notes: str = "", in_private: bool = True,
                     follow_up: bool = True, device_id: Any = None) -> Interview:
    """Record an interview under a pseudonym; notes are sealed to the visiting body's key.

    Without a key the notes are not stored at all (the record says so): never kept readable.
    The same device id twice is one interview.
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
    if notes:
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
