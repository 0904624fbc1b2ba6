"""The lawful exceptions a register claims by their ground: the 72 hours of Criminal Procedure
Code art. 131(4)(1)-(6) (for minors too), the 24 and 48 hours of administrative detention (Code
of Administrative Offences art. 789(2)-(3)), and the first-time adult placed with minors (Law
353-I art. 32). Each rule with and without the ground; a claim is listed for a monitor to check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custody.grounds import ADMINISTRATIVE_GROUNDS, CRIMINAL_GROUNDS, CellException, TermGround
from custody.rules import catalogue, engine
from custody.rules.checks import ground_hours
from custody.testing import MINOR_BIRTH, at, record
from custody.validation import RowInvalid, clean_record

RULES = catalogue.parse(catalogue.DEFAULT_FILE.read_text(encoding="utf-8"))
LATER = at(24 * 30)


def _basis_of(ground: str) -> str:
    return "criminal" if ground in CRIMINAL_GROUNDS else "administrative"


def findings(*records, now=LATER):
    return engine.evaluate(list(records), now=now, rules=RULES)


def found(*records, now=LATER) -> set[str]:
    return {f.rule for f in findings(*records, now=now)}


def held(hours: float, **facts):
    return record(court_sanction_at=at(hours), transferred_at=at(hours + 1), **facts)


@pytest.mark.parametrize("ground", sorted(CRIMINAL_GROUNDS))
def test_every_criminal_ground_allows_an_adult_72_hours_and_no_more(ground):
    assert found(held(60)) == {"adult_sanction_48h", "court_sanction_late"}  # without the ground: 48 hours
    assert found(held(60, term_ground=ground)) == {"longer_term_claimed"}
    assert found(held(73, term_ground=ground)) == {"extended_sanction_72h", "court_sanction_late",
                                                   "longer_term_claimed"}


@pytest.mark.parametrize(("hours", "expected"), [
    (23, set()),
    (30, {"longer_term_claimed"}),
    (73, {"extended_sanction_72h", "court_sanction_late", "longer_term_claimed"}),
])
def test_a_minor_held_on_a_ground_of_the_longer_term_has_72_hours_too(hours, expected):
    minor = held(hours, birth_date=MINOR_BIRTH, term_ground="criminal_group", lawyer_kind="legal_aid",
                 lawyer_arrived_at=at(1), first_interview_at=at(2), family_notified_at=at(1),
                 prosecutor_notified_at=at(3))
    assert found(minor) == expected
    without = held(hours, birth_date=MINOR_BIRTH, lawyer_kind="legal_aid", lawyer_arrived_at=at(1),
                   first_interview_at=at(2), family_notified_at=at(1), prosecutor_notified_at=at(3))
    assert ("minor_sanction_24h" in found(without)) is (hours > 24)


def test_the_claim_says_the_ground_and_the_hours_it_allows():
    [claim] = [f for f in findings(held(60, term_ground="drugs")) if f.rule == "longer_term_claimed"]
    detail = dict(claim.detail)
    assert (detail["ground"], detail["allowed_hours"], detail["ordinary_hours"]) == ("drugs", 72, 48)
    assert detail["held_hours"] == 60
    within_ordinary = held(30, term_ground="drugs")
    assert found(within_ordinary) == set()  # the exception was not needed: nothing to check


def test_an_administrative_ground_is_not_a_criminal_one():
    assert "adult_sanction_48h" in found(held(60, term_ground="border_migration"))


def _administrative(hours: float, ground: str = ""):
    return record(legal_basis="administrative", offence_category="administrative", protocol_at=None,
                  prosecutor_notified_at=None, court_sanction_at=None, court_decision="", transferred_at=None,
                  released_at=at(hours), term_ground=ground)


@pytest.mark.parametrize(("ground", "allowed"), [("border_migration", 48), ("administrative_arrest", 24)])
def test_administrative_detention_may_last_24_or_48_hours_on_its_ground(ground, allowed):
    assert "administrative_3h" in found(_administrative(5))  # without a ground: 3 hours
    assert found(_administrative(allowed - 1, ground)) == {"longer_term_claimed"}
    over = found(_administrative(allowed + 1, ground))
    assert "administrative_3h" in over
    [finding] = [f for f in findings(_administrative(allowed + 1, ground)) if f.rule == "administrative_3h"]
    assert dict(finding.detail)["limit_hours"] == allowed
    assert "administrative_3h" in found(_administrative(5, "criminal_group"))  # not a ground of this detention


def _cell(key, **facts):
    return record(key, placements=[("1:c1", at(1), at(20))], **facts)


def test_a_first_time_adult_placed_with_a_minor_on_the_stated_ground_is_listed_not_flagged():
    child = _cell("child", birth_date=MINOR_BIRTH, lawyer_kind="legal_aid", lawyer_arrived_at=at(1),
                  first_interview_at=at(2), family_notified_at=at(1), prosecutor_notified_at=at(3),
                  court_sanction_at=at(20), transferred_at=at(20))
    stranger = _cell("stranger")
    mentor = _cell("mentor", cell_exception=CellException.FIRST_TIME_ADULT)
    pairs = {(f.rule, f.record, f.other) for f in findings(child, stranger, mentor)}
    assert ("minor_with_adult", "child", "stranger") in pairs
    assert ("minor_with_adult", "child", "mentor") not in pairs
    assert ("cell_exception_claimed", "mentor", "") in pairs
    assert not any(rule == "cell_exception_claimed" and r == "stranger" for rule, r, _ in pairs)


def test_a_rule_that_does_not_count_a_ground_flags_the_detention_as_before():
    text = catalogue.DEFAULT_FILE.read_text(encoding="utf-8")
    rules = catalogue.parse(text, overrides={"minor_with_adult": {"exceptions": []},
                                             "administrative_3h": {"grounds": {}}})
    child = _cell("child", birth_date=MINOR_BIRTH)
    mentor = _cell("mentor", cell_exception="first_time_adult")
    assert "minor_with_adult" in {f.rule for f in engine.evaluate([child, mentor], now=LATER, rules=rules)}
    assert "administrative_3h" in {f.rule for f in engine.evaluate(
        [_administrative(10, "border_migration")], now=LATER, rules=rules)}


def test_a_rule_file_naming_an_unknown_ground_is_refused_naming_it():
    text = catalogue.DEFAULT_FILE.read_text(encoding="utf-8")
    with pytest.raises(catalogue.RuleSetError, match="administrative_3h: grounds"):
        catalogue.parse(text, overrides={"administrative_3h": {"grounds": {"full_moon": 96}}})
    with pytest.raises(catalogue.RuleSetError, match="minor_with_adult: exceptions"):
        catalogue.parse(text, overrides={"minor_with_adult": {"exceptions": ["friendly"]}})


# --- the register row: the ground is one of the choices, of the record's kind of detention -------------

NOW = at(24 * 10)


def _row(**values):
    from custody.testing import row

    return row(**values)


def test_a_row_states_its_ground_by_value_and_the_import_keeps_it():
    out = clean_record(_row(term_ground="Criminal_Group "), now=NOW, key=b"k" * 32)
    assert out["term_ground"] == TermGround.CRIMINAL_GROUP
    assert clean_record(_row(), now=NOW, key=b"k" * 32)["term_ground"] == ""


def test_a_ground_of_the_other_kind_of_detention_is_refused_naming_the_field():
    with pytest.raises(RowInvalid) as refused:
        clean_record(_row(term_ground="border_migration"), now=NOW, key=b"k" * 32)
    assert set(refused.value.errors) == {"term_ground"}
    admin = _row(legal_basis="administrative", term_ground="drugs")
    with pytest.raises(RowInvalid) as refused:
        clean_record(admin, now=NOW, key=b"k" * 32)
    assert "term_ground" in refused.value.errors


def test_a_minor_cannot_be_the_adult_of_the_cell_exception():
    from custody import iin

    minor = _row(iin=iin.make(MINOR_BIRTH, "male", serial=3), cell_exception="first_time_adult")
    with pytest.raises(RowInvalid) as refused:
        clean_record(minor, now=NOW, key=b"k" * 32)
    assert set(refused.value.errors) == {"cell_exception"}
    assert clean_record(_row(cell_exception="first_time_adult"), now=NOW, key=b"k" * 32)["cell_exception"]


@given(st.one_of(st.text(max_size=60), st.sampled_from(["72", "yes", "criminal group", "drugs;drop", "\x00",
                                                         "especially_grave\n", "ADMINISTRATIVE_ARREST"])),
       st.sampled_from(["term_ground", "cell_exception"]))
def test_any_ground_is_kept_as_a_choice_or_refused_with_the_field_never_an_error(value, name):
    try:
        out = clean_record(_row(**{name: value}), now=NOW, key=b"k" * 32)
    except RowInvalid as e:
        errors = e.errors
    else:
        errors = None
    if errors is not None:
        assert set(errors) == {name}
        assert errors[name]
        return
    choices = TermGround if name == "term_ground" else CellException
    assert out[name] == "" or out[name] in choices.values
    if name == "term_ground" and out[name]:
        assert out[name] in CRIMINAL_GROUNDS
        assert out[name] not in ADMINISTRATIVE_GROUNDS


@given(st.sampled_from([*TermGround.values, ""]), st.sampled_from(["criminal", "administrative"]),
       st.floats(min_value=0, max_value=24 * 10), st.booleans(), st.sampled_from(["", *CellException.values]))
def test_the_rules_never_fail_on_any_ground_and_basis(ground, basis, hours, minor, cell_exception):
    r = record(legal_basis=basis, term_ground=ground, cell_exception=cell_exception, court_sanction_at=None,
               transferred_at=None, released_at=at(hours), birth_date=MINOR_BIRTH if minor else None,
               placements=[("1:c1", at(0), None)])
    rules = found(r, record("other", birth_date=MINOR_BIRTH, placements=[("1:c1", at(0), None)]), now=at(24 * 11))
    assert rules <= set(RULES.by_code)
    if ground and cell_exception == "" and not minor:
        counted = ground_hours(RULES, ground) is not None and _basis_of(ground) == basis
        assert ("longer_term_claimed" in rules) is (counted and hours > (48 if basis == "criminal" else 3))
