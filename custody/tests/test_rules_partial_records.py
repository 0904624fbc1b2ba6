"""The engine never fails on partial records, and incremental evaluation agrees with a full run."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custody.rules import catalogue, engine
from custody.rules.facts import MOMENT_NAMES, Placement, Record
from custody.testing import T0

RULES = catalogue.parse(catalogue.DEFAULT_FILE.read_text(encoding="utf-8"))
offsets = st.sampled_from([dt.UTC, engine.KAZAKHSTAN, dt.timezone(dt.timedelta(hours=3)),
                           dt.timezone(dt.timedelta(hours=-5, minutes=-30))])
moments = st.one_of(st.none(), st.builds(lambda h, tz: (T0 + dt.timedelta(hours=h)).astimezone(tz),
                                         st.floats(-30, 200, allow_nan=False), offsets))


@st.composite
def records(draw, key):
    r = Record(key=key, person=draw(st.sampled_from(["", "p1", "p2"])))
    r.birth_date = draw(st.one_of(st.none(), st.dates(dt.date(1940, 1, 1), dt.date(2026, 3, 2))))
    r.sex = draw(st.sampled_from(["", "male", "female"]))
    r.citizenship = draw(st.sampled_from(["", "KZ", "UZ", "XX"]))
    r.legal_basis = draw(st.sampled_from(["", "criminal", "administrative"]))
    r.offence_category = draw(st.sampled_from(["", "medium", "terrorist"]))
    r.state_of_emergency = draw(st.booleans())
    r.related_group = draw(st.sampled_from(["", "g"]))
    r.infectious = draw(st.sampled_from([None, True, False]))
    r.lawyer_kind = draw(st.sampled_from(["", "chosen", "legal_aid"]))
    r.medical_result = draw(st.sampled_from(["", "injuries", "no_injuries"]))
    r.term_ground = draw(st.sampled_from(["", "criminal_group", "border_migration", "emergency", "unheard-of"]))
    r.cell_exception = draw(st.sampled_from(["", "first_time_adult", "unheard-of"]))
    for name in MOMENT_NAMES:
        setattr(r, name, draw(moments))
    for _ in range(draw(st.integers(0, 2))):
        start = draw(moments) or T0
        end = draw(moments)
        r.placements.append(Placement(cell=draw(st.sampled_from(["K-1", "K-2"])), start=start,
                                      end=end if end is not None and end > start else None))
    return r


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=5, unique=True).flatmap(
    lambda keys: st.tuples(*[records(str(k)) for k in keys])))
def test_the_engine_never_fails_on_partial_records(batch):
    now = T0 + dt.timedelta(days=10)
    result = engine.evaluate(list(batch), now=now, rules=RULES)
    assert all(f.rule in RULES.by_code and f.record in {r.key for r in batch} for f in result)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.tuples(records("a"), records("b"), records("c")), moments)
def test_an_event_gives_the_same_findings_as_a_full_run(batch, moment):
    now = T0 + dt.timedelta(days=10)
    register = engine.Register(list(batch), rules=RULES)
    changed = register.apply("a", now=now, released_at=moment,
                             placement=Placement(cell="K-1", start=T0, end=None))
    full = engine.evaluate(list(register.records.values()), now=now, rules=RULES)
    pair_rules = {r.code for r in RULES.rules if r.check == "cell_separation"}
    for key, got in changed.records.items():
        expected = [f for f in full if f.record == key and f.rule not in pair_rules]
        assert sorted(f.key for f in got) == sorted(f.key for f in expected)
    expected_pairs = [f for f in full if f.rule in pair_rules and "a" in (f.record, f.other)]
    assert sorted(f.key for f in changed.pairs) == sorted(f.key for f in expected_pairs)
