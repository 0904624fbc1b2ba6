"""Evidence files (photos, documents): checked by content, committed to the ledger."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceStorage(FileSystemStorage):
    """Files under settings.VISITS_EVIDENCE_ROOT (default var/evidence), read when used, not at import."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(getattr(settings, "VISITS_EVIDENCE_ROOT", settings.VAR_DIR / "evidence"))

    @property
    def location(self) -> str:  # type: ignore[override]
        import os

        return os.path.abspath(self.base_location)


def evidence_storage() -> EvidenceStorage:
    return EvidenceStorage()


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("photo")
    DOCUMENT = "document", _("document")


class Evidence(models.Model):
    visit = models.ForeignKey("visits.Visit", on_delete=models.CASCADE, related_name="evidence")
    indicator = models.ForeignKey("visits.Indicator", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    kind = models.CharField(max_length=16, choices=EvidenceKind.choices)
    file = models.FileField(storage=evidence_storage, upload_to="visits/%Y/%m/", max_length=255)
    # Sniffed from the bytes, never taken from the name or the upload's header.
    content_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    # SHA-256 of the stored bytes (after metadata stripping): what the ledger commits to.
    sha256 = models.CharField(max_length=64)
    # True only when a monitor kept the location metadata on purpose (e.g. to prove where a photo was taken).
    kept_location = models.BooleanField(_("location metadata kept"), default=False)
    description = models.CharField(_("description"), max_length=500, blank=True, default="")
    device_id = models.UUIDField(unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    ledger_record = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["visit_id", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidence_sha256_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.sha256[:12]}"
