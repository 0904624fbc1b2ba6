"""Children in colonies' homes (the age limit and its extension, alerts before it, the plan),
deferral reviews, and enrolment figures where unknown is never zero."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from custody.models import Pregnancy
from custody.selectors import child_age_limit, children_in_homes, deferral_reviews, national_enrolment
from custody.services.colonies import record_child, record_enrolment
from custody.tests.enrolment_table import COUNT, LIST_COUNT, ROW, SUM, VALUE
from facilities.factories import FacilityFactory, UserFactory
from facilities.models import Facility

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def women(personas):
    colony = FacilityFactory(code="UG-157/11", type="colony_women", region=personas.region)
    officer = UserFactory(username="officer.women", organisation=colony.operator, role="facility_officer",
                          facility=colony)
    return colony, officer


def test_the_limit_is_three_years_or_four_when_the_mother_is_released_within_a_year(women):
    colony, officer = women
    plain = record_child(by=officer, facility=colony, code="C-1", birth_date=dt.date(2024, 2, 10),
                         admitted_on=dt.date(2024, 2, 10))
    extended = record_child(by=officer, facility=colony, code="C-2", birth_date=dt.date(2024, 2, 10),
                            admitted_on=dt.date(2024, 3, 1), mother_release_on=dt.date(2027, 12, 1))
    late_release = record_child(by=officer, facility=colony, code="C-3", birth_date=dt.date(2024, 2, 10),
                                admitted_on=dt.date(2024, 3, 1), mother_release_on=dt.date(2028, 3, 1))
    assert child_age_limit(plain) == dt.date(2027, 2, 10)
    assert child_age_limit(extended) == dt.date(2028, 2, 10)
    assert child_age_limit(late_release) == dt.date(2027, 2, 10)


def test_a_child_approaching_the_limit_without_a_plan_is_flagged(women, settings):
    colony, officer = women
    record_child(by=officer, facility=colony, code="C-1", birth_date=dt.date(2024, 1, 15),
                 admitted_on=dt.date(2024, 1, 15))
    record_child(by=officer, facility=colony, code="C-2", birth_date=dt.date(2025, 6, 1),
                 admitted_on=dt.date(2025, 6, 1), plan="to the grandmother in Taraz")
    rows = {r["child"].code: r for r in children_in_homes(Facility.objects.all(), today=TODAY)}
    assert rows["C-1"]["status"] == "approaching"
    assert rows["C-1"]["needs_plan"]
    assert rows["C-2"]["status"] == "ok"
    settings.CUSTODY_CHILD_WARNING_DAYS = 30
    rows = {r["child"].code: r for r in children_in_homes(Facility.objects.all(), today=TODAY)}
    assert rows["C-1"]["status"] == "ok"


def test_mothers_and_pregnant_women_are_listed_for_a_deferral_review(women):
    colony, officer = women
    record_child(by=officer, facility=colony, code="C-1", birth_date=dt.date(2025, 1, 1),
                 admitted_on=dt.date(2025, 1, 1))
    Pregnancy.objects.create(facility=colony, code="P-1", expected_on=dt.date(2027, 2, 1))
    assert deferral_reviews(Facility.objects.all()) == {"UG-157/11": 2}


def test_a_child_cannot_be_admitted_before_birth_and_officers_record_only_their_own(women, personas):
    colony, officer = women
    with pytest.raises(ValidationError):
        record_child(by=officer, facility=colony, code="C-9", birth_date=dt.date(2025, 1, 2),
                     admitted_on=dt.date(2025, 1, 1))
    from facilities.services import OutsideMandate

    with pytest.raises(OutsideMandate):
        record_child(by=officer, facility=personas.colony, code="C-9", birth_date=dt.date(2025, 1, 2),
                     admitted_on=dt.date(2025, 1, 3))


def test_the_months_figures_add_the_operators_reports_only_and_say_who_reported(women, personas, client):
    colony, officer = women
    record_enrolment(by=officer, facility=colony, programme="secondary", month=dt.date(2026, 11, 5),
                     enrolled=40, completed=None)
    record_enrolment(by=personas.npm_monitor, facility=personas.colony, programme="secondary",
                     month=dt.date(2026, 11, 1), enrolled=25, completed=10)  # another body's count: not added
    record_enrolment(by=officer, facility=colony, programme="secondary", month=dt.date(2026, 10, 1),
                     enrolled=999, completed=None)  # another month
    with pytest.raises(ValidationError):
        record_enrolment(by=officer, facility=colony, programme="secondary", month=dt.date(2026, 11, 1),
                         enrolled=5, completed=6)
    figures, expected = national_enrolment(Facility.objects.all(), dt.date(2026, 11, 1))
    by_key = {(f.programme, f.measure): f for f in figures}
    secondary = by_key["secondary", "enrolled"]
    assert (secondary.people, secondary.reporting, secondary.reporters) == (40, 1, (colony.operator.name_en,))
    assert secondary.not_reporting == expected - 1
    assert by_key["secondary", "completed"].people is None  # the NPM's 10 completions are not the operator's
    assert by_key["vocational", "enrolled"].people is None

    client.force_login(personas.npm_monitor)
    page = client.get(reverse("custody:colonies") + "?month=2026-11").content.decode()
    rows = dict(((p, m), cells) for p, m, cells in ROW.findall(page))
    [(href, people)] = SUM.findall(rows["secondary", "enrolled"])
    assert people == "40"
    assert "month=2026-11" in html_lib.unescape(href)
    listing = client.get(html_lib.unescape(href)).content.decode()
    assert [int(v) for v in VALUE.findall(listing)] == [40]  # the figure is the list it opens
    assert colony.code in listing
    assert personas.colony.code not in listing
    (reported_href, reporting), (missing_href, missing) = COUNT.findall(rows["secondary", "enrolled"])
    reported_page = client.get(html_lib.unescape(reported_href)).content.decode()
    assert int(LIST_COUNT.search(reported_page).group(1)) == int(reporting) == 1
    missing_page = client.get(html_lib.unescape(missing_href)).content.decode()
    assert int(LIST_COUNT.search(missing_page).group(1)) == int(missing) == expected - 1
    assert personas.colony.code in missing_page  # reported by the NPM only: the operator did not report
    assert colony.operator.name_en in rows["secondary", "enrolled"]
    assert "not reported" in rows["vocational", "enrolled"]
    october = client.get(reverse("custody:colonies") + "?month=2026-10").content.decode()
    assert dict(((p, m), SUM.findall(c)) for p, m, c in ROW.findall(october))["secondary", "enrolled"][0][1] == "999"


def test_antenatal_care_is_measured_against_the_schedule(women):
    from custody.models import AntenatalVisit
    from custody.selectors import antenatal_care

    colony, _officer = women
    expected = TODAY + dt.timedelta(weeks=12)  # 28 weeks pregnant today: contacts at 12, 20 and 26 due
    pregnancy = Pregnancy.objects.create(facility=colony, code="P-1", expected_on=expected)
    conception = expected - dt.timedelta(weeks=40)
    AntenatalVisit.objects.create(pregnancy=pregnancy, on=conception + dt.timedelta(weeks=12, days=2))
    AntenatalVisit.objects.create(pregnancy=pregnancy, on=conception + dt.timedelta(weeks=25))
    [row] = antenatal_care(Facility.objects.all(), today=TODAY)
    assert (row["week"], row["due"], row["made"]) == (28, 3, 2)
    assert row["missed"] == 1  # the 20-week contact; the 25-week visit counts for the 26-week one


def test_the_officer_records_a_child_and_an_enrolment_on_the_page(client, women, personas):
    from custody.models import ChildInColony, Enrolment

    colony, officer = women
    client.force_login(officer)
    url = reverse("custody:colonies")
    bad = client.post(url, {"form": "child", "child-facility": colony.pk, "child-code": "C-1",
                            "child-birth_date": "2025-05-02", "child-admitted_on": "2025-05-01"})
    assert bad.status_code == 200
    assert "before they were born" in bad.content.decode()
    assert not ChildInColony.objects.exists()
    ok = client.post(url, {"form": "child", "child-facility": colony.pk, "child-code": "C-1",
                           "child-birth_date": "2025-05-02", "child-admitted_on": "2025-05-02"})
    assert ok.status_code == 302
    assert ChildInColony.objects.get().recorded_by == officer
    client.post(url, {"form": "enrolment", "enrolment-facility": colony.pk, "enrolment-programme": "vocational",
                      "enrolment-month": "2026-11", "enrolment-enrolled": "12"})
    enrolment = Enrolment.objects.get()
    assert (enrolment.enrolled, enrolment.completed, enrolment.month) == (12, None, dt.date(2026, 11, 1))
    outside = client.post(url, {"form": "child", "child-facility": personas.colony.pk, "child-code": "C-2",
                                "child-birth_date": "2025-05-02", "child-admitted_on": "2025-05-02"})
    assert outside.status_code == 200  # not a choice: the facility is outside the officer's mandate
    assert ChildInColony.objects.count() == 1
    client.force_login(personas.prosecutor)
    assert client.post(url, {"form": "child"}).status_code == 403
