"""Changes to the camera registry: recorders and cameras, each with its ledger entry.

Every function takes the acting user (``by``; None for the system) and refuses a facility outside
their mandate. The rules of each field live here, so the forms, the API and the import refuse
the same values with the same words.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can
from custodywatch_protocol import recorder as rp
from facilities.models import Facility
from facilities.services import ensure_within_mandate
from ledger import interface as ledger
from video.models import Camera, Recorder, Zone


def _require(by: Any, facility: Facility) -> None:
    if by is not None and not can(by, Capability.MANAGE_CAMERAS):
        raise PermissionDenied
    ensure_within_mandate(by=by, facility=facility)


def code_problem(code: Any) -> str | None:
    if not isinstance(code, str) or not rp.ID_RE.match(code):
        return _("1 to 64 Latin letters, digits or . _ : -, starting with a letter or digit.")
    return None


def key_problem(key: Any) -> str | None:
    try:
        raw = base64.b64decode(key, validate=True) if isinstance(key, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        return _("An Ed25519 public key: 32 bytes in base64 (44 characters ending in =).")
    return None


def zone_problem(zone: Any) -> str | None:
    if zone not in Zone.values:
        return _("One of: %(zones)s.") % {"zones": ", ".join(Zone.values)}
    return None


def _log(instance: Any, facility: Facility, by: Any, fields: dict[str, Any]) -> None:
    ledger.record(kind="registry:change", scope=facility.pk, subject=f"{instance._meta.label_lower}:{instance.pk}",
                  record={"model": instance._meta.label_lower, "id": instance.pk, "facility": facility.pk,
                          "by": by.pk if by is not None else None, "fields": fields})


def register_recorder(*, facility: Facility, code: str, public_key: str, name: str = "", by: Any) -> Recorder:
    """Register a recorder (NVR) of ``facility`` with its public key; ValidationError names each bad field."""
    _require(by, facility)
    problems = (("code", code_problem(code)), ("public_key", key_problem(public_key)))
    errors = {field: problem for field, problem in problems if problem}
    if not errors and Recorder.objects.filter(code=code).exists():
        errors["code"] = _("A recorder with this id is already registered.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        recorder = Recorder.objects.create(facility=facility, code=code, public_key=public_key, name=name[:200])
        _log(recorder, facility, by, {"code": code, "public_key": public_key, "name": name})
    return recorder


def register_camera(*, recorder: Recorder, code: str, zone: str, location: str = "", by: Any) -> Camera:
    """Register a camera on ``recorder`` covering ``zone``; ValidationError names each bad field."""
    facility = recorder.facility
    _require(by, facility)
    errors = {field: problem for field, problem in (("code", code_problem(code)), ("zone", zone_problem(zone)))
              if problem}
    if not errors and Camera.objects.filter(recorder=recorder, code=code).exists():
        errors["code"] = _("This recorder already has a camera with this id.")
    if len(location) > 200:
        errors["location"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        camera = Camera.objects.create(facility=facility, recorder=recorder, code=code, zone=zone, location=location)
        _log(camera, facility, by, {"recorder": recorder.code, "code": code, "zone": zone, "location": location})
    return camera
