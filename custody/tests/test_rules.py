"""Every rule on both sides of its threshold, over plain records (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from custody.rules import catalogue, engine
from custody.rules.catalogue import RuleSetError
from custody.testing import MINOR_BIRTH, T0, at, record

RULES = catalogue.parse(catalogue.DEFAULT_FILE.read_text(encoding="utf-8"))
LATER = at(24 * 30)


def found(*records, now=LATER, rules=RULES) -> set[str]:
    return {f.rule for f in engine.evaluate(list(records), now=now, rules=rules)}


def findings(*records, now=LATER):
    return engine.evaluate(list(records), now=now, rules=RULES)


def test_a_lawful_adult_detention_breaks_no_rule():
    assert found(record()) == set()


@pytest.mark.parametrize(("hours", "breached"), [(47.9, False), (48.1, True)])
def test_an_adult_may_be_held_48_hours_without_a_sanction(hours, breached):
    r = record(court_sanction_at=None, court_decision="", transferred_at=None, released_at=at(hours))
    assert ("adult_sanction_48h" in found(r)) is breached


@pytest.mark.parametrize("category", ["especially_grave", "terrorist", "extremist", "mass_riots"])
def test_grave_categories_allow_72_hours_and_no_more(category):
    within = record(offence_category=category, court_sanction_at=at(71), transferred_at=at(72))
    beyond = record(offence_category=category, court_sanction_at=at(73), transferred_at=at(74))
    assert found(within) == set()
    assert found(beyond) == {"extended_sanction_72h", "court_sanction_late"}


def test_a_state_of_emergency_allows_72_hours():
    assert found(record(state_of_emergency=True, court_sanction_at=at(60), transferred_at=at(61))) == set()
    assert "adult_sanction_48h" in found(record(court_sanction_at=at(60), transferred_at=at(61)))


@pytest.mark.parametrize(("hours", "breached"), [(23.5, False), (24.5, True)])
def test_a_minor_may_be_held_24_hours(hours, breached):
    r = record(birth_date=MINOR_BIRTH, court_sanction_at=at(hours), transferred_at=at(hours + 1),
               lawyer_arrived_at=at(2), family_notified_at=at(2))
    assert ("minor_sanction_24h" in found(r)) is breached
    assert "adult_sanction_48h" not in found(r)


def test_a_minor_turning_18_in_custody_keeps_the_24_hour_limit_and_may_then_share_a_cell_with_adults():
    birthday_eve = dt.date(T0.year - 18, T0.month, T0.day + 1)  # 18 the day after detention
    youth = record("y", birth_date=birthday_eve, court_sanction_at=at(30), transferred_at=at(60),
                   family_notified_at=at(2), placements=[("K-1", at(30), at(50))])
    adult = record("a", placements=[("K-1", at(30), at(50))])
    rules = found(youth, adult)
    assert "minor_sanction_24h" in rules  # age is judged at the actual detention
    assert "minor_with_adult" not in rules  # from midnight of the 18th birthday they are both adults
    early = record("a2", placements=[("K-1", at(1), at(5))])
    youth.placements[0].start = at(1)
    [hit] = [f for f in findings(youth, early) if f.rule == "minor_with_adult"]
    assert hit.record == "y"
    assert hit.other == "a2"
    assert hit.minor


def test_a_sanction_after_the_limit_is_its_own_finding():
    assert "court_sanction_late" in found(record(court_sanction_at=at(49), transferred_at=at(50)))
    assert "court_sanction_late" not in found(record(court_sanction_at=at(47), transferred_at=at(50)))


@pytest.mark.parametrize(("hours", "breached"), [(2.9, False), (3.1, True)])
def test_administrative_detention_lasts_at_most_3_hours(hours, breached):
    r = record(legal_basis="administrative", offence_category="administrative", protocol_at=None,
               prosecutor_notified_at=None, court_sanction_at=None, transferred_at=None, released_at=at(hours))
    assert ("administrative_3h" in found(r)) is breached


def test_an_administrative_detention_still_held_breaks_the_limit_as_time_passes():
    r = record(legal_basis="administrative", court_sanction_at=None, transferred_at=None)
    assert "administrative_3h" not in found(r, now=at(2))
    assert "administrative_3h" in found(r, now=at(4))


def test_actual_detention_missing_or_after_delivery():
    [missing] = [f for f in findings(record(detained_at=None)) if f.rule == "actual_detention_time"]
    assert missing.missing == "detained_at"
    assert "actual_detention_time" in found(record(detained_at=at(1.5)))
    assert "actual_detention_time" not in found(record(detained_at=at(1)))


@pytest.mark.parametrize(("rule", "field", "base_hours", "limit"), [
    ("protocol_3h", "protocol_at", 1, 3),
    ("prosecutor_notice_12h", "prosecutor_notified_at", 2, 12),
    ("family_notice_12h", "family_notified_at", 0, 12),
    ("medical_exam_24h", "medical_exam_at", 1, 24),
])
def test_deadlines_on_both_sides(rule, field, base_hours, limit):
    assert rule not in found(record(**{field: at(base_hours + limit - 0.1)}))
    assert rule in found(record(**{field: at(base_hours + limit + 0.1)}))
    [missing] = [f for f in findings(record(**{field: None})) if f.rule == rule]
    assert missing.missing == field


def test_a_missing_notice_is_not_a_finding_before_its_deadline():
    r = record(family_notified_at=None, court_sanction_at=None, transferred_at=None)
    assert "family_notice_12h" not in found(r, now=at(11))
    assert "family_notice_12h" in found(r, now=at(13))


def test_minors_families_and_prosecutors_are_told_sooner():
    minor = dict(birth_date=MINOR_BIRTH, lawyer_arrived_at=at(1), court_sanction_at=at(20))
    assert "family_notice_12h" in found(record(family_notified_at=at(3.5), **minor))
    assert "family_notice_12h" not in found(record(family_notified_at=at(2.5), **minor))
    assert "prosecutor_notice_12h" in found(record(prosecutor_notified_at=at(8.5), **minor))
    assert "prosecutor_notice_12h" not in found(record(prosecutor_notified_at=at(8.5)))


def test_a_foreigners_consulate_within_24_hours():
    assert "consulate_notice_24h" in found(record(citizenship="UZ"))
    assert "consulate_notice_24h" in found(record(citizenship="UZ", consulate_notified_at=at(24.5)))
    assert "consulate_notice_24h" not in found(record(citizenship="UZ", consulate_notified_at=at(23.5)))
    assert "consulate_notice_24h" not in found(record(citizenship="XX"))  # stateless: no consulate


def test_a_minor_interviewed_before_the_lawyer_came():
    minor = dict(birth_date=MINOR_BIRTH, court_sanction_at=at(20), family_notified_at=at(1))
    assert "minor_lawyer_before_interview" in found(record(first_interview_at=at(3), lawyer_arrived_at=at(4), **minor))
    assert "minor_lawyer_before_interview" in found(record(first_interview_at=at(3), **minor))
    assert "minor_lawyer_before_interview" not in found(record(first_interview_at=at(3), lawyer_arrived_at=at(2),
                                                               **minor))
    assert "minor_lawyer_before_interview" not in found(record(first_interview_at=at(3)))  # an adult


def test_a_chosen_lawyer_absent_24_hours_needs_another_offered():
    chosen = dict(lawyer_kind="chosen", lawyer_requested_at=at(1))
    assert "chosen_lawyer_absent_24h" in found(record(**chosen))
    assert "chosen_lawyer_absent_24h" in found(record(lawyer_arrived_at=at(25.5), **chosen))
    assert "chosen_lawyer_absent_24h" not in found(record(lawyer_arrived_at=at(24.5), **chosen))
    assert "chosen_lawyer_absent_24h" not in found(record(lawyer_replacement_offered_at=at(20), **chosen))
    assert "chosen_lawyer_absent_24h" not in found(record(lawyer_kind="legal_aid", lawyer_requested_at=at(1)))


def test_injuries_recorded_must_be_reported():
    hurt = dict(medical_result="injuries")
    assert "injuries_not_reported" in found(record(**hurt))
    assert "injuries_not_reported" in found(record(injuries_reported_at=at(28.5), **hurt))
    assert "injuries_not_reported" not in found(record(injuries_reported_at=at(27.5), **hurt))
    assert "injuries_not_reported" not in found(record())


def test_a_woman_with_men_and_an_infectious_patient_with_others_in_overlapping_cells():
    woman = record("w", sex="female", placements=[("K-1", at(2), at(10))])
    man = record("m", placements=[("K-1", at(9.5), at(12))])
    after = record("m2", placements=[("K-1", at(10), at(12))])  # arrives as she leaves: no overlap
    hits = [f for f in findings(woman, man, after) if f.rule == "woman_with_men"]
    assert [(f.record, f.other) for f in hits] == [("w", "m")]
    sick = record("s", infectious=True, placements=[("K-2", at(2), None)])
    other = record("o", placements=[("K-2", at(3), at(4))])
    assert {(f.record, f.other) for f in findings(sick, other) if f.rule == "infectious_with_others"} == {("s", "o")}


def test_a_minor_with_a_related_adult_is_no_finding_but_with_an_unrelated_one_is():
    child = record("c", birth_date=MINOR_BIRTH, related_group="fam-1", court_sanction_at=at(20),
                   family_notified_at=at(1), placements=[("K-3", at(2), at(6))])
    mother = record("m", sex="female", related_group="fam-1", placements=[("K-3", at(2), at(6))])
    stranger = record("s", sex="female", placements=[("K-3", at(5), at(8))])
    pairs = {(f.record, f.other) for f in findings(child, mother, stranger) if f.rule == "minor_with_adult"}
    assert pairs == {("c", "s")}


def test_release_and_redetention_within_24_hours_continues_the_first_term():
    first = record("a", person="p", court_sanction_at=None, transferred_at=None, released_at=at(40))
    second = record("b", person="p", detained_at=at(50), delivered_at=at(50.5), protocol_at=at(51),
                    prosecutor_notified_at=at(52), family_notified_at=at(52), medical_exam_at=at(53),
                    court_sanction_at=at(60), transferred_at=at(61))
    result = findings(first, second)
    assert {(f.rule, f.record) for f in result} >= {("redetention_24h", "b"), ("adult_sanction_48h", "b")}
    later = record("c", person="p", detained_at=at(65), delivered_at=at(65.5), protocol_at=at(66),
                   prosecutor_notified_at=at(67), family_notified_at=at(67), medical_exam_at=at(68),
                   court_sanction_at=at(80), transferred_at=at(81))
    assert found(first, later) == set()  # 25 hours after the release: a new term


def test_times_given_in_other_offsets_are_the_same_moments():
    almaty = record(court_sanction_at=None, transferred_at=None, released_at=at(47))
    moscow = dt.timezone(dt.timedelta(hours=3))
    same = record(detained_at=T0.astimezone(moscow), delivered_at=at(1).astimezone(dt.UTC),
                  court_sanction_at=None, transferred_at=None, released_at=at(47).astimezone(moscow))
    assert found(almaty) == found(same) == set()


def test_a_birthday_is_judged_on_the_kazakhstan_date_whatever_the_offset_of_the_record():
    # Detained at 01:00 on the 18th birthday in Kazakhstan, which is still the day before in UTC.
    born = dt.date(2008, 3, 2)
    moment = dt.datetime(2026, 3, 2, 1, 0, tzinfo=engine.KAZAKHSTAN).astimezone(dt.UTC)
    r = record(birth_date=born, detained_at=moment, delivered_at=moment + dt.timedelta(hours=1))
    assert r.is_minor_at(moment, engine.KAZAKHSTAN) is False


def test_missing_facts_the_law_requires_are_findings():
    r = record(birth_date=None, sex="", citizenship="")
    missing = {f.missing for f in findings(r) if f.rule == "required_fields"}
    assert missing == {"birth_date", "sex", "citizenship"}


def test_overrides_change_a_threshold_and_unknown_ones_are_refused():
    text = catalogue.DEFAULT_FILE.read_text(encoding="utf-8")
    stricter = catalogue.parse(text, {"adult_sanction_48h": {"hours": 24}})
    r = record(court_sanction_at=at(30), transferred_at=at(31))
    assert "adult_sanction_48h" in found(r, rules=stricter)
    assert "adult_sanction_48h" not in found(r)
    off = catalogue.parse(text, {"required_fields": {"enabled": False}})
    assert "required_fields" not in found(record(sex=""), rules=off)
    with pytest.raises(RuleSetError, match="unknown parameter"):
        catalogue.parse(text, {"adult_sanction_48h": {"hourz": 24}})
    with pytest.raises(RuleSetError, match="do not exist"):
        catalogue.parse(text, {"no_such_rule": {"hours": 1}})


def test_every_rule_says_its_legal_basis_and_whether_it_was_confirmed():
    assert len(RULES.rules) >= 19
    for rule in RULES.rules:
        assert all(rule.legal_basis[lang] for lang in ("en", "ru", "kk"))
        assert isinstance(rule.basis_confirmed, bool)
        assert all(rule.title[lang] for lang in ("en", "ru", "kk"))


def test_a_malformed_rule_file_is_refused_with_the_rule_named():
    with pytest.raises(RuleSetError, match="rule x: unknown check"):
        catalogue.parse("rules:\n  - {code: x, check: nothing, severity: high}\n")


def test_the_rules_document_lists_every_rule_with_its_basis_and_whether_it_is_confirmed():
    from pathlib import Path

    from django.conf import settings

    document = (Path(settings.BASE_DIR) / "docs" / "custody-rules.md").read_text(encoding="utf-8")
    rows = {line.split(" | ")[0]: line.split(" | ") for line in document.splitlines() if line.startswith("| `")}
    for rule in RULES.rules:
        row = rows.get(f"| `{rule.code}` v{rule.version}")
        assert row is not None, f"no row for {rule.code} v{rule.version}"
        assert row[2] == rule.legal_basis["en"]
        assert row[3] == ("**yes**" if rule.basis_confirmed else "no")
