"""A follow-up message from the complainant (at a terminal, or a relative on the public form).

Sealed like the complaint (to its recipient organisations and the recovery key); the server
keeps the ciphertext only. Officers' replies are ``handling.Statement`` rows.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from complaints.models.complaint import Channel


class ComplaintMessage(models.Model):
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    terminal = models.ForeignKey(
        "complaints.Terminal", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    terminal_seq = models.PositiveBigIntegerField(null=True, blank=True)
    sealed = models.BinaryField()
    sealed_sha256 = models.CharField(max_length=64)
    size_bucket = models.PositiveIntegerField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["terminal", "terminal_seq"], name="message_unique_terminal_seq"),
            models.CheckConstraint(
                condition=Q(sealed_sha256__regex=r"^[0-9a-f]{64}$"), name="message_sealed_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} on {self.complaint_id}"
