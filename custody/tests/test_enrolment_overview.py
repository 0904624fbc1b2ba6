"""The registry's overview shows the national education and rehabilitation figures: each one the
sum of the list it links to, the facilities that did not report counted apart (never as 0), the
operators named, within the reader's mandate, in the reader's number format, in one query."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from custody.services.colonies import record_enrolment
from custody.tests.enrolment_table import COUNT, LIST_COUNT, ROW, SUM, VALUE
from facilities.factories import FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db

NOVEMBER, OCTOBER = dt.date(2026, 11, 1), dt.date(2026, 10, 1)


@pytest.fixture
def reports(personas):
    """Three colonies: the Almaty one reports two months, the Karaganda one its latest only, a
    third colony (Karaganda) nothing; the NPM's own count of the Almaty colony is not added in."""
    silent = FacilityFactory(code="AK-159/9", type="colony_minimum", region=personas.other_region,
                             name_en="SilentColony")
    other_officer = UserFactory(username="officer.ak159", organisation=personas.other_colony.operator,
                                role=Role.FACILITY_OFFICER, facility=personas.other_colony)
    officer = personas.facility_officer
    record_enrolment(by=officer, facility=personas.colony, programme="secondary", month=OCTOBER,
                     enrolled=999, completed=999)  # an older month: not added in
    record_enrolment(by=officer, facility=personas.colony, programme="secondary", month=NOVEMBER,
                     enrolled=40, completed=12)
    record_enrolment(by=officer, facility=personas.colony, programme="resocialisation", month=NOVEMBER,
                     enrolled=0, completed=0)
    record_enrolment(by=personas.npm_monitor, facility=personas.colony, programme="secondary", month=NOVEMBER,
                     enrolled=38, completed=11)  # another body's count of the same people
    record_enrolment(by=other_officer, facility=personas.other_colony, programme="secondary", month=OCTOBER,
                     enrolled=60, completed=None)
    record_enrolment(by=other_officer, facility=personas.other_colony, programme="vocational", month=OCTOBER,
                     enrolled=1250, completed=300)
    return silent


def _overview(client, user, language: str = "en") -> dict[tuple[str, str], str]:
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(reverse("facilities:overview"))
    assert response.status_code == 200
    return {(programme, measure): cells for programme, measure, cells in ROW.findall(response.content.decode())}


def _list(client, href: str) -> tuple[str, int, list[int]]:
    page = client.get(html_lib.unescape(href)).content.decode()
    return page, int(LIST_COUNT.search(page).group(1)), [int(v) for v in VALUE.findall(page)]


def test_each_national_figure_is_the_sum_of_the_list_it_opens(client, personas, reports):
    rows = _overview(client, personas.npm_monitor)

    secondary = rows["secondary", "enrolled"]
    [(href, people)] = SUM.findall(secondary)
    assert int(people) == 40 + 60  # the Almaty colony's November, Karaganda's October; not the NPM's 38
    page, listed, values = _list(client, href)
    assert sum(values) == 100
    assert listed == len(values) == 2
    assert 'data-sum="100"' in page

    for key, cells in rows.items():
        for href, people in SUM.findall(cells):
            _page, listed, values = _list(client, href)
            assert sum(values) == int(people), key
        (reported_href, reporting), (missing_href, missing) = COUNT.findall(cells)
        assert _list(client, reported_href)[1] == int(reporting), key
        assert _list(client, missing_href)[1] == int(missing), key
        assert int(reporting) + int(missing) == 3, key  # the three colonies expected to report


def test_facilities_that_did_not_report_are_counted_apart_never_as_zero(client, personas, reports):
    rows = _overview(client, personas.npm_monitor)

    completed = rows["secondary", "completed"]
    assert SUM.findall(completed)[0][1] == "12"  # Karaganda reported no completions: not added as 0
    (_reported, reporting), (missing_href, missing) = COUNT.findall(completed)
    assert (reporting, missing) == ("1", "2")
    page, listed, values = _list(client, missing_href)
    assert listed == 2
    assert values == []
    assert "SilentColony" in page
    assert personas.other_colony.code in page
    assert page.count('class="not-reported"') == 2

    nobody = rows["psychological_support", "enrolled"]
    assert "data-sum" not in nobody
    assert "not reported" in nobody
    assert [count for _href, count in COUNT.findall(nobody)] == ["0", "3"]
    assert SUM.findall(rows["resocialisation", "enrolled"])[0][1] == "0"  # a reported 0 is a figure


def test_the_figures_name_who_reported_them(client, personas, reports):
    rows = _overview(client, personas.npm_monitor)

    operator = personas.colony.operator.name_en
    assert operator in rows["secondary", "enrolled"]
    assert "National Preventive Mechanism" not in rows["secondary", "enrolled"]
    assert rows["psychological_support", "enrolled"].rstrip().endswith("<td>—</td>")


def test_a_regional_commission_sees_the_figures_of_its_region_only(client, personas, reports):
    rows = _overview(client, personas.pmc_member)

    assert SUM.findall(rows["secondary", "enrolled"])[0][1] == "40"
    assert "data-sum" not in rows["vocational", "enrolled"]  # Karaganda's 1,250 is outside the mandate
    href = COUNT.findall(rows["vocational", "enrolled"])[1][0]
    assert personas.other_colony.code not in _list(client, href)[0]
    listing = client.get(reverse("custody:enrolment") + "?programme=vocational&measure=enrolled&reported=yes")
    assert personas.other_colony.code not in listing.content.decode()


def test_in_kazakh_and_russian_the_figures_use_the_locales_grouping(client, personas, reports):
    for language in ("kk", "ru"):
        rows = _overview(client, personas.npm_monitor, language)
        vocational = rows["vocational", "enrolled"]
        assert "1\xa0250" in vocational, language
        assert "1,250" not in vocational
        assert SUM.findall(vocational)[0][1] == "1250"  # the machine-read attribute is not localised


def test_the_figures_cost_one_query_however_many_facilities_report(client, personas, reports):
    client.force_login(personas.npm_monitor)
    url = reverse("facilities:overview")
    client.get(url)  # session and caches warm

    def enrolment_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured), sum("custody_enrolment" in q["sql"] for q in captured.captured_queries)

    total, ours = enrolment_queries()
    for n in range(5):
        colony = FacilityFactory(code=f"EC-{n}", type="colony_medium", region=personas.region,
                                 operator=personas.colony.operator)
        officer = UserFactory(username=f"officer.ec{n}", organisation=colony.operator,
                              role=Role.FACILITY_OFFICER, facility=colony)
        for programme in ("secondary", "vocational", "resocialisation"):
            record_enrolment(by=officer, facility=colony, programme=programme, month=NOVEMBER, enrolled=n,
                             completed=None)
    assert enrolment_queries() == (total, ours)
    assert ours == 1
    assert total <= 15


hostile = st.one_of(st.text(max_size=40), st.sampled_from(["secondary", "enrolled", "yes", "no", "\x00", "%00",
                                                           "secondary' OR 1=1 --", "9" * 50,
                                                           "2026-11", "0000-01", "2026-13", "9999-12"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["programme", "measure", "reported", "month", "page"]), hostile, max_size=5))
def test_any_query_gives_the_list_or_a_clear_refusal_never_an_error(client, personas, query):
    client.force_login(personas.npm_monitor)
    response = client.get(reverse("custody:enrolment"), query)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert 'role="alert"' in response.content.decode()


def test_the_demo_reports_a_sample_of_colonies_leaves_others_unreported_and_loads_once(personas):
    from custody.demo import SAMPLES, load_enrolment_demo
    from custody.models import Enrolment
    from custody.selectors import enrolment_rows, national_enrolment
    from facilities.models import Facility

    for n in range(8):
        FacilityFactory(code=f"DC-{n}", type="colony_medium", region=personas.region,
                        operator=personas.colony.operator, operational_capacity=1200)
    today = dt.date(2026, 12, 2)

    assert load_enrolment_demo(today=today) > 0
    assert load_enrolment_demo(today=today) == 0

    figures, expected = national_enrolment(Facility.objects.all())
    by_key = {(f.programme, f.measure): f for f in figures}
    secondary, vocational = by_key["secondary", "enrolled"], by_key["vocational", "enrolled"]
    assert expected == 10
    assert secondary.reporting == sum(1 for s in SAMPLES if s.secondary is not None)
    assert secondary.not_reporting == expected - secondary.reporting > 0
    assert by_key["secondary", "completed"].reporting < secondary.reporting  # one colony gave no completions
    assert secondary.people == sum(r.enrolled for r in enrolment_rows(
        Facility.objects.all(), programme="secondary", measure="enrolled", reported=True))
    held = sum(Facility.objects.filter(code__in=[r.facility.code for r in enrolment_rows(
        Facility.objects.all(), programme="vocational", measure="enrolled", reported=True)])
        .values_list("operational_capacity", flat=True))
    assert 0.03 * held <= vocational.people <= 0.06 * held  # in proportion to the people held
    npm = Enrolment.objects.get(reported_by=personas.npm_monitor.organisation)
    assert npm.facility.code in {r.facility.code for r in enrolment_rows(
        Facility.objects.all(), programme=npm.programme, measure="enrolled", reported=True)}
    assert secondary.reporters == (personas.colony.operator.name_en,)  # the NPM's recount is not added in
    assert {f.last_month for f in figures if f.last_month} == {dt.date(2026, 11, 1)}
    assert {f.first_month for f in figures if f.first_month} >= {dt.date(2026, 10, 1)}
