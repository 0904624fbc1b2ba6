"""An answer as a reader reads it, in the reader's language: "SPACE-01: 3,2 м² на человека",
"SPACE-09: жоқ". A finding proposed by an answer stores the answer in no language (the code, the
value as recorded, the unit's key); pages, reports and the PDF turn it into words when they are
drawn, so a Kazakh report never shows "no" or "m2_per_person". A summary a monitor wrote or
edited is shown as written."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from visits.models import AnswerType, Indicator


def stored_summary(indicator: Indicator, value: Any) -> str:
    """The summary as stored on a proposed finding: code, value as recorded, unit key."""
    shown = ("yes" if value else "no") if isinstance(value, bool) else str(value)
    return f"{indicator.code}: {shown} {indicator.unit}".strip()


def value_in_words(indicator: Indicator, value: Any) -> str:
    """A recorded value in the reader's language: yes/no translated, an option's label, a number in
    the locale's format followed by the unit as people write it."""
    if indicator.answer_type == AnswerType.YES_NO and isinstance(value, bool):
        return _("yes") if value else _("no")
    if indicator.answer_type == AnswerType.CHOICE:
        return indicator.option_label(str(value))
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    number = number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
    shown = number_format(number, use_l10n=True, force_grouping=True)
    return f"{shown} {indicator.unit_label}" if indicator.unit else shown


def _recorded_value(indicator: Indicator, text: str) -> tuple[bool, Any]:
    """(True, value) if `text` is a value as a proposed finding stored it, else (False, None)."""
    if indicator.answer_type == AnswerType.YES_NO:
        return (True, text == "yes") if text in ("yes", "no") else (False, None)
    if indicator.answer_type == AnswerType.CHOICE:
        for option in indicator.options:
            # Earlier summaries stored the option's label in the language of the request that proposed them.
            if text in (option["value"], option.get("label_en"), option.get("label_kk"), option.get("label_ru")):
                return True, option["value"]
        return False, None
    if indicator.unit and text.endswith(" " + indicator.unit):
        text = text[: -len(indicator.unit) - 1]
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return True, text
    return False, None


def finding_summary(finding: Any) -> str:
    """What a finding says, in the reader's language when it is an answer's summary as proposed."""
    summary = finding.summary
    indicator = finding.indicator if finding.indicator_id else None
    if indicator is None or not summary.startswith(indicator.code + ": "):
        return summary
    recorded, value = _recorded_value(indicator, summary[len(indicator.code) + 2:])
    if not recorded:
        return summary
    return f"{indicator.code}: {value_in_words(indicator, value)}"
