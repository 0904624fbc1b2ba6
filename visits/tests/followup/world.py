"""A small world for the follow-up tests: a catalogue, two visits to one colony, one elsewhere."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import OrganisationKind, Role
from facilities.factories import UserFactory
from visits.models import (
    AccessOutcome,
    AnswerType,
    CatalogueVersion,
    Compliance,
    Evidence,
    EvidenceKind,
    Indicator,
    Interview,
    Severity,
    TeamMember,
    Theme,
    Visit,
    VisitStatus,
)
from visits.standards import parse

THEMES = ("material_conditions", "children", "torture_prevention", "complaints_inspections")


def jpeg(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (120, 80, 40)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG")
    return out.getvalue()


@dataclass
class World:
    personas: Any
    catalogue: CatalogueVersion
    themes: dict[str, Theme]
    indicators: dict[str, Indicator]
    first: Visit  # NPM's earlier visit to the colony: two failures, access delayed, one interview
    second: Visit  # NPM's later visit to the colony, which follows up the first
    elsewhere: Visit  # a visit to the other colony (Karaganda), outside some mandates
    interview: Interview
    photo: Evidence

    @property
    def npm(self) -> Any:
        return self.personas.npm_monitor.organisation


def catalogue() -> tuple[CatalogueVersion, dict[str, Theme], dict[str, Indicator]]:
    version = CatalogueVersion.objects.create(version="test-1", name="Test catalogue", digest="0" * 64)
    # The themes as the catalogue names them in the three languages, as a reader sees them.
    labels = {theme["key"]: theme for theme in parse()[1]}
    themes = {key: Theme.objects.create(catalogue=version, key=key, id_prefix=key[:3].upper(), position=i,
                                        label_en=labels[key]["label_en"], label_kk=labels[key]["label_kk"],
                                        label_ru=labels[key]["label_ru"])
              for i, key in enumerate(THEMES)}
    indicators = {
        "SPACE-01": Indicator.objects.create(
            catalogue=version, theme=themes["material_conditions"], code="SPACE-01", position=1,
            facility_types=["prison"], question_en="Living space per person in shared cells?",
            compliant_if_en="At least 4 m2 per person", answer_type=AnswerType.MEASUREMENT, unit="m2",
            threshold={"operator": ">=", "value": 4}, severity=Severity.HIGH,
            references=[{"instrument": "CPT standards", "provision": "CPT/Inf(2015)44", "confirmed": False}]),
        "CHD-01": Indicator.objects.create(
            catalogue=version, theme=themes["children"], code="CHD-01", position=2, facility_types=["prison"],
            question_en="Are children held separately from adults?", answer_type=AnswerType.YES_NO,
            threshold={"expected": True}, severity=Severity.CRITICAL,
            references=[{"instrument": "CRC", "provision": "art. 37(c)", "confirmed": True}]),
        "SPACE-02": Indicator.objects.create(
            catalogue=version, theme=themes["material_conditions"], code="SPACE-02", position=3,
            facility_types=["prison"], question_en="Is there natural light in cells?", answer_type=AnswerType.YES_NO,
            threshold={"expected": True}, severity=Severity.MEDIUM, references=[]),
    }
    return version, themes, indicators


def visit(*, facility: Any, organisation: Any, by: Any, version: CatalogueVersion, planned_on: dt.date,
          access: str = AccessOutcome.GRANTED, delay: int | None = None) -> Visit:
    created = Visit.objects.create(
        facility=facility, organisation=organisation, catalogue=version, planned_on=planned_on,
        status=VisitStatus.COMPLETED, access=access, access_delay_minutes=delay, device_id=uuid.uuid4(),
        created_by=by,
    )
    TeamMember.objects.create(visit=created, user=by, organisation=organisation, leads=True)
    return created


def answer(v: Visit, indicator: Indicator, value: Any, compliance: str, by: Any) -> Any:
    return v.answers.create(indicator=indicator, value=value, compliance=compliance, device_id=uuid.uuid4(),
                            answered_by=by, answered_at=timezone.now())


def evidence(v: Visit, by: Any, *, indicator: Indicator | None = None, data: bytes | None = None,
             description: str = "Cell 12") -> Evidence:
    data = data or jpeg()
    item = Evidence(visit=v, indicator=indicator, kind=EvidenceKind.PHOTO, content_type="image/jpeg", size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(), description=description, device_id=uuid.uuid4(), by=by)
    item.file.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
    item.save()
    return item


def build(personas: Any) -> World:
    version, themes, indicators = catalogue()
    npm_monitor = personas.npm_monitor
    first = visit(facility=personas.colony, organisation=npm_monitor.organisation, by=npm_monitor, version=version,
                  planned_on=dt.date(2026, 6, 1), access=AccessOutcome.DELAYED, delay=95)
    answer(first, indicators["SPACE-01"], "2.6", Compliance.NOT_MET, npm_monitor)
    answer(first, indicators["CHD-01"], False, Compliance.NOT_MET, npm_monitor)
    answer(first, indicators["SPACE-02"], True, Compliance.MET, npm_monitor)
    photo = evidence(first, npm_monitor, indicator=indicators["SPACE-01"])
    interview = Interview.objects.create(visit=first, label="P-01", device_id=uuid.uuid4(), by=npm_monitor)
    second = visit(facility=personas.colony, organisation=npm_monitor.organisation, by=npm_monitor, version=version,
                   planned_on=dt.date(2026, 11, 20))
    elsewhere = visit(facility=personas.other_colony, organisation=npm_monitor.organisation, by=npm_monitor,
                      version=version, planned_on=dt.date(2026, 7, 1))
    answer(elsewhere, indicators["SPACE-01"], "3.0", Compliance.NOT_MET, npm_monitor)
    return World(personas, version, themes, indicators, first, second, elsewhere, interview, photo)


def officer_of(facility: Any, username: str = "officer.other") -> Any:
    return UserFactory(username=username, organisation=facility.operator, role=Role.FACILITY_OFFICER,
                       facility=facility)


def prosecutor_in(region: Any, username: str = "regional.prosecutor") -> Any:
    from facilities.factories import OrganisationFactory

    office = OrganisationFactory(code=f"prosecutor-{region.code.lower()}", kind=OrganisationKind.PROSECUTOR,
                                 region=region)
    return UserFactory(username=username, organisation=office, role=Role.MONITOR, email=f"{username}@example.org")


class Rollback(Exception):
    """Raised to undo one hypothesis example's writes inside ``transaction.atomic()``."""
