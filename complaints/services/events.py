"""The audit trail of the workspace: every event a row here and an entry in the ledger.

The ledger record holds ids, codes and the time, never content; its scope is None (no facility),
so only national mandates may open it, and never a facility's staff.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent
from complaints.models.handling import ACCESS_EVENTS
from ledger import interface as ledger

ACCESS_KIND = "complaint:access"
HANDLING_KIND = "complaint:handling"


def subject_of(event: ComplaintEvent) -> str:
    return f"complaints.complaintevent:{event.pk}"


def event_record(event: ComplaintEvent) -> dict[str, Any]:
    """What the ledger commits to (JSON values only, no content)."""
    return {
        "id": event.pk,
        "at": event.at.isoformat(),
        "kind": event.kind,
        "complaint": str(event.complaint_id) if event.complaint_id else None,
        "organisation": event.organisation_id,
        "actor": event.actor_id,
        "from": event.from_status,
        "to": event.to_status,
        "detail": event.detail,
    }


def ledger_kind(event: ComplaintEvent) -> str:
    return ACCESS_KIND if event.kind in ACCESS_EVENTS else HANDLING_KIND


@transaction.atomic
def record_event(
    *, kind: str, complaint: Complaint | None, actor: Any, organisation: Any = None,
    from_status: str = "", to_status: str = "", detail: dict[str, Any] | None = None,
) -> ComplaintEvent:
    """Write the event and its ledger entry in the caller's transaction."""
    if organisation is None and actor is not None:
        organisation = actor.organisation
    event = ComplaintEvent.objects.create(
        complaint=complaint, organisation=organisation, actor=actor, kind=kind, at=timezone.now(),
        from_status=from_status, to_status=to_status, detail=detail or {},
    )
    ledger.record(kind=ledger_kind(event), record=event_record(event), scope=None, subject=subject_of(event))
    return event
