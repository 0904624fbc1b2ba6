"""Secondary suppression: no hidden count can be worked out by subtraction from the shown totals."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints import statistics
from complaints.statistics import SMALL, protect

TOTAL = ("total",)


def hierarchy(regions: list[list[int]]) -> tuple[dict, list]:
    """Counts and sums of a total over regions over facilities (as the statistics page shows them)."""
    counts = {TOTAL: sum(map(sum, regions))}
    sums = [(TOTAL, [("region", r) for r in range(len(regions))])]
    for r, facilities in enumerate(regions):
        counts[("region", r)] = sum(facilities)
        counts.update({("facility", r, f): n for f, n in enumerate(facilities)})
        sums.append((("region", r), [("facility", r, f) for f in range(len(facilities))]))
    return counts, sums


def possible_values(regions: list[list[int]], figures: dict) -> dict:
    """Values each count can take that agree with all that is shown, by trying them: a hidden
    small count is 0..4, a hidden secondary one 5 or more (tried up to the real total and a few:
    a reader knows no upper bound, so each value found is one they cannot rule out)."""
    ceiling = sum(map(sum, regions)) + SMALL

    def choices(key) -> range:
        figure = figures[key]
        if figure.count is not None:
            return range(figure.count, figure.count + 1)
        return range(SMALL, ceiling + 1) if figure.secondary else range(SMALL)

    per_region = []
    for r, facilities in enumerate(regions):
        options = []
        for values in itertools.product(*(choices(("facility", r, f)) for f in range(len(facilities)))):
            if sum(values) in choices(("region", r)):
                options.append(values)
        per_region.append(options)
    seen: dict = {key: set() for key in figures}
    for combination in itertools.product(*per_region):
        total = sum(map(sum, combination))
        if total not in choices(TOTAL):
            continue
        seen[TOTAL].add(total)
        for r, values in enumerate(combination):
            seen[("region", r)].add(sum(values))
            for f, value in enumerate(values):
                seen[("facility", r, f)].add(value)
    return seen


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=2), min_size=1, max_size=3))
def test_no_hidden_count_can_be_worked_out_from_the_shown_ones(regions):
    counts, sums = hierarchy(regions)
    figures = protect(counts, sums)
    seen = possible_values(regions, figures)

    for key, figure in figures.items():
        assert counts[key] in seen[key]  # the real counts agree with what is shown
        if figure.count is None:
            assert len(seen[key]) >= 2, (key, counts[key], figures)
        else:
            assert figure.count == counts[key] >= SMALL
        assert (counts[key] < SMALL) <= (figure.count is None)  # every small count is hidden


def test_a_lone_small_count_beside_a_total_takes_the_next_smallest_with_it():
    counts = {TOTAL: 30, "a": 3, "b": 7, "c": 20}
    figures = protect(counts, [(TOTAL, ["a", "b", "c"])])

    assert [figures[k].count for k in (TOTAL, "a", "b", "c")] == [30, None, None, 20]
    assert (figures["a"].secondary, figures["b"].secondary) == (False, True)
    assert str(figures["b"]) == "not shown"
    assert str(figures["a"]) == "fewer than 5"


def test_when_nothing_else_is_left_to_hide_the_total_goes():
    counts = {TOTAL: 5, "a": 1, "b": 4}  # two small counts adding up to a shown total of five: a=1..4, b=4..1
    assert protect(counts, [(TOTAL, ["a", "b"])])[TOTAL].count == 5
    counts = {TOTAL: 8, "a": 4, "b": 4}  # both at their largest: each is 4 for certain
    assert protect(counts, [(TOTAL, ["a", "b"])])[TOTAL].secondary


@pytest.mark.django_db
def test_the_statistics_page_hides_a_facility_count_its_region_would_give_away(workspace):
    from complaints.workspace_testing import make_complaint

    p = workspace.personas
    for facility, n in ((p.other_colony, 6), (p.special_school, 2), (p.colony, 5)):
        for _i in range(n):
            make_complaint(facility=facility, recipients=[workspace.npm])
    tables = statistics.protected_tables(statistics.complaints_in_mandate(p.npm_monitor))

    facilities = {row.key: row.figure for row in tables.by_facility}
    regions = {row.key: row.figure.count for row in tables.by_region}
    assert regions == {p.region.code: 5, p.other_region.code: 8}
    assert facilities[p.special_school.code].count is None
    assert facilities[p.other_colony.code].secondary  # 8 - 6 would give the school's 2 away
    assert facilities[p.colony.code].count == 5
