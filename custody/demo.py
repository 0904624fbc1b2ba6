"""Demo enrolment in education and rehabilitation programmes: a sample of colonies, not the country.

A few colonies report last month through their operator, with numbers in proportion to the
people they hold (about 7% in secondary education or vocational training, as the national figure
of about 2,500 of some 36,000 convicts suggests); one reports only an earlier month, one gives no
completions, one is counted by the NPM as well (shown on its profile, not added in), and the
colonies after the sample report nothing, so the overview counts them apart. Written directly, as
the demo country is: the operator has no officer at each colony to record it through the service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import OrganisationKind, User
from custody.models import Enrolment, Programme
from facilities.models import Facility, FacilityType


@dataclass(frozen=True)
class Sample:
    """One colony's report, as shares of the people it holds (None: not reported)."""

    secondary: float | None
    vocational: float | None
    resocialisation: float | None
    completion: float | None  # the share of those enrolled who completed, for every programme
    months_ago: int = 1


SAMPLES = (
    Sample(secondary=0.031, vocational=0.042, resocialisation=0.11, completion=0.22),
    Sample(secondary=0.026, vocational=0.051, resocialisation=0.08, completion=0.18),
    Sample(secondary=0.034, vocational=0.038, resocialisation=None, completion=None),  # completions not given
    Sample(secondary=0.029, vocational=0.047, resocialisation=0.09, completion=0.25, months_ago=2),  # late
    Sample(secondary=None, vocational=0.044, resocialisation=0.12, completion=0.2),  # no school on site
    Sample(secondary=0.03, vocational=0.04, resocialisation=0.1, completion=0.21),
)
NPM_RECOUNT = 0.93  # the NPM's own count of the first colony, a little lower than the operator's


def _people(colony: Facility) -> int:
    snapshot = colony.latest_snapshot
    return snapshot.total if snapshot is not None and snapshot.total else colony.operational_capacity or 0


def _month(today: dt.date, months_ago: int) -> dt.date:
    year, month = divmod(today.year * 12 + today.month - 1 - months_ago, 12)
    return dt.date(year, month + 1, 1)


@transaction.atomic
def load_enrolment_demo(*, today: dt.date | None = None) -> int:
    """Add the sample's reports unless its colonies already have operators' reports; the number added."""
    today = today or timezone.localdate()
    colonies = list(Facility.objects.filter(type__in=FacilityType.colonies()).select_related(
        "latest_snapshot", "operator").order_by("code")[:len(SAMPLES)])
    sample = colonies  # the colonies after these, in code order, report nothing at all
    operators = {c.operator_id for c in sample}
    if not sample or Enrolment.objects.filter(facility__in=sample, reported_by__in=operators).exists():
        return 0
    recorders = {pk: User.objects.filter(organisation=pk).order_by("pk").first() for pk in operators}
    npm = User.objects.filter(organisation__kind=OrganisationKind.NPM, is_superuser=False).order_by("pk").first()
    rows = []
    for colony, spec in zip(sample, SAMPLES, strict=False):
        recorder = recorders[colony.operator_id]
        if recorder is None:
            continue  # an operator with nobody to have recorded it
        people = _people(colony)
        month = _month(today, spec.months_ago)
        for programme, share in ((Programme.SECONDARY, spec.secondary), (Programme.VOCATIONAL, spec.vocational),
                                 (Programme.RESOCIALISATION, spec.resocialisation)):
            if share is None:
                continue
            enrolled = round(people * share)
            completed = round(enrolled * spec.completion) if spec.completion is not None else None
            rows.append(Enrolment(facility=colony, programme=programme, month=month, enrolled=enrolled,
                                  completed=completed, reported_by=colony.operator, recorded_by=recorder))
    if npm is not None and rows:
        first = rows[0]
        rows.append(Enrolment(facility=first.facility, programme=first.programme, month=first.month,
                              enrolled=round(first.enrolled * NPM_RECOUNT), completed=None,
                              reported_by=npm.organisation, recorded_by=npm))
    Enrolment.objects.bulk_create(rows)
    return len(rows)
