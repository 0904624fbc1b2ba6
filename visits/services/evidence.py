"""Evidence files: the type is read from the bytes (Pillow for photos, the PDF signature), never
from the name; photos lose their EXIF (location included) unless a monitor keeps it on purpose;
the SHA-256 of what is stored is committed to the ledger (`visit:evidence`)."""

from __future__ import annotations

import hashlib
import io
import struct
import uuid
import warnings
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ledger import interface as ledger
from lib import faultpoints
from visits.models import Evidence, EvidenceKind, Indicator, Visit, VisitAction
from visits.services.common import audit, device_uuid, ensure_can_record, plain_text

LEDGER_KIND = "visit:evidence"
PHOTO_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 60_000_000


def max_bytes() -> int:
    return int(getattr(settings, "VISITS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))


def _photo(data: bytes, keep_location: bool) -> tuple[bytes, str, str] | None:
    """(bytes to store, content type, extension) if `data` is a photo Pillow reads; None if it is not an image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError({"file": _("This image is too large (more than 60 megapixels).")})
                probe.verify()
            if kind not in PHOTO_FORMATS:
                raise ValidationError({"file": _("Photos are accepted as JPEG, PNG or WebP.")})
            if keep_location:
                return data, *PHOTO_FORMATS[kind]
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                out = io.BytesIO()
                # Saved without exif, XMP or comments: no location, camera serial or time stamps remain.
                params: dict[str, Any] = {"quality": 92} if kind in ("JPEG", "WEBP") else {}
                if kind == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
                    upright = upright.convert("RGB")
                upright.save(out, format=kind, **params)
            return out.getvalue(), *PHOTO_FORMATS[kind]
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    except ValidationError:
        raise
    # Pillow's decoders raise IndexError or struct.error on some crafted or truncated files.
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error):
        raise ValidationError({"file": _("This image is damaged and cannot be read.")}) from None


def sniff(data: bytes, *, keep_location: bool = False) -> tuple[bytes, str, str, str]:
    """(bytes to store, content type, extension, kind) read from the content; ValidationError if not accepted."""
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise ValidationError({"file": _("This PDF is incomplete.")})
        return data, "application/pdf", "pdf", EvidenceKind.DOCUMENT
    photo = _photo(data, keep_location)
    if photo is None:
        raise ValidationError({"file": _("Only photos (JPEG, PNG, WebP) and PDF documents are accepted; "
                                         "this file is neither, whatever its name says.")})
    return (*photo, EvidenceKind.PHOTO)


def evidence_record(evidence: Evidence) -> dict[str, Any]:
    """What the ledger commits to: the file's hash and its place in the record, no names."""
    return {"id": evidence.pk, "visit": evidence.visit_id, "sha256": evidence.sha256, "size": evidence.size,
            "content_type": evidence.content_type, "kept_location": evidence.kept_location,
            "day": evidence.at.date().isoformat()}


def read_upload(upload: Any) -> bytes:
    """The bytes of an upload (bytes or a file), refused beyond the size limit before reading it all."""
    limit = max_bytes()
    too_large = False
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    elif (getattr(upload, "size", 0) or 0) > limit:
        data, too_large = b"", True
    else:
        data = upload.read(limit + 1)
    if too_large or len(data) > limit:
        raise ValidationError({"file": _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}})
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    return data


@transaction.atomic
def add_evidence(*, visit: Visit, by: Any, upload: Any, description: str = "", keep_location: bool = False,
                 indicator: str | None = None, device_id: Any = None) -> Evidence:
    """Store an evidence file of the visit and commit its hash to the ledger, in one transaction.

    The same device id twice is one file. Raises ValidationError {"file": why} for a file of the
    wrong type (by content), too large, damaged or empty; nothing is stored then.
    """
    device_id = device_uuid(device_id)
    existing = Evidence.objects.filter(device_id=device_id).first()
    if existing is not None:
        if existing.visit_id != visit.pk:
            raise ValidationError({"device_id": _("This device id belongs to another record.")})
        return existing
    ensure_can_record(visit=visit, by=by)
    if not isinstance(keep_location, bool):
        raise ValidationError({"keep_location": _("Answer yes or no.")})
    description = plain_text(description, field="description", max_length=500)
    indicator_row = None
    if indicator:
        indicator_row = Indicator.objects.filter(catalogue_id=visit.catalogue_id, code=indicator).first()
        if indicator_row is None:
            raise ValidationError({"indicator": _("This question is not on this visit's checklist.")})
    stored, content_type, extension, kind = sniff(read_upload(upload), keep_location=keep_location)
    evidence = Evidence(visit=visit, indicator=indicator_row, kind=kind, content_type=content_type,
                        size=len(stored), sha256=hashlib.sha256(stored).hexdigest(), kept_location=keep_location,
                        description=description, device_id=device_id, by=by, at=timezone.now())
    evidence.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(stored), save=False)
    name = evidence.file.name
    try:
        faultpoints.reached("visits:evidence:file_written")
        evidence.save()
        recorded = ledger.record(kind=LEDGER_KIND, record=evidence_record(evidence), scope=visit.facility_id,
                                 subject=f"visits.evidence:{evidence.pk}")
        evidence.ledger_record = recorded.id
        evidence.save(update_fields=["ledger_record"])
        audit(visit=visit, by=by, action=VisitAction.EVIDENCE, evidence=evidence.pk, sha256=evidence.sha256)
    except BaseException:
        evidence.file.storage.delete(name)
        raise
    return evidence
