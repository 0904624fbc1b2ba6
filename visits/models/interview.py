"""People interviewed in private: a pseudonym, and notes sealed to the visiting body."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SealingKey(models.Model):
    """A body's age public key (X25519 recipient). The identity (private key) never reaches the server:
    sealed notes open with `age -d -i <identity>` at the body."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="sealing_keys")
    recipient = models.CharField(max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation"], condition=models.Q(retired_at__isnull=True),
                                    name="one_live_sealing_key_per_organisation"),
        ]

    def __str__(self) -> str:
        return self.recipient[:20]


class NotesState(models.TextChoices):
    NONE = "none", _("no notes")
    SEALED = "sealed", _("sealed to the visiting body")
    WITHHELD = "withheld", _("not stored: the visiting body has no sealing key")


class Interview(models.Model):
    """An interview held in private. The interviewee is a pseudonym (`label`, e.g. "P-03"), never a name."""

    visit = models.ForeignKey("visits.Visit", on_delete=models.CASCADE, related_name="interviews")
    label = models.CharField(_("pseudonym"), max_length=32)
    in_private = models.BooleanField(_("held in private"), default=True)
    notes_state = models.CharField(max_length=16, choices=NotesState.choices, default=NotesState.NONE)
    # The age ciphertext (binary format) of the notes; empty unless sealed.
    sealed_notes = models.BinaryField(blank=True, default=b"")
    sealed_to = models.ForeignKey(SealingKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Asked for a check on this person at the next visit (reprisals).
    follow_up = models.BooleanField(_("check on at the next visit"), default=True)
    device_id = models.UUIDField(unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visit_id", "label"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "label"], name="interview_label_unique_in_visit"),
            models.CheckConstraint(
                condition=~models.Q(notes_state="sealed") | models.Q(sealed_to__isnull=False),
                name="sealed_notes_name_their_key",
            ),
        ]

    def __str__(self) -> str:
        return self.label
