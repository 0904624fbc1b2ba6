"""What the officers' workspace keeps about a complaint: never its content in clear.

- ``OrganisationKey``: a recipient organisation's age X25519 identity, stored only as an age
  passphrase ciphertext (scrypt); the public key goes into the signed routing list.
- ``Handling``: the officers' non-content metadata (their classification of the category,
  when it was acknowledged and closed, the reason code of a rejection, the escalation level).
  The category is sealed in the complaint; the server counts the officers' classification.
- ``Statement``: a reply to the complainant or an internal note, sealed like the complaint and
  never edited in place (a correction is a new statement).
- ``ComplaintEvent``: every decryption, identity view, status change, assignment, statement,
  escalation and key change, with who and when; each is also a ledger entry.
- ``Alert``: an in-app alert to an officer, carrying no content.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    TORTURE = "torture", _("Torture or ill-treatment")
    HEALTH = "health", _("Health care")
    CONDITIONS = "conditions", _("Conditions of detention")
    FAMILY = "family", _("Contact with family")
    LEGAL_AID = "legal_aid", _("Legal aid")
    REPRISAL = "reprisal", _("Threats or reprisals")
    OTHER = "other", _("Other")


class ReprisalRisk(models.TextChoices):
    """The complainant's own answer about the risk of reprisals (sealed; shown once decrypted)."""

    UNKNOWN = "unknown", _("Not known")
    NONE = "none", _("None")
    SOME = "some", _("Some")
    HIGH = "high", _("High")


class RejectionReason(models.TextChoices):
    OUTSIDE_MANDATE = "outside_mandate", _("Outside the body's mandate")
    DUPLICATE = "duplicate", _("Duplicate of another complaint")
    WITHDRAWN = "withdrawn", _("Withdrawn by the complainant")
    NOT_ENOUGH_DETAIL = "not_enough_detail", _("Not enough detail to act on")
    OTHER = "other", _("Other reason (see the internal note)")


class OrganisationKey(models.Model):
    """One age X25519 identity of a recipient organisation; only the passphrase ciphertext is stored.

    At most one key per organisation is active (``retired_at`` empty): new complaints are sealed
    to it. A rotated-out key is kept, still encrypted, to open the complaints sealed before.
    """

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="complaint_keys")
    public_key = models.CharField(max_length=100, unique=True)
    # age passphrase (scrypt) ciphertext of the identity's "AGE-SECRET-KEY-1..." string.
    encrypted_identity = models.BinaryField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(retired_at__isnull=True), name="one_active_key_per_organisation"
            ),
            models.CheckConstraint(condition=Q(public_key__startswith="age1"), name="organisation_key_is_age"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.public_key[:16]}…"


class Handling(models.Model):
    """The officers' metadata about one complaint (no content): made when it is first handled."""

    complaint = models.OneToOneField(
        "complaints.Complaint", primary_key=True, on_delete=models.PROTECT, related_name="handling"
    )
    # The officers' classification, recorded when they open the complaint: what statistics count.
    category = models.CharField(max_length=16, choices=Category.choices, blank=True, default="")
    classified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # When it was resolved or rejected.
    closed_at = models.DateTimeField(null=True, blank=True)
    # Hours from the complaint's receipt to acknowledged_at and to closed_at, written with them
    # (``handling.change_status``): the statistics' medians read them along their indexes instead
    # of joining every complaint to subtract its receipt.
    hours_to_acknowledge = models.FloatField(null=True, blank=True)
    hours_to_close = models.FloatField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=32, choices=RejectionReason.choices, blank=True, default="")
    # 0: nobody alerted yet; 1: the organisation's supervisors were alerted; ...
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["category"], name="handling_category"),
                   models.Index(fields=["hours_to_acknowledge"], name="handling_hours_to_acknowledge"),
                   models.Index(fields=["hours_to_close"], name="handling_hours_to_close")]

    def __str__(self) -> str:
        return f"handling of {self.complaint_id}"


class StatementKind(models.TextChoices):
    REPLY = "reply", _("Reply to the complainant")
    NOTE = "note", _("Internal note")


class Statement(models.Model):
    """A reply (sealed to the complaint's reply recipient, its recipient organisations and the
    recovery key) or an internal note (sealed to the organisations and the recovery key).

    Never changed once written: the services have no update, and a correction is a new statement.
    """

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, related_name="statements")
    kind = models.CharField(max_length=8, choices=StatementKind.choices)
    sealed = models.BinaryField()
    sealed_sha256 = models.CharField(max_length=64)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(sealed_sha256__regex=r"^[0-9a-f]{64}$"), name="statement_sha256_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} on {self.complaint_id}"


class EventKind(models.TextChoices):
    OPENED = "complaint:opened", _("Opened (decrypted)")
    IDENTITY_SHOWN = "complaint:identity:shown", _("Complainant's identity shown")
    CLASSIFIED = "complaint:classified", _("Classified")
    STATUS_CHANGED = "complaint:status:changed", _("Status changed")
    ASSIGNED = "complaint:assigned", _("Assigned")
    REPLY_SENT = "complaint:reply:sent", _("Reply sent")
    NOTE_ADDED = "complaint:note:added", _("Internal note added")
    REGISTERED = "complaint:registered", _("Registered by an officer")
    ESCALATED = "complaint:escalated", _("Escalated")
    KEY_CREATED = "complaint:key:created", _("Organisation key created")
    KEY_ROTATED = "complaint:key:rotated", _("Organisation key rotated")
    KEY_UNLOCKED = "complaint:key:unlocked", _("Organisation key unlocked")
    KEY_UNLOCK_FAILED = "complaint:key:unlock_failed", _("Wrong passphrase for the organisation key")


def _status_label(value: str) -> str:
    from complaints.models.complaint import ComplaintStatus

    return str(ComplaintStatus(value).label) if value in ComplaintStatus.values else value


# The events that read content: committed to the ledger as access entries.
ACCESS_EVENTS = frozenset({EventKind.OPENED, EventKind.IDENTITY_SHOWN})


class ComplaintEvent(models.Model):
    """One thing an officer (or the deadline job: no actor) did; never holds content.

    ``detail`` holds codes and ids only (status, category code, reason code, level, user id).
    """

    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    at = models.DateTimeField(db_index=True)
    from_status = models.CharField(max_length=32, blank=True, default="")
    to_status = models.CharField(max_length=32, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

    @property
    def from_label(self) -> str:
        return _status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return _status_label(self.to_status)


class AlertKind(models.TextChoices):
    OVERDUE = "overdue", _("A complaint is overdue for acknowledgement")
    SUPPRESSION = "suppression", _("A terminal raised a suppression alarm")


class Alert(models.Model):
    """An in-app alert to one officer; it names the facility and the complaint's link, never content."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complaint_alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    # An alert about an alarm goes with it (alarms are resolved, not deleted, in the product).
    alarm = models.ForeignKey(
        "complaints.TerminalAlarm", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    facility = models.ForeignKey(
        "facilities.Facility", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One alert per person, complaint and escalation level: a re-run of the job adds none.
            models.UniqueConstraint(
                fields=["recipient", "complaint", "level"], condition=Q(complaint__isnull=False),
                name="one_alert_per_complaint_level",
            ),
            models.UniqueConstraint(
                fields=["recipient", "alarm"], condition=Q(alarm__isnull=False), name="one_alert_per_alarm",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} alert to {self.recipient_id}"
