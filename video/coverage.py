"""Which zones must be filmed, which must never be, and how much each zone's outages weigh.

Defaults follow the design: admission and search areas, corridors and isolation cells must be
covered; medical examination rooms and toilets must not be filmed. ``VIDEO_ZONE_RULES``
overrides any zone: ``{"cell": {"coverage": "required", "risk": 2}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

from video.models import Severity, Zone


class Coverage(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class ZoneRule:
    coverage: Coverage
    risk: int  # the base severity of an outage in this zone (video.models.Severity)


DEFAULT_RULES: dict[str, ZoneRule] = {
    Zone.ADMISSION_SEARCH: ZoneRule(Coverage.REQUIRED, Severity.HIGH),
    Zone.CORRIDOR: ZoneRule(Coverage.REQUIRED, Severity.HIGH),
    Zone.ISOLATION_CELL: ZoneRule(Coverage.REQUIRED, Severity.HIGH),
    Zone.INTERVIEW_ROOM: ZoneRule(Coverage.OPTIONAL, Severity.HIGH),
    Zone.CELL: ZoneRule(Coverage.OPTIONAL, Severity.MEDIUM),
    Zone.YARD: ZoneRule(Coverage.OPTIONAL, Severity.MEDIUM),
    Zone.VISITING_ROOM: ZoneRule(Coverage.OPTIONAL, Severity.MEDIUM),
    Zone.TRANSPORT_VEHICLE: ZoneRule(Coverage.OPTIONAL, Severity.MEDIUM),
    Zone.MEDICAL_ROOM: ZoneRule(Coverage.FORBIDDEN, Severity.LOW),
    Zone.TOILET: ZoneRule(Coverage.FORBIDDEN, Severity.LOW),
}


def rules() -> dict[str, ZoneRule]:
    """Every zone's rule, the settings' overrides applied (read when asked, never at import)."""
    merged = dict(DEFAULT_RULES)
    for zone, override in (getattr(settings, "VIDEO_ZONE_RULES", None) or {}).items():
        if zone not in Zone.values:
            raise ValueError(f"VIDEO_ZONE_RULES names an unknown zone: {zone}")
        base = merged[zone]
        merged[zone] = ZoneRule(Coverage(override.get("coverage", base.coverage)),
                                int(override.get("risk", base.risk)))
    return merged


def required_zones() -> list[str]:
    return [zone for zone, rule in rules().items() if rule.coverage == Coverage.REQUIRED]


def forbidden_zones() -> list[str]:
    return [zone for zone, rule in rules().items() if rule.coverage == Coverage.FORBIDDEN]
