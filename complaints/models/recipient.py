"""Who a complaint was sealed to, one row per recipient organisation: the officers' inbox.

The row is the ``Complaint.recipients`` link and carries copies of the complaint's columns the
inbox filters and orders by, so an inbox page is read from one index of this table
(organisation, then the filter, then ``received_at``) without touching the complaints: at
100,000 complaints a join and sort per page is far too slow. The copies are written in one
place, ``inbox_copy`` at sealing and ``refresh_inbox`` in the same transaction as every change
of a copied column (``complaints.services``); ``inbox_drift`` finds a row that disagrees.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q, QuerySet

from complaints.models.complaint import Complaint, ComplaintStatus, Priority

# The complaint's columns the row copies (attribute names; foreign keys by their ``_id``).
COPIED = ("facility_id", "received_at", "priority", "status", "acknowledge_by", "assigned_to_id")


class ComplaintRecipient(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="inbox_rows")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    # Copies of the complaint's columns (see COPIED).
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    priority = models.CharField(max_length=16, choices=Priority.choices)
    status = models.CharField(max_length=32, choices=ComplaintStatus.choices)
    acknowledge_by = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "organisation"], name="complaint_recipient_unique"),
        ]
        # Each filter of the inbox pages along its own index, already in received_at order; the
        # trailing columns (the mandate's facility, the overdue test's deadline) let the page's
        # count be read from the index alone. ``inbox_status`` serves the overdue filter too. On
        # PostgreSQL the pages of everything and of a facility or region (a few facilities' rows,
        # sorted) are read from the index alone too (INCLUDE id and complaint; SQLite ignores it).
        indexes = [
            models.Index(fields=["organisation", "received_at", "facility"], name="inbox_received",
                         include=["id", "complaint"]),
            models.Index(fields=["organisation", "facility", "received_at"], name="inbox_facility",
                         include=["id", "complaint"]),
            models.Index(fields=["organisation", "status", "received_at", "facility", "acknowledge_by"],
                         name="inbox_status"),
            models.Index(fields=["organisation", "priority", "status", "received_at", "facility"],
                         name="inbox_priority"),
            models.Index(fields=["organisation", "assigned_to", "received_at", "facility"], name="inbox_assigned"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} to {self.organisation_id}"


def inbox_copy(complaint: Complaint) -> dict[str, Any]:
    """The copied columns of ``complaint``: ``through_defaults`` when its recipients are set."""
    return {name: getattr(complaint, name) for name in COPIED}


def seal_to(complaint: Complaint, organisations: Iterable[Any]) -> None:
    """Record that ``complaint``, just stored, was sealed to ``organisations`` (its inbox rows with
    their copies). A complaint is sealed once: a second call fails on the unique constraint."""
    copy = inbox_copy(complaint)
    ComplaintRecipient.objects.bulk_create([
        ComplaintRecipient(complaint_id=complaint.pk, organisation_id=organisation.pk, **copy)
        for organisation in dict.fromkeys(organisations)])


def refresh_inbox(complaint: Complaint, *names: str) -> None:
    """Copy the complaint's columns ``names`` (default: all) to its inbox rows; call it in the
    transaction that changed them."""
    names = names or COPIED
    unknown = set(names) - set(COPIED)
    if unknown:
        raise ValueError(f"not copied to the inbox: {sorted(unknown)}")
    ComplaintRecipient.objects.filter(complaint_id=complaint.pk).update(
        **{name: getattr(complaint, name) for name in names})


def inbox_drift() -> QuerySet[ComplaintRecipient]:
    """Inbox rows whose copies disagree with their complaint (none, while every writer refreshes)."""
    differs = Q()
    for name in COPIED:
        theirs = f"complaint__{name}"
        differs |= (Q(**{name: F(theirs)}, _negated=True) & Q(**{f"{name}__isnull": False, f"{theirs}__isnull": False})
                    | Q(**{f"{name}__isnull": True, f"{theirs}__isnull": False})
                    | Q(**{f"{name}__isnull": False, f"{theirs}__isnull": True}))
    return ComplaintRecipient.objects.filter(differs)
