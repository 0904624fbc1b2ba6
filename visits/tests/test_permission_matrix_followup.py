"""docs/permissions/visits.md, "Findings, recommendations and reports": every cell, with real requests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lib.testing.matrix import FACILITIES, MANDATES, assert_document_matches, read_matrix
from visits.models import Addressee, Compliance, Finding, FindingStatus, Notification, Recommendation
from visits.services import findings as finding_services
from visits.services import recommendations as services
from visits.tests.followup.world import answer, catalogue, officer_of, visit

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "permissions" / "visits.md"
COLUMNS, MATRIX = read_matrix(DOCUMENT, first_column="Findings of a visit in mandate")



class World:
    """NPM visits everywhere in May, with findings and recommendations; each body's own visit in June."""

    def __init__(self, personas: Any, name: str) -> None:
        self.p = personas
        self.name = name
        self.user = getattr(personas, name)
        self.version, self.themes, self.indicators = catalogue()
        npm = personas.npm_monitor
        self.may = {key: self._visit(key, npm, dt.date(2026, 5, 1)) for key in FACILITIES}
        self.recommendations = {}
        for key, earlier in self.may.items():
            finding = finding_services.propose_findings(visit=earlier, by=npm)[0]
            finding = finding_services.confirm_finding(finding=finding, by=npm)
            self.recommendations[key] = services.issue_recommendation(
                finding=finding, by=npm, addressee=Addressee.FACILITY, text=f"Marker recommendation {key}",
                response_due=timezone.localdate() + dt.timedelta(days=30))
        bodies = {
            "npm_monitor": npm, "ombudsman_monitor": personas.ombudsman_monitor, "prosecutor": personas.prosecutor,
            "pmc_member": personas.pmc_member,
        }
        home = {"npm_monitor": "colony", "ombudsman_monitor": "special_school", "prosecutor": "colony",
                "pmc_member": "colony"}
        self.june = {body: self._visit(home[body], user, dt.date(2026, 6, 1)) for body, user in bodies.items()}
        self.officer_elsewhere = officer_of(personas.other_colony)
        self.their_notice = Notification.objects.create(
            recipient=personas.npm_monitor if name != "npm_monitor" else personas.prosecutor,
            kind="critical_finding", subject="finding:0", created_at=timezone.now())

    def _visit(self, key: str, by: Any, day: dt.date) -> Any:
        made = visit(facility=getattr(self.p, key), organisation=by.organisation, by=by, version=self.version,
                     planned_on=day)
        answer(made, self.indicators["SPACE-01"], "2.0", Compliance.NOT_MET, by)
        return made

    @property
    def mandate(self) -> set[str]:
        return MANDATES[self.name]

    def inside(self) -> str:
        return sorted(self.mandate)[0] if self.mandate else "colony"

    def own_visit(self) -> Any:
        """A June visit of the user's own body (the NPM analyst's body is the NPM)."""
        body = "npm_monitor" if self.name == "analyst" else self.name
        return self.june.get(body, self.june["npm_monitor"])

    def foreign_visit(self) -> Any:
        """A visit of another body to a facility in the user's mandate."""
        return self.june["ombudsman_monitor"] if self.name == "npm_monitor" else \
            self.may["special_school"] if self.name == "ombudsman_monitor" else self.may["colony"]

    def client(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client


def assert_refused(response: Any, *, statuses: tuple[int, ...] = (403, 404)) -> None:
    assert response.status_code in statuses, response.status_code
    assert b"Marker recommendation" not in response.content


# --- one check per column -------------------------------------------------------------------


def _view(world: World, value: str, url_of: Any) -> None:
    client = world.client()
    if value == "yes":
        for key in sorted(world.mandate):
            response = client.get(url_of(key))
            assert response.status_code == 200, (key, response.status_code)
    else:
        assert value == "no"
        assert_refused(client.get(url_of(world.inside())))


def check_findings_in_mandate(world: World, value: str) -> None:
    _view(world, value, lambda key: reverse("visits:findings", args=[world.may[key].pk]))


def check_findings_outside_mandate(world: World, value: str) -> None:
    client = world.client()
    if value == "—":
        for key in FACILITIES:
            assert client.get(reverse("visits:findings", args=[world.may[key].pk])).status_code == 200
        return
    outside = [key for key in FACILITIES if key not in world.mandate]
    for key in outside:
        response = client.get(reverse("visits:findings", args=[world.may[key].pk]))
        assert_refused(response, statuses=(404,) if value == "404" else (403, 404))


def _decide(world: World, visit_: Any) -> Any:
    return world.client().post(reverse("visits:findings", args=[visit_.pk]), {"action": "propose"})


def check_decide(world: World, value: str) -> None:
    if value == "own organisation":
        assert _decide(world, world.own_visit()).status_code == 302
        assert Finding.objects.filter(visit=world.own_visit()).count() == 1
        assert_refused(_decide(world, world.foreign_visit()), statuses=(403,))
    else:
        assert value == "no"
        before = Finding.objects.count()
        assert_refused(_decide(world, world.own_visit()))
        assert Finding.objects.count() == before


def _confirmed_on(visit_: Any) -> Finding:
    owner = visit_.created_by
    finding_services.propose_findings(visit=visit_, by=owner)
    finding = visit_.findings.order_by("pk").first()
    if finding.status == FindingStatus.PROPOSED:
        finding = finding_services.confirm_finding(finding=finding, by=owner)
    return finding


def _recommend(world: World, visit_: Any) -> Any:
    finding = _confirmed_on(visit_)
    return world.client().post(reverse("visits:recommend", args=[visit_.pk, finding.pk]), {
        "addressee": "facility", "text": "Issued through the matrix", "response_due": "2099-01-01"})


def check_recommend(world: World, value: str) -> None:
    if value == "own organisation":
        visit_ = world.own_visit()
        with_due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
        finding = _confirmed_on(visit_)
        response = world.client().post(reverse("visits:recommend", args=[visit_.pk, finding.pk]), {
            "addressee": "ministry", "text": "Issued through the matrix", "response_due": with_due})
        assert response.status_code == 302
        assert Recommendation.objects.filter(finding=finding, addressee="ministry").exists()
        assert_refused(_recommend(world, world.foreign_visit()), statuses=(403,))
    else:
        assert value == "no"
        assert_refused(_recommend(world, world.own_visit()))
        assert not Recommendation.objects.filter(text="Issued through the matrix").exists()


def _check(world: World, visit_: Any) -> Any:
    key = next(k for k, v in world.may.items() if v.facility_id == visit_.facility_id)
    return world.client().post(reverse("visits:follow-up", args=[visit_.pk]), {
        "recommendation": world.recommendations[key].pk, "status": "partly_implemented", "text": "Seen"})


def check_follow_up_check(world: World, value: str) -> None:
    if value == "own organisation":
        assert _check(world, world.own_visit()).status_code == 302
        assert Recommendation.objects.filter(status="partly_implemented").count() == 1
        foreign = world.june["npm_monitor"] if world.name != "npm_monitor" else world.june["pmc_member"]
        if world.name == "ombudsman_monitor":
            foreign = visit(facility=world.p.special_school, organisation=world.p.npm_monitor.organisation,
                            by=world.p.npm_monitor, version=world.version, planned_on=dt.date(2026, 6, 2))
        assert_refused(_check(world, foreign), statuses=(403,))
    else:
        assert value == "no"
        assert_refused(_check(world, world.own_visit()))
        assert not Recommendation.objects.filter(status="partly_implemented").exists()


def check_follow_up_pages(world: World, value: str) -> None:
    _view(world, value, lambda key: reverse("visits:follow-up", args=[world.may[key].pk]))
    _view(world, value, lambda key: reverse("visits:facility-follow-up", args=[getattr(world.p, key).pk]))


def check_report(world: World, value: str) -> None:
    _view(world, value, lambda key: reverse("visits:report", args=[world.may[key].pk]))


def check_report_pdf(world: World, value: str) -> None:
    client = world.client()
    url = reverse("visits:report-pdf", args=[world.may[world.inside()].pk]) + "?language=ru"
    if value == "yes":
        response = client.get(url)
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
    else:
        assert_refused(client.get(url))


def _national(world: World, value: str, url: str) -> None:
    response = world.client().get(url)
    if value == "yes":
        assert response.status_code == 200
        content = response.content.decode("utf-8-sig")
        for key in FACILITIES:
            facility = getattr(world.p, key)
            if key not in world.mandate:
                assert facility.code not in content, key
    else:
        assert_refused(response)


def check_national(world: World, value: str) -> None:
    _national(world, value, reverse("visits:national"))


def check_lists(world: World, value: str) -> None:
    _national(world, value, reverse("visits:finding-list"))
    _national(world, value, reverse("visits:recommendation-list"))


def check_export(world: World, value: str) -> None:
    _national(world, value, reverse("visits:export", args=["findings", "csv"]))
    _national(world, value, reverse("visits:export", args=["recommendations", "csv"]))


def check_answers(world: World, value: str) -> None:
    client = world.client()
    own, elsewhere = world.recommendations["colony"], world.recommendations["other_colony"]
    if value == "own facility":
        listing = client.get(reverse("visits:answers"))
        assert listing.status_code == 200
        assert b"Marker recommendation colony" in listing.content
        assert b"Marker recommendation other_colony" not in listing.content
        assert client.get(reverse("visits:answer", args=[own.pk])).status_code == 200
        assert client.get(reverse("visits:answer", args=[elsewhere.pk])).status_code == 404
    else:
        assert value == "no"
        assert_refused(client.get(reverse("visits:answers")))
        assert_refused(client.get(reverse("visits:answer", args=[own.pk])))


def _answer(world: World, recommendation: Recommendation) -> Any:
    return world.client().post(reverse("visits:answer", args=[recommendation.pk]), {
        "action": "respond", "status": "rejected", "text": "No budget."})


def check_answer(world: World, value: str) -> None:
    own, elsewhere = world.recommendations["colony"], world.recommendations["other_colony"]
    if value == "own facility":
        assert _answer(world, own).status_code == 302
        own.refresh_from_db()
        assert own.status == "rejected"
        assert _answer(world, elsewhere).status_code == 404
    else:
        assert value == "no"
        own.refresh_from_db()
        before = own.status
        assert_refused(_answer(world, own))
        own.refresh_from_db()
        assert own.status == before
        assert not own.statements.filter(kind="response").exists()
    elsewhere.refresh_from_db()
    assert elsewhere.status == "awaiting_response"


def check_notices(world: World, value: str) -> None:
    assert value == "yes"
    client = world.client()
    mine = Notification.objects.create(recipient=world.user, kind="response_due", subject="recommendation:0",
                                       created_at=timezone.now())
    assert client.get(reverse("visits:notices")).status_code == 200
    assert client.get(reverse("visits:notice", args=[mine.pk])).status_code == 302
    assert client.get(reverse("visits:notice", args=[world.their_notice.pk])).status_code == 404
    world.their_notice.refresh_from_db()
    assert world.their_notice.read_at is None


CHECKS = {
    "Findings of a visit in mandate": check_findings_in_mandate,
    "Findings of a visit outside mandate": check_findings_outside_mandate,
    "Decide on findings": check_decide,
    "Issue recommendations": check_recommend,
    "Check at the next visit": check_follow_up_check,
    "Follow-up pages": check_follow_up_pages,
    "Visit report": check_report,
    "Visit report PDF": check_report_pdf,
    "National findings view": check_national,
    "Findings and recommendations lists": check_lists,
    "Findings export": check_export,
    "Recommendations to answer": check_answers,
    "Answer a recommendation": check_answer,
    "Notices": check_notices,
}


def test_the_document_and_the_checks_name_the_same_columns_and_values():
    assert_document_matches(MATRIX, COLUMNS, personas=MANDATES, checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(MANDATES))
def test_every_cell_of_the_follow_up_matrix(personas, persona, settings, tmp_path):
    settings.VISITS_EVIDENCE_ROOT = tmp_path / "evidence"
    world = World(personas, persona)
    for column in COLUMNS:
        CHECKS[column](world, MATRIX[persona][column])
