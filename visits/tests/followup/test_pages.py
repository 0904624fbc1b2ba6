"""The follow-up pages as a monitor and an addressee use them; every national figure equals its list."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from django.test import Client
from django.urls import reverse

from visits.models import Addressee, Finding, FindingStatus, Recommendation, RecommendationStatus
from visits.services import findings as finding_services
from visits.services import recommendations as services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC), tick=False)


def pdf_text(pdf: bytes) -> bytes:
    """The PDF's bytes with every compressed stream inflated (fonts may sit in object streams)."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"".join(parts)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def followed(world):
    """Findings confirmed on the first visit, recommendations issued, one answered and one checked later."""
    monitor = world.personas.npm_monitor
    for finding in finding_services.propose_findings(visit=world.first, by=monitor):
        finding_services.confirm_finding(finding=finding, by=monitor)
    for finding in finding_services.propose_findings(visit=world.elsewhere, by=monitor):
        finding_services.confirm_finding(finding=finding, by=monitor)
    space = Finding.objects.get(visit=world.first, indicator__code="SPACE-01")
    first = services.issue_recommendation(finding=space, by=monitor, addressee=Addressee.FACILITY,
                                          text="Give every person 4 m2.", response_due=dt.date(2026, 7, 1))
    second = services.issue_recommendation(finding=space, by=monitor, addressee=Addressee.PENAL_COMMITTEE,
                                           text="Fund the new block.", response_due=dt.date(2026, 7, 1))
    services.respond(recommendation=first, by=world.personas.facility_officer, status=RecommendationStatus.ACCEPTED,
                     actions=[("Move people to block 3", dt.date(2026, 8, 1))])
    services.check_recommendation(recommendation=first, visit=world.second, by=monitor,
                                  status=RecommendationStatus.IMPLEMENTED)
    return world, first, second


def test_a_monitor_proposes_confirms_and_recommends_through_the_findings_page(world):
    client = client_of(world.personas.npm_monitor)
    url = reverse("visits:findings", args=[world.first.pk])

    assert client.post(url, {"action": "propose"}).status_code == 302
    space = Finding.objects.get(visit=world.first, indicator__code="SPACE-01")
    page = client.get(url).content.decode()
    assert f'id="finding-{space.pk}"' in page
    assert "reference not confirmed" in page
    client.post(url, {"action": "confirm", "finding": space.pk, "severity": "high", "critical_kind": ""})
    response = client.post(reverse("visits:recommend", args=[world.first.pk, space.pk]), {
        "addressee": "facility", "text": "Give every person 4 m2.", "response_due": "2026-07-01"})

    assert response.status_code == 302
    assert Finding.objects.get(pk=space.pk).status == FindingStatus.CONFIRMED
    assert Recommendation.objects.get().response_due == dt.date(2026, 7, 1)
    bad = client.post(reverse("visits:recommend", args=[world.first.pk, space.pk]), {
        "addressee": "facility", "text": "Again", "response_due": "2020-01-01"}, follow=True)
    assert "may not be before" in bad.content.decode()
    assert Recommendation.objects.count() == 1


def test_the_addressee_sees_only_what_is_addressed_to_them(followed):
    world, first, second = followed
    client = client_of(world.personas.facility_officer)

    listing = client.get(reverse("visits:answers")).content.decode()
    assert first.code in listing
    assert second.code not in listing  # addressed to the committee, not the facility
    detail = client.get(reverse("visits:answer", args=[first.pk])).content.decode()
    assert "Give every person 4 m2." in detail
    assert "P-01" not in detail
    assert "CHD-01" not in detail
    assert client.get(reverse("visits:answer", args=[second.pk])).status_code == 404
    for name in ("visits:findings", "visits:follow-up", "visits:report"):
        assert client.get(reverse(name, args=[world.first.pk])).status_code == 403
    assert client.get(reverse("visits:national")).status_code == 403


def test_a_bad_answer_names_the_field_and_stores_nothing(world):
    monitor = world.personas.npm_monitor
    finding = finding_services.confirm_finding(
        finding=finding_services.propose_findings(visit=world.first, by=monitor)[0], by=monitor)
    recommendation = services.issue_recommendation(finding=finding, by=monitor, addressee=Addressee.FACILITY,
                                                   text="Fix it.", response_due=dt.date(2026, 7, 1))
    client = client_of(world.personas.facility_officer)
    url = reverse("visits:answer", args=[recommendation.pk])

    response = client.post(url, {"action": "respond", "status": "accepted", "action_1": "Paint", "due_1": "31.02.2026"})
    assert response.status_code == 400
    assert "Action 1" in response.content.decode()
    response = client.post(url, {"action": "respond", "status": "rejected", "text": ""})
    assert response.status_code == 400
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.AWAITING_RESPONSE
    assert not recommendation.statements.exists()


def test_the_follow_up_pages_carry_forward_and_record_checks(followed):
    world, first, second = followed
    client = client_of(world.personas.npm_monitor)
    page = client.get(reverse("visits:follow-up", args=[world.second.pk])).content.decode()
    assert second.code in page
    assert first.code not in page
    assert "P-01" in page
    response = client.post(reverse("visits:follow-up", args=[world.second.pk]),
                           {"action": "reprisal", "interview": world.interview.pk, "outcome": "no_sign"})
    assert response.status_code == 302
    facility_page = client.get(reverse("visits:facility-follow-up", args=[world.personas.colony.pk])).content.decode()
    assert first.code in facility_page
    assert second.code in facility_page


def test_every_national_figure_links_to_a_list_of_exactly_that_many(followed, django_assert_max_num_queries):
    world = followed[0]
    client = client_of(world.personas.npm_monitor)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("visits:national")).content.decode()
    figures = re.findall(r'class="figure-link" href="([^"]+)" data-figure="[^"]*" data-count="(\d+)"', page)
    assert len(figures) > 20
    for href, count in set(figures):
        listing = client.get(href.replace("&amp;", "&")).content.decode()
        assert f'data-total="{count}"' in listing, href
    assert 'data-figure="implemented" data-count="1"' in page
    assert 'data-figure="issued" data-count="2"' in page


def test_the_national_view_follows_the_mandate(followed):
    world = followed[0]
    pmc = client_of(world.personas.pmc_member).get(reverse("visits:national")).content.decode()
    everything = client_of(world.personas.npm_monitor).get(reverse("visits:national")).content.decode()
    assert world.personas.other_region.name_en in everything
    assert world.personas.other_region.name_en not in pmc


@pytest.mark.sqlite_only  # rendering, not queries: the PostgreSQL run skips it
def test_the_visit_report_in_three_languages_and_as_pdf(followed):
    world = followed[0]
    client = client_of(world.personas.npm_monitor)
    for language, word in (("en", "Visit report"), ("ru", "Дети (Гаванские"), ("kk", "Балалар (Гавана")):
        page = client.get(reverse("visits:report", args=[world.first.pk]) + f"?language={language}")
        assert page.status_code == 200
        assert word in page.content.decode()
    pdf = client.get(reverse("visits:report-pdf", args=[world.first.pk]) + "?language=kk")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert b"DejaVu" in pdf_text(pdf.content)  # the font that has the Kazakh letters is embedded
    assert client.get(reverse("visits:report", args=[world.first.pk]) + "?language=xx").status_code == 404


def test_the_exports_hold_the_mandates_rows(followed):
    world = followed[0]
    client = client_of(world.personas.pmc_member)
    findings = client.get(reverse("visits:export", args=["findings", "csv"])).content.decode("utf-8-sig")
    assert world.personas.colony.code in findings
    assert world.personas.other_colony.code not in findings
    assert len(findings.strip().splitlines()) == 1 + Finding.objects.filter(
        facility=world.personas.colony, status=FindingStatus.CONFIRMED).count()
    workbook = client.get(reverse("visits:export", args=["followup", "xlsx"]))
    assert workbook.status_code == 200
    assert workbook.content[:2] == b"PK"
    assert client.get(reverse("visits:export", args=["secrets", "csv"])).status_code == 404


def test_the_facility_follow_up_page_takes_the_same_queries_however_many_recommendations(
        followed, django_assert_max_num_queries):
    world, first, _second = followed
    client = client_of(world.personas.npm_monitor)
    url = reverse("visits:facility-follow-up", args=[world.personas.colony.pk])
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    finding = first.finding
    for n in range(5):
        more = services.issue_recommendation(finding=finding, by=world.personas.npm_monitor,
                                             addressee=Addressee.FACILITY, text=f"More {n}",
                                             response_due=dt.date(2026, 7, 1))
        services.respond(recommendation=more, by=world.personas.facility_officer, status=RecommendationStatus.ACCEPTED,
                         actions=[("Do it", dt.date(2026, 8, 1)), ("And this", dt.date(2026, 9, 1))])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "More 4" in page
