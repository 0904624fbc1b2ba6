"""From stored detentions to the engine's facts, and to the evidence an alert shows."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from custody.models import Detention
from custody.models.register import MOMENTS, ImportChannel
from custody.rules.facts import FACT_NAMES, Placement, Record


def key_of(detention: Detention) -> str:
    return str(detention.pk)


def source_line(detention: Detention) -> str:
    """Where the register says this: the submission and its line."""
    source = detention.source
    if source.channel == ImportChannel.API:
        return _("police system submission %(id)s") % {"id": source.pk}
    return _("import %(id)s (%(file)s), line %(line)s") % {
        "id": source.pk, "file": source.filename, "line": detention.source_line}


def record_of(detention: Detention) -> Record:
    record = Record(key=key_of(detention), facility=str(detention.facility_id), person=detention.person,
                    line=str(detention.pk))
    for name in FACT_NAMES:
        setattr(record, name, getattr(detention, name))
    for name in MOMENTS:
        setattr(record, name, getattr(detention, name))
    record.placements = [
        Placement(cell=f"{detention.facility_id}:{p.unit_id}", start=p.from_at, end=p.to_at,
                  line=str(p.source_line or ""))
        for p in detention.placements.all()
    ]
    return record


def evidence_of(detention: Detention) -> dict[str, Any]:
    """The register line of one detention as an alert keeps it: no pseudonym, no IIN (never stored)."""
    facts: dict[str, Any] = {}
    for name in (*FACT_NAMES, *MOMENTS):
        value = getattr(detention, name)
        if value in (None, ""):
            continue
        facts[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return {
        "record_id": detention.record_id,
        "facility": detention.facility.code,
        "source": source_line(detention),
        "revision": detention.revision,
        "facts": facts,
        "placements": [
            {"cell": p.unit.code, "from": p.from_at.isoformat(), "until": p.to_at.isoformat() if p.to_at else None,
             "line": p.source_line}
            for p in detention.placements.all()
        ],
    }
