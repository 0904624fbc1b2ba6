"""An answer read as its indicator's type and judged against its threshold: the one place this is done.

The checklist page (as it is typed, through htmx), the sync API and the services all call
`check_answer`; a value outside the type or range is refused with the reason, nothing is stored.
Compliance is met, not met, unknown (not answered, or an indicator with no numeric norm) or
not applicable; never "met" by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from visits.models import AnswerType, Compliance, Indicator

MAX_COUNT = 1_000_000
MAX_MEASUREMENT = Decimal("1000000")
_DECIMAL = re.compile(r"^[+-]?(\d{1,9}([.,]\d{1,4})?|[.,]\d{1,4})$")
_YES = {"yes", "да", "иә", "true", "1"}
_NO = {"no", "нет", "жоқ", "false", "0"}


class AnswerError(ValueError):
    """A value its indicator cannot take; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Checked:
    value: Any  # as stored: bool, int, a decimal as a string, or a choice's value; None: not answered
    compliance: str
    reason: str


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise AnswerError(_("Enter a number."))
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        raw = repr(raw)
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    if text.endswith("%"):
        raise AnswerError(_("Enter the share as a number from 0 to 1 (for 85%, enter 0.85)."))
    if not _DECIMAL.match(text):
        raise AnswerError(_("Enter a number, with at most four decimal places."))
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise AnswerError(_("Enter a number.")) from None


def parse_value(indicator: Indicator, raw: Any) -> Any:
    """The value as stored for `indicator`, or AnswerError naming why it cannot be one. Empty: None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    answer_type = indicator.answer_type
    if answer_type == AnswerType.YES_NO:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise AnswerError(_("Answer yes or no."))
    if answer_type == AnswerType.CHOICE:
        values = [option["value"] for option in indicator.options]
        if isinstance(raw, str) and raw.strip() in values:
            return raw.strip()
        raise AnswerError(_("Choose one of the options given."))
    number = _decimal(raw)
    if answer_type == AnswerType.COUNT:
        if number != number.to_integral_value():
            raise AnswerError(_("Enter a whole number of people or cases."))
        if number < 0:
            raise AnswerError(_("A count cannot be negative."))
        if number > MAX_COUNT:
            raise AnswerError(_("A count cannot exceed %(max)s.") % {"max": number_format(MAX_COUNT)})
        return int(number)
    if answer_type == AnswerType.RATIO:
        # A share is 0 to 1; a rate such as occupancy may go higher (the catalogue's max_value).
        upper = Decimal(str(indicator.threshold.get("max_value", 1)))
        if not Decimal(0) <= number <= upper:
            if upper == 1:
                raise AnswerError(_("A share is between 0 and 1 (for 85%, enter 0.85)."))
            raise AnswerError(_("Enter a rate between 0 and %(max)s (for 120%%, enter 1.2).") % {
                "max": number_format(upper)})
        return format(number.normalize(), "f")
    if number < 0:
        raise AnswerError(_("A measurement cannot be negative."))
    if number > MAX_MEASUREMENT:
        raise AnswerError(_("This measurement is too large to be right."))
    return format(number.normalize(), "f")


_COMPARE = {
    "==": lambda a, b: a == b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, "<": lambda a, b: a < b,
}


def describe_threshold(indicator: Indicator) -> str:
    """The compliance rule in words, in the reader's language (the catalogue's text is English only)."""
    threshold = indicator.threshold
    if indicator.answer_type == AnswerType.YES_NO:
        return _("Compliant if the answer is yes.") if threshold.get("expected") == "yes" else \
            _("Compliant if the answer is no.")
    if indicator.answer_type == AnswerType.CHOICE:
        labels = ", ".join(indicator.option_label(v) for v in threshold.get("compliant_options", []))
        return _("Compliant if: %(options)s.") % {"options": labels}
    value = threshold.get("value")
    if value is None:
        return _("Recorded for tracking: there is no international numeric norm to judge it against.")
    shown = number_format(Decimal(str(value)), use_l10n=True, force_grouping=True)
    unit = f" {indicator.unit_label}" if indicator.unit else ""
    rules = {
        "==": _("Compliant if it is %(value)s%(unit)s."), ">=": _("Compliant if it is at least %(value)s%(unit)s."),
        "<=": _("Compliant if it is at most %(value)s%(unit)s."), ">": _("Compliant if it is above %(value)s%(unit)s."),
        "<": _("Compliant if it is below %(value)s%(unit)s."),
    }
    return rules[threshold["operator"]] % {"value": shown, "unit": unit}


def judge(indicator: Indicator, value: Any, *, not_applicable: bool = False) -> tuple[str, str]:
    """(compliance, reason) of a stored value against the indicator's threshold."""
    if not_applicable:
        return Compliance.NOT_APPLICABLE, _("Marked not applicable on this visit.")
    if value is None:
        return Compliance.UNKNOWN, _("Not answered.")
    threshold = indicator.threshold
    if indicator.answer_type == AnswerType.YES_NO:
        met = value == (threshold.get("expected") == "yes")
    elif indicator.answer_type == AnswerType.CHOICE:
        met = value in threshold.get("compliant_options", [])
    else:
        if threshold.get("value") is None:
            return Compliance.UNKNOWN, describe_threshold(indicator)
        met = _COMPARE[threshold["operator"]](Decimal(str(value)), Decimal(str(threshold["value"])))
    rule = describe_threshold(indicator)
    return (Compliance.MET, rule) if met else (Compliance.NOT_MET, _("Not met. %(rule)s") % {"rule": rule})


def check_answer(indicator: Indicator, raw: Any, *, not_applicable: bool = False) -> Checked:
    """Read `raw` as the indicator's type and judge it; AnswerError if it cannot be read."""
    value = None if not_applicable else parse_value(indicator, raw)
    compliance, reason = judge(indicator, value, not_applicable=not_applicable)
    return Checked(value=value, compliance=compliance, reason=reason[:255])
