"""Children living with their mothers in colonies, and education and programme enrolment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import Capability, require
from custody.models import ChildInColony, Enrolment, Programme
from facilities import text_rules
from facilities.models import Facility
from facilities.services import ensure_within_mandate


@transaction.atomic
def record_child(*, by: Any, facility: Facility, code: str, birth_date: dt.date, admitted_on: dt.date,
                 mother_release_on: dt.date | None = None, plan: str = "") -> ChildInColony:
    """Register a child living in a colony's children's home (or update it by its code)."""
    require(by, Capability.RECORD_CUSTODY_PROGRAMMES)
    ensure_within_mandate(by=by, facility=facility)
    errors = {}
    today = timezone.localdate()
    try:
        code = text_rules.code(code, max_length=32)
    except text_rules.RuleError as e:
        errors["code"] = str(e)
    try:
        plan = text_rules.text(plan, max_length=5000, required=False)
    except text_rules.RuleError as e:
        errors["plan"] = str(e)
    if birth_date > today:
        errors["birth_date"] = _("The date of birth cannot be in the future.")
    if admitted_on < birth_date:
        errors["admitted_on"] = _("A child cannot be admitted before they were born.")
    if errors:
        raise ValidationError(errors)
    child, _created = ChildInColony.objects.update_or_create(
        facility=facility, code=code,
        defaults={"birth_date": birth_date, "admitted_on": admitted_on, "mother_release_on": mother_release_on,
                  "plan": plan, "recorded_by": by})
    return child


@transaction.atomic
def record_enrolment(*, by: Any, facility: Facility, programme: str, month: dt.date, enrolled: int | None,
                     completed: int | None) -> Enrolment:
    """Record a month's enrolment in a programme as the recorder's organisation reports it (a new
    report for the same month and organisation replaces its figures)."""
    require(by, Capability.RECORD_CUSTODY_PROGRAMMES)
    ensure_within_mandate(by=by, facility=facility)
    errors = {}
    if programme not in Programme.values:
        errors["programme"] = _("Choose a programme.")
    for name, value in (("enrolled", enrolled), ("completed", completed)):
        if value is not None:
            try:
                text_rules.people(value)
            except text_rules.RuleError as e:
                errors[name] = str(e)
    if enrolled is not None and completed is not None and completed > enrolled:
        errors["completed"] = _("More completed than enrolled.")
    if errors:
        raise ValidationError(errors)
    enrolment, _created = Enrolment.objects.update_or_create(
        facility=facility, programme=programme, month=month.replace(day=1), reported_by=by.organisation,
        defaults={"enrolled": enrolled, "completed": completed, "recorded_by": by})
    return enrolment
