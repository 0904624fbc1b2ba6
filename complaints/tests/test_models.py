"""The core complaint models hold their invariants in the database."""

from __future__ import annotations

import hashlib

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints.models import Channel, Complaint, Terminal
from facilities.factories import FacilityFactory

pytestmark = pytest.mark.django_db


def _terminal(facility, key="11"):
    return Terminal.objects.create(
        facility=facility, label="T1", device_public_key=key * 32, transport_public_key="22" * 32,
        registered_at=timezone.now(),
    )


def _complaint(facility, **fields):
    return Complaint.objects.create(
        facility=facility, sealed=b"x", sealed_sha256=hashlib.sha256(b"x").hexdigest(), size_bucket=4096,
        received_at=timezone.now(), **fields,
    )


def test_a_terminal_cannot_deliver_two_complaints_with_one_number():
    facility = FacilityFactory()
    terminal = _terminal(facility)
    _complaint(facility, channel=Channel.TERMINAL, terminal=terminal, terminal_seq=1, locator="12345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        _complaint(facility, channel=Channel.TERMINAL, terminal=terminal, terminal_seq=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        _complaint(facility, channel=Channel.LETTER, locator="12345678")


def test_a_terminal_complaint_needs_its_terminal_and_number_and_a_letter_has_none():
    facility = FacilityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        _complaint(facility, channel=Channel.TERMINAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        _complaint(facility, channel=Channel.LETTER, terminal=_terminal(facility), terminal_seq=3)
    assert _complaint(facility, channel=Channel.LETTER).status == "received"


def test_a_locator_is_eight_digits():
    facility = FacilityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        _complaint(facility, channel=Channel.LETTER, locator="1234abcd")
