"""The officers' actions on a complaint: open, show identity, classify, status, assign, reply, note.

Every function takes the acting officer (``by``), checks that the complaint is theirs to handle
(``complaints_for``: otherwise ``Complaint.DoesNotExist``, a 404), validates, writes, and records
its audit row and ledger entry in one transaction. Decrypting needs the identities the officer's
session unlocked; they are passed in and never stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import keys
from complaints.models import (
    Category,
    Complaint,
    ComplaintStatus,
    EventKind,
    Handling,
    RejectionReason,
    Statement,
    StatementKind,
)
from complaints.models.recipient import refresh_inbox
from complaints.selectors import complaint_for, complaints_for
from complaints.services import sealing
from complaints.services.events import record_event

S = ComplaintStatus
# The state machine: from each status, the statuses it may move to. Resolved and rejected are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.ACKNOWLEDGED, S.REJECTED}),
    S.ACKNOWLEDGED: frozenset({S.UNDER_REVIEW, S.REJECTED}),
    S.UNDER_REVIEW: frozenset({S.VISIT_REQUESTED, S.REFERRED_TO_PROSECUTOR, S.RESOLVED, S.REJECTED}),
    S.VISIT_REQUESTED: frozenset({S.UNDER_REVIEW, S.REFERRED_TO_PROSECUTOR, S.RESOLVED, S.REJECTED}),
    S.REFERRED_TO_PROSECUTOR: frozenset({S.UNDER_REVIEW, S.RESOLVED, S.REJECTED}),
    S.RESOLVED: frozenset(),
    S.REJECTED: frozenset(),
}
CLOSED = frozenset({S.RESOLVED, S.REJECTED})


class TransitionRefused(ValidationError):
    """The status cannot change this way; the message says which changes are possible."""


def next_statuses(status: str) -> list[str]:
    """The statuses a complaint in ``status`` may move to, in the order of ComplaintStatus."""
    return [value for value in S.values if value in TRANSITIONS.get(status, frozenset())]


def _locked(complaint: Complaint, by: Any) -> Complaint:
    complaint_for(by, complaint.pk)  # raises DoesNotExist outside the officer's reach
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _handling(complaint: Complaint) -> Handling:
    handling, _created = Handling.objects.get_or_create(complaint=complaint)
    return handling


# --- Reading ---------------------------------------------------------------------------------


@dataclass
class OpenedStatement:
    """A reply or note (``Statement``) or a later message from the complainant (``ComplaintMessage``)."""

    statement: Any
    at: Any
    text: str
    readable: bool

    @property
    def from_complainant(self) -> bool:
        return not isinstance(self.statement, Statement)


def _open_statement(item: Any, at: Any, identities: Sequence[Any]) -> OpenedStatement:
    try:
        return OpenedStatement(item, at, str(sealing.open_sealed(item.sealed, identities).get("text", "")), True)
    except sealing.CannotOpen:
        return OpenedStatement(item, at, "", False)


@dataclass
class Opened:
    """A complaint decrypted for one request. The name is withheld unless ``show_identity`` asked."""

    complaint: Complaint
    document: dict[str, Any]
    statements: list[OpenedStatement] = field(default_factory=list)

    @property
    def named(self) -> bool:
        return not self.document.get("anonymous", True) and bool(self.document.get("name"))

    @property
    def category(self) -> str:
        value = self.document.get("category")
        return value if value in Category.values else Category.OTHER

    @property
    def filed_at(self) -> Any:
        """When the complainant filed it (the terminal's clock), or None if unreadable."""
        import datetime as dt

        try:
            return dt.datetime.fromisoformat(str(self.document.get("filed_at")))
        except ValueError:
            return None

    @property
    def reprisal_risk(self) -> str:
        from complaints.models.handling import ReprisalRisk

        value = self.document.get("reprisal_risk")
        return str(ReprisalRisk(value).label if value in ReprisalRisk.values else ReprisalRisk.UNKNOWN.label)


@transaction.atomic
def open_complaint(*, complaint: Complaint, by: Any, identities: Sequence[Any]) -> Opened:
    """Decrypt the complaint and its statements for this request; logged as an access.

    The first officer to open it records its category (from the sealed complaint) as the
    officers' classification: non-content metadata the statistics count (another officer may
    correct it with ``classify``). Raises ``sealing.CannotOpen`` when the session holds no key
    that opens it (nothing is logged then, since nothing was read).
    """
    complaint = complaint_for(by, complaint.pk)
    document = sealing.open_sealed(complaint.sealed, identities)
    opened = Opened(complaint=complaint, document=document)
    for statement in complaint.statements.select_related("author", "organisation"):
        opened.statements.append(_open_statement(statement, statement.created_at, identities))
    for message in complaint.messages.all():
        opened.statements.append(_open_statement(message, message.received_at, identities))
    opened.statements.sort(key=lambda item: item.at)
    record_event(kind=EventKind.OPENED, complaint=complaint, actor=by,
                 detail={"statements": len(opened.statements)})
    handling = _handling(complaint)
    if not handling.category:
        handling.category, handling.classified_at = opened.category, timezone.now()
        handling.save(update_fields=["category", "classified_at"])
        record_event(kind=EventKind.CLASSIFIED, complaint=complaint, actor=by, detail={"category": handling.category})
    return opened


@transaction.atomic
def voice_recording(*, complaint: Complaint, by: Any, identities: Sequence[Any]) -> bytes:
    """The complaint's voice recording, decrypted for this request; logged as an access."""
    import base64

    complaint = complaint_for(by, complaint.pk)
    document = sealing.open_sealed(complaint.sealed, identities)
    if not document.get("voice"):
        raise ValidationError({"voice": _("This complaint has no voice recording.")})
    record_event(kind=EventKind.OPENED, complaint=complaint, actor=by, detail={"voice": True})
    return base64.b64decode(document["voice"])


@transaction.atomic
def show_identity(*, complaint: Complaint, by: Any, identities: Sequence[Any]) -> str:
    """The named complainant's name, for the officer who asked; the viewing is logged."""
    complaint = complaint_for(by, complaint.pk)
    document = sealing.open_sealed(complaint.sealed, identities)
    if document.get("anonymous", True) or not document.get("name"):
        raise ValidationError({"identity": _("This complaint was filed anonymously.")})
    record_event(kind=EventKind.IDENTITY_SHOWN, complaint=complaint, actor=by)
    return str(document["name"])


@transaction.atomic
def classify(*, complaint: Complaint, category: str, by: Any) -> Handling:
    """Record the officers' classification of the complaint's category (non-content metadata)."""
    complaint = _locked(complaint, by)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose one of the categories.")})
    handling = _handling(complaint)
    if handling.category == category:
        return handling
    handling.category, handling.classified_at = category, timezone.now()
    handling.save(update_fields=["category", "classified_at"])
    record_event(kind=EventKind.CLASSIFIED, complaint=complaint, actor=by, detail={"category": category})
    return handling


# --- Status, assignment ---------------------------------------------------------------------------


@transaction.atomic
def change_status(*, complaint: Complaint, to: str, by: Any, reason: str = "") -> Complaint:
    """Move the complaint along the state machine; a rejection needs a reason code."""
    complaint = _locked(complaint, by)
    current = complaint.status
    if to not in S.values:
        raise TransitionRefused({"status": _("Unknown status.")})
    if to not in TRANSITIONS[current]:
        allowed = ", ".join(str(S(value).label) for value in next_statuses(current))
        if allowed:
            message = _("A complaint that is “%(current)s” cannot become “%(to)s”. It can become: %(allowed)s.")
        else:
            message = _("A complaint that is “%(current)s” is closed; its status cannot change to “%(to)s”.")
        raise TransitionRefused({"status": message % {
            "current": S(current).label, "to": S(to).label, "allowed": allowed}})
    if to == S.REJECTED and reason not in RejectionReason.values:
        raise TransitionRefused({"reason": _("Say why the complaint is rejected.")})
    now = timezone.now()
    complaint.status = to
    complaint.save(update_fields=["status"])
    refresh_inbox(complaint, "status")
    handling = _handling(complaint)
    if to == S.ACKNOWLEDGED and handling.acknowledged_at is None:
        handling.acknowledged_at = now
    if to in CLOSED:
        handling.closed_at = now
        if handling.acknowledged_at is None:
            handling.acknowledged_at = now  # a decision answers the complaint too
    handling.hours_to_acknowledge = hours_after_receipt(complaint, handling.acknowledged_at)
    handling.hours_to_close = hours_after_receipt(complaint, handling.closed_at)
    if to == S.REJECTED:
        handling.rejection_reason = reason
    handling.save()
    record_event(kind=EventKind.STATUS_CHANGED, complaint=complaint, actor=by, from_status=current, to_status=to,
                 detail={"reason": reason} if to == S.REJECTED else {})
    return complaint


def hours_after_receipt(complaint: Complaint, moment: Any) -> float | None:
    """Hours from the complaint's receipt to ``moment`` (None for none): what the statistics' medians count."""
    return None if moment is None else (moment - complaint.received_at).total_seconds() / 3600


@transaction.atomic
def assign(*, complaint: Complaint, to: Any, by: Any) -> Complaint:
    """Give the complaint to an officer who may handle it (``to`` None: nobody)."""
    complaint = _locked(complaint, by)
    if to is not None and not complaints_for(to).filter(pk=complaint.pk).exists():
        raise ValidationError({"assigned_to": _("This person may not handle this complaint.")})
    if complaint.assigned_to_id == (to.pk if to else None):
        return complaint
    before = complaint.assigned_to_id
    complaint.assigned_to = to
    complaint.save(update_fields=["assigned_to"])
    refresh_inbox(complaint, "assigned_to_id")
    record_event(kind=EventKind.ASSIGNED, complaint=complaint, actor=by,
                 detail={"from": before, "to": to.pk if to else None})
    return complaint


def assignable(complaint: Complaint) -> list[Any]:
    """The people who may be given this complaint."""
    from accounts.models import User

    people = User.objects.filter(is_active=True, organisation__in=complaint.recipients.all()).order_by("username")
    return [person for person in people if complaints_for(person).filter(pk=complaint.pk).exists()]


# --- Replies and notes --------------------------------------------------------------------------


def organisation_recipients(complaint: Complaint) -> list[str]:
    """The active public keys of the complaint's recipient organisations, and the recovery key."""
    return [*keys.active_public_keys(complaint.recipients.all()).values(), keys.recovery_recipient()]


@transaction.atomic
def _statement(*, complaint: Complaint, by: Any, kind: str, text: str) -> Statement:
    complaint = _locked(complaint, by)
    now = timezone.now()
    document = sealing.statement_document(kind=kind, text=text, by_organisation=by.organisation.code, sent_at=now)
    recipients = organisation_recipients(complaint)
    if kind == StatementKind.REPLY:
        if not complaint.reply_recipient:
            raise ValidationError({"text": _("This complaint has no receipt, so a reply cannot reach the "
                                             "complainant here; write to them and add an internal note.")})
        recipients.insert(0, complaint.reply_recipient)
    sealed = sealing.seal_json(document, recipients)
    statement = Statement.objects.create(
        complaint=complaint, kind=kind, sealed=sealed.ciphertext, sealed_sha256=sealed.sha256, author=by,
        organisation=by.organisation, created_at=now,
    )
    record_event(kind=EventKind.REPLY_SENT if kind == StatementKind.REPLY else EventKind.NOTE_ADDED,
                 complaint=complaint, actor=by, detail={"statement": statement.pk, "sha256": statement.sealed_sha256})
    return statement


def send_reply(*, complaint: Complaint, by: Any, text: str) -> Statement:
    """A reply the complainant reads with their receipt (sealed to the reply key, the bodies, recovery)."""
    return _statement(complaint=complaint, by=by, kind=StatementKind.REPLY, text=text)


def add_note(*, complaint: Complaint, by: Any, text: str) -> Statement:
    """An internal note, sealed to the recipient bodies and the recovery key only."""
    return _statement(complaint=complaint, by=by, kind=StatementKind.NOTE, text=text)
