"""Answers to the checklist: checked against the threshold as they are saved; two team members'
conflicting edits are kept side by side, never one silently over the other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.checks import AnswerError, check_answer
from visits.models import Answer, AnswerConflict, AnswerRevision, Indicator, Visit, VisitAction
from visits.services.common import audit, device_uuid, ensure_can_record, plain_text
from visits.standards import catalogue_type

MAX_NOTE = 5_000


class Outcome:
    SAVED = "saved"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Saved:
    answer: Answer
    outcome: str
    conflict: AnswerConflict | None = None


def _indicator_of(visit: Visit, indicator: Indicator | str) -> Indicator:
    code = indicator.code if isinstance(indicator, Indicator) else indicator
    found = None
    if isinstance(code, str):
        found = Indicator.objects.filter(catalogue_id=visit.catalogue_id, code=code).first()
    if found is None or catalogue_type(visit.facility.type) not in found.facility_types:
        raise ValidationError({"indicator": _("This question is not on this visit's checklist.")})
    return found


def _replayed(visit: Visit, device_id: Any) -> Saved | None:
    revision = AnswerRevision.objects.filter(device_id=device_id).select_related("answer").first()
    if revision is not None:
        if revision.answer.visit_id != visit.pk:
            raise ValidationError({"device_id": _("This device id belongs to another record.")})
        return Saved(revision.answer, Outcome.DUPLICATE)
    conflict = AnswerConflict.objects.filter(device_id=device_id).select_related("answer").first()
    if conflict is not None:
        if conflict.answer.visit_id != visit.pk:
            raise ValidationError({"device_id": _("This device id belongs to another record.")})
        return Saved(conflict.answer, Outcome.DUPLICATE, conflict)
    return None


@transaction.atomic
def save_answer(*, visit: Visit, by: Any, indicator: Indicator | str, value: Any, not_applicable: bool = False,
                note: str = "", base_version: int | None = None, device_id: Any = None) -> Saved:
    """Save the visit's answer to `indicator`, as of `base_version` (the version the editor started from;
    None or 0 for a first answer).

    An edit whose `device_id` was seen already changes nothing (a second upload). An edit from an
    older version than the answer has now, with a different value, is kept as an AnswerConflict
    beside the answer and shown to the team. Raises ValidationError {"value": reason} for a value
    outside the indicator's type or range.
    """
    device_id = device_uuid(device_id)
    if (replay := _replayed(visit, device_id)) is not None:
        return replay
    ensure_can_record(visit=visit, by=by)
    indicator = _indicator_of(visit, indicator)
    if not isinstance(not_applicable, bool):
        raise ValidationError({"not_applicable": _("Answer yes or no.")})
    try:
        checked = check_answer(indicator, value, not_applicable=not_applicable)
    except AnswerError as error:
        raise ValidationError({"value": str(error)}) from None
    note = plain_text(note, field="note", max_length=MAX_NOTE)
    if base_version is not None and (isinstance(base_version, bool) or not isinstance(base_version, int)
                                     or base_version < 0):
        raise ValidationError({"base_version": _("is not a version number.")})
    now = timezone.now()
    answer = Answer.objects.select_for_update().filter(visit=visit, indicator=indicator).first()
    if answer is None:
        if base_version:
            raise ValidationError({"base_version": _("There is no saved answer to this question to edit.")})
        answer = Answer.objects.create(
            visit=visit, indicator=indicator, value=checked.value, not_applicable=not_applicable,
            compliance=checked.compliance, reason=checked.reason, note=note, device_id=device_id, answered_by=by,
            answered_at=now, version=1)
        _revision(answer, device_id)
        audit(visit=visit, by=by, action=VisitAction.ANSWERED, indicator=indicator.code, version=1)
        return Saved(answer, Outcome.SAVED)
    same = (answer.value, answer.not_applicable, answer.note) == (checked.value, not_applicable, note)
    if (base_version or 0) != answer.version:
        if same:
            return Saved(answer, Outcome.UNCHANGED)
        conflict = AnswerConflict.objects.create(
            answer=answer, value=checked.value, not_applicable=not_applicable, note=note,
            base_version=base_version or 0, device_id=device_id, by=by, at=now)
        audit(visit=visit, by=by, action=VisitAction.CONFLICT, indicator=indicator.code,
              base_version=base_version or 0, version=answer.version)
        return Saved(answer, Outcome.CONFLICT, conflict)
    if same:
        return Saved(answer, Outcome.UNCHANGED)
    answer.value, answer.not_applicable, answer.note = checked.value, not_applicable, note
    answer.compliance, answer.reason = checked.compliance, checked.reason
    answer.answered_by, answer.answered_at = by, now
    answer.version += 1
    answer.save()
    _revision(answer, device_id)
    # Saving from the current version after seeing the conflicts settles them.
    answer.conflicts.filter(resolved_at__isnull=True).update(resolved_at=now, resolved_by=by)
    audit(visit=visit, by=by, action=VisitAction.ANSWERED, indicator=indicator.code, version=answer.version)
    return Saved(answer, Outcome.SAVED)


def _revision(answer: Answer, device_id: Any) -> None:
    AnswerRevision.objects.create(
        answer=answer, version=answer.version, value=answer.value, not_applicable=answer.not_applicable,
        compliance=answer.compliance, note=answer.note, device_id=device_id, by=answer.answered_by,
        at=answer.answered_at)


@transaction.atomic
def keep_answer(*, answer: Answer, by: Any) -> Answer:
    """Settle the open conflicts of `answer` by keeping it as it is."""
    ensure_can_record(visit=answer.visit, by=by)
    settled = answer.conflicts.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=by)
    if settled:
        audit(visit=answer.visit, by=by, action=VisitAction.RESOLVED, indicator=answer.indicator.code,
              version=answer.version)
    return answer
