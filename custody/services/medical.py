"""Recording a medical examination: validated, sealed to the oversight bodies, photos committed.

``record_examination`` validates everything (the same rules for the form and any other caller),
seals the record and each photo with age (custody.sealing), commits each photo's SHA-256 to the
ledger (``custody:photo``) and, when injuries were found, queues the notification of the bodies it
is sealed to. The facility keeps only that an examination took place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import Capability, require
from custody import bodychart, sealing
from custody.models import Consistency, Examination, ExaminationOccasion, InjuryPhoto, InjuryType
from facilities import text_rules
from facilities.models import Facility
from facilities.services import ensure_within_mandate
from ledger import interface as ledger

PHOTO_KIND = "custody:photo"
MAX_PHOTO_BYTES = 8 * 1024 * 1024
INJURY_FIELDS = ("region", "type", "size_cm", "shape", "colour", "estimated_age", "description")


def _text(value: Any, name: str, errors: dict[str, str], *, max_length: int = 2000, required: bool = False) -> str:
    try:
        return text_rules.text("" if value is None else str(value), max_length=max_length, required=required)
    except text_rules.RuleError as e:
        errors[name] = str(e)
        return ""


def clean_injury(raw: Mapping[str, Any], n: int, errors: dict[str, str]) -> dict[str, Any]:
    where = f"injuries[{n}]"
    out: dict[str, Any] = {}
    if raw.get("region") not in bodychart.REGIONS:
        errors[f"{where}.region"] = _("Choose a region on the body chart.")
    out["region"] = raw.get("region")
    if raw.get("type") not in InjuryType.values:
        errors[f"{where}.type"] = _("Choose the type of injury.")
    out["type"] = raw.get("type")
    size = raw.get("size_cm")
    out["size_cm"] = None
    if size not in (None, ""):
        try:
            value = Decimal(str(size))
            if not (value.is_finite() and 0 < value <= 200):
                raise InvalidOperation
            out["size_cm"] = str(value)
        except (InvalidOperation, ValueError):
            errors[f"{where}.size_cm"] = _("A size in centimetres, more than 0 and at most 200.")
    for name in ("shape", "colour", "estimated_age", "description"):
        out[name] = _text(raw.get(name), f"{where}.{name}", errors, max_length=500)
    return out


@transaction.atomic
def record_examination(
    *, by: Any, facility: Facility, occasion: str, examined_at: dt.datetime, examiner: str,
    examiner_independent: bool, staff_could_hear: bool, interpreter: str, consent: bool, account: str,
    injuries: Sequence[Mapping[str, Any]], consistency: str, alternative_causes: str, treatment: str,
    reported_to: str, reported_at: dt.datetime | None, involves_minor: bool, record_id: str = "",
    photos: Sequence[bytes] = (), now: dt.datetime | None = None,
) -> Examination:
    """Seal and store one examination; raises ValidationError naming each bad field."""
    now = now or timezone.now()
    require(by, Capability.RECORD_MEDICAL_EXAMINATION)
    ensure_within_mandate(by=by, facility=facility)
    errors: dict[str, str] = {}
    if occasion not in ExaminationOccasion.values:
        errors["occasion"] = _("Choose the occasion of the examination.")
    if examined_at.tzinfo is None or examined_at > now + dt.timedelta(minutes=10):
        errors["examined_at"] = _("The examination cannot be in the future.")
    examiner = _text(examiner, "examiner", errors, max_length=200, required=True)
    interpreter = _text(interpreter, "interpreter", errors, max_length=200)
    account = _text(account, "account", errors, max_length=10000)
    alternative_causes = _text(alternative_causes, "alternative_causes", errors, max_length=5000)
    treatment = _text(treatment, "treatment", errors, max_length=5000)
    reported_to = _text(reported_to, "reported_to", errors, max_length=500)
    cleaned = [clean_injury(raw, n, errors) for n, raw in enumerate(injuries)]
    if cleaned and consistency not in Consistency.values:
        errors["consistency"] = _("With injuries, give the opinion on their consistency with the account.")
    if cleaned and not (reported_to and reported_at):
        errors["reported_to"] = _("Injuries must be reported: say to whom and when.")
    if reported_at is not None and reported_at < examined_at:
        errors["reported_at"] = _("The report cannot come before the examination.")
    if any(len(photo) > MAX_PHOTO_BYTES for photo in photos):
        errors["photos"] = _("A photograph is at most 8 MB.")
    if errors:
        raise ValidationError(errors)
    kinds = sealing.bodies_for(involves_minor=involves_minor)
    photo_hashes = [hashlib.sha256(photo).hexdigest() for photo in photos]
    record = {
        "format": "custodywatch/custody/examination/v1", "facility": facility.code, "record_id": record_id,
        "occasion": occasion, "examined_at": examined_at.isoformat(), "examiner": examiner,
        "examiner_independent": examiner_independent, "staff_could_hear": staff_could_hear,
        "interpreter": interpreter, "consent": consent, "account": account, "injuries": cleaned,
        "consistency": consistency if cleaned else "", "alternative_causes": alternative_causes,
        "treatment": treatment, "reported_to": reported_to,
        "reported_at": reported_at.isoformat() if reported_at else None, "photos": photo_hashes,
    }
    try:
        sealed, digest = sealing.seal(json.dumps(record, ensure_ascii=False, sort_keys=True).encode(), kinds)
    except sealing.SealingError as e:
        raise ValidationError({None: _("The examination cannot be sealed: %(why)s. Nothing was stored.")
                               % {"why": str(e)}}) from None
    detention = None
    if record_id:
        detention = facility.detentions.filter(record_id=record_id).first()
    examination = Examination.objects.create(
        facility=facility, detention=detention, occasion=occasion, examined_at=examined_at,
        examiner_independent=examiner_independent, with_injuries=bool(cleaned), involves_minor=involves_minor,
        recorded_by=by,
        sealed=sealed, sealed_sha256=digest, sealed_to=kinds,
    )
    for photo, photo_hash in zip(photos, photo_hashes, strict=True):
        sealed_photo, _digest = sealing.seal(photo, kinds)
        stored = InjuryPhoto.objects.create(examination=examination, sha256=photo_hash, sealed=sealed_photo)
        recorded = ledger.record(kind=PHOTO_KIND, record={"sha256": photo_hash}, scope=facility.pk,
                                 subject=f"custody.injuryphoto:{stored.pk}", now=now)
        if recorded.index is not None:
            InjuryPhoto.objects.filter(pk=stored.pk).update(ledger_index=recorded.index)
    if cleaned:
        from custody.tasks import notify_examination

        transaction.on_commit(lambda: notify_examination.enqueue(examination_id=examination.pk))
    return examination
