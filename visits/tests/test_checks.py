"""Answers read as their indicator's type and judged against its threshold; hostile input refused."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from visits.checks import AnswerError, check_answer, describe_threshold, parse_value
from visits.models import AnswerType, Compliance, Indicator
from visits.services.evidence import sniff


def _indicator(answer_type: str, threshold: dict, **extra) -> Indicator:
    return Indicator(code="T-01", answer_type=answer_type, threshold=threshold, **extra)


SPACE = _indicator(AnswerType.MEASUREMENT, {"operator": ">=", "value": 4}, unit="m2_per_person",
                   unit_labels={"en": "m² per person"})
NOBODY = _indicator(AnswerType.COUNT, {"operator": "==", "value": 0})
SHARE = _indicator(AnswerType.RATIO, {"operator": ">=", "value": 1.0})
OCCUPANCY = _indicator(AnswerType.RATIO, {"operator": "<=", "value": 1.0, "max_value": 10})
TRACKED = _indicator(AnswerType.COUNT, {"operator": ">=", "value": None})
YES = _indicator(AnswerType.YES_NO, {"expected": "yes"})
CHOICE = _indicator(AnswerType.CHOICE, {"compliant_options": ["adequate"]},
                    options=[{"value": "adequate", "label_en": "adequate"}, {"value": "inadequate",
                                                                          "label_en": "inadequate"}])
ALL = (SPACE, NOBODY, SHARE, OCCUPANCY, TRACKED, YES, CHOICE)


@pytest.mark.parametrize(("indicator", "raw", "expected"), [
    (SPACE, "4", Compliance.MET), (SPACE, "3,9", Compliance.NOT_MET), (SPACE, 4.5, Compliance.MET),
    (NOBODY, "0", Compliance.MET), (NOBODY, "2", Compliance.NOT_MET),
    (SHARE, "1", Compliance.MET), (SHARE, "0.95", Compliance.NOT_MET),
    (OCCUPANCY, "1.3", Compliance.NOT_MET), (OCCUPANCY, "0.8", Compliance.MET),
    (TRACKED, "12", Compliance.UNKNOWN),
    (YES, "yes", Compliance.MET), (YES, "нет", Compliance.NOT_MET), (YES, True, Compliance.MET),
    (CHOICE, "adequate", Compliance.MET), (CHOICE, "inadequate", Compliance.NOT_MET),
    (YES, "", Compliance.UNKNOWN), (NOBODY, None, Compliance.UNKNOWN),
])
def test_each_answer_type_is_judged_against_its_threshold(indicator, raw, expected):
    assert check_answer(indicator, raw).compliance == expected


@pytest.mark.parametrize(("indicator", "raw", "reason"), [
    (NOBODY, "1.5", "Enter a whole number of people or cases."),
    (NOBODY, "-1", "A count cannot be negative."),
    (SHARE, "85%", "Enter the share as a number from 0 to 1 (for 85%, enter 0.85)."),
    (SHARE, "1.2", "A share is between 0 and 1 (for 85%, enter 0.85)."),
    (SPACE, "1e9", "Enter a number, with at most four decimal places."),
    (YES, "maybe", "Answer yes or no."),
    (CHOICE, "good", "Choose one of the options given."),
])
def test_a_value_outside_its_type_or_range_is_refused_with_the_reason(indicator, raw, reason):
    with pytest.raises(AnswerError) as refused:
        parse_value(indicator, raw)
    assert str(refused.value) == reason


def test_not_applicable_is_never_compliant_and_unknown_is_never_met():
    assert check_answer(NOBODY, "5", not_applicable=True).compliance == Compliance.NOT_APPLICABLE
    assert check_answer(SPACE, None).compliance == Compliance.UNKNOWN
    assert "at least 4 m² per person" in describe_threshold(SPACE)
    assert "no international numeric norm" in describe_threshold(TRACKED)


@settings(max_examples=25, deadline=None)
@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                 st.none(), st.binary(max_size=20).map(lambda b: b.decode("latin-1"))),
       st.sampled_from(ALL))
def test_hostile_answers_are_refused_or_stored_within_their_type(raw, indicator):
    try:
        checked = check_answer(indicator, raw)
    except AnswerError as error:
        reason = str(error)
        checked = None
    if checked is None:
        assert reason  # refused, and says why
        return
    value = checked.value
    assert checked.compliance in Compliance.values
    if value is None:
        assert checked.compliance == Compliance.UNKNOWN
    elif indicator.answer_type == AnswerType.COUNT:
        assert isinstance(value, int)
        assert 0 <= value <= 1_000_000
    elif indicator.answer_type == AnswerType.RATIO:
        assert Decimal(0) <= Decimal(value) <= Decimal(str(indicator.threshold.get("max_value", 1)))
    elif indicator.answer_type == AnswerType.MEASUREMENT:
        assert Decimal(0) <= Decimal(value) <= Decimal(1_000_000)
    elif indicator.answer_type == AnswerType.YES_NO:
        assert isinstance(value, bool)
    else:
        assert value in ("adequate", "inadequate")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="PNG")
    return out.getvalue()


PNG = _png()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), st.binary(max_size=200).map(lambda b: PNG[:40] + b),
                 st.binary(max_size=100).map(lambda b: b"%PDF-1.7\n" + b),
                 st.integers(0, len(PNG) - 1).map(lambda n: PNG[:n])))
def test_hostile_uploads_are_refused_by_content_or_stored_as_what_they_are(data):
    try:
        stored, content_type, _extension, _kind = sniff(data)
    except ValidationError as error:
        reasons = error.message_dict["file"]
        stored = None
    if stored is None:
        assert reasons  # refused, and says why
        return
    assert content_type in ("image/png", "image/jpeg", "image/webp", "application/pdf")
    if content_type.startswith("image/"):
        with Image.open(io.BytesIO(stored)) as image:
            image.verify()
    else:
        assert stored.startswith(b"%PDF-")


def test_a_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, format="PNG")
    with pytest.raises(ValidationError):
        sniff(out.getvalue())
