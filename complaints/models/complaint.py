"""A complaint as the server holds it: the age ciphertext and minimal routing metadata.

The server never holds the complaint's text, category, the complainant's name or the receipt
code. What it can see: the facility, the channel, the terminal and its sequence number, the
size bucket, who may open it (recipients), whether it is urgent, the receipt's public locator
with the salt and digest of the lookup token, and the reply recipient's public key.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    TERMINAL = "terminal", _("Terminal")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    WEB = "web", _("Web form")


class Priority(models.TextChoices):
    # Torture or ill-treatment, or urgent danger: acknowledged within hours.
    URGENT = "urgent", _("Urgent")
    STANDARD = "standard", _("Standard")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    UNDER_REVIEW = "under_review", _("Under review")
    VISIT_REQUESTED = "visit_requested", _("Visit requested")
    REFERRED_TO_PROSECUTOR = "referred_to_prosecutor", _("Referred to prosecutor")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")


class Complaint(models.Model):
    """One sealed complaint. Its ledger index is asked of ``ledger.interface``, not stored here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="complaints")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    terminal = models.ForeignKey(
        "complaints.Terminal", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    terminal_seq = models.PositiveBigIntegerField(null=True, blank=True)
    # The age ciphertext (binary format), padded on the terminal to a size bucket.
    sealed = models.BinaryField()
    sealed_sha256 = models.CharField(max_length=64)
    size_bucket = models.PositiveIntegerField()
    # One ``ComplaintRecipient`` row per organisation: the link, and the officers' inbox.
    recipients = models.ManyToManyField(
        "accounts.Organisation", related_name="sealed_complaints", through="complaints.ComplaintRecipient"
    )
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.STANDARD)
    # The receipt's public part (8 digits); with the salt and digest of the Argon2id lookup token.
    locator = models.CharField(max_length=8, unique=True, null=True, blank=True)
    lookup_salt = models.BinaryField(max_length=16, null=True, blank=True)
    lookup_digest = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (null with the locator: no receipt)
    # Replies are sealed to this age public key, so only the receipt holder can read them.
    reply_recipient = models.CharField(max_length=100, blank=True, default="")
    received_at = models.DateTimeField()
    status = models.CharField(max_length=32, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_complaints"
    )
    acknowledge_by = models.DateTimeField(null=True, blank=True)
    resolve_by = models.DateTimeField(null=True, blank=True)
    # The version of the signed routing list the terminal sealed to.
    routing_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["terminal", "terminal_seq"], name="complaint_unique_terminal_seq"),
            models.CheckConstraint(
                condition=Q(channel="terminal", terminal__isnull=False, terminal_seq__isnull=False)
                | (~Q(channel="terminal") & Q(terminal__isnull=True, terminal_seq__isnull=True)),
                name="complaint_terminal_iff_channel_terminal",
            ),
            models.CheckConstraint(
                condition=Q(locator__isnull=True) | Q(locator__regex=r"^[0-9]{8}$"), name="complaint_locator_digits"
            ),
            models.CheckConstraint(
                condition=Q(sealed_sha256__regex=r"^[0-9a-f]{64}$"), name="complaint_sealed_sha256_hex"
            ),
        ]
        # (facility, received_at): a facility's complaints and the statistics' counts by facility;
        # received_at: the statistics' counts by month, a range of it each.
        indexes = [models.Index(fields=["facility", "received_at"], name="complaint_facility_received"),
                   models.Index(fields=["received_at"], name="complaint_received")]

    def __str__(self) -> str:
        return f"complaint {self.pk}"
