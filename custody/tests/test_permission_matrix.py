"""docs/permissions/custody.md, checked cell by cell with real requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.testing import ApiClient
from custody import iin
from custody.models import Alert
from custody.services.register import submit_record
from custody.testing import MINOR_BIRTH, row
from facilities.factories import FacilityFactory, UnitFactory
from lib.testing.matrix import MANDATES, assert_document_matches, read_matrix

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "permissions" / "custody.md"
COLUMNS, MATRIX = read_matrix(DOCUMENT, first_column="Custody dashboard")
# Columns whose pages are not built yet; remove a name once its page exists.
PAGES_NOT_BUILT: set[str] = set()


class World:
    def __init__(self, personas: Any, name: str) -> None:
        self.personas, self.name, self.user = personas, name, getattr(personas, name)
        self.almaty = FacilityFactory(code="TDC-A", type="police_tdc", region=personas.region,
                                      name_en="MarkerAlmatyCentre")
        self.karaganda = FacilityFactory(code="TDC-K", type="police_tdc", region=personas.other_region,
                                         name_en="MarkerKaragandaCentre")
        for centre in (self.almaty, self.karaganda):
            UnitFactory(facility=centre, code="K-1", kind="cell", capacity=4)
        late = dict(court_sanction_at="05.03.2026 12:00", transferred_at="05.03.2026 13:00")
        self._submit(self.almaty, "ADULT-1", row(facility="TDC-A", **late))
        child = row(facility="TDC-K", iin=iin.make(MINOR_BIRTH, "female", serial=5),
                    family_notified_at="02.03.2026 11:00", court_sanction_at="04.03.2026 12:00")
        self._submit(self.karaganda, "CHILD-1", child)
        self.adult_alert = Alert.objects.filter(facility=self.almaty, rule="adult_sanction_48h").get()
        self.child_alert = Alert.objects.filter(facility=self.karaganda, rule="minor_sanction_24h").get()

    @staticmethod
    def _submit(facility: Any, record_id: str, values: dict[str, Any]) -> None:
        data = {k: v for k, v in values.items() if k not in ("record_id", "facility")}
        outcome = submit_record(by=None, facility_code=facility.code, record_id=record_id, data=data, placements=None)
        assert outcome.ok, outcome.problems

    def browser(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client

    def api(self) -> ApiClient:
        return ApiClient(self.user)


def _page(world: World, url: str) -> Any:
    return world.browser().get(url)


def check_dashboard(world: World, cell: str) -> None:
    response = _page(world, reverse("custody:dashboard"))
    listing = _page(world, reverse("custody:alerts") + "?status=all")
    if cell == "yes":
        assert response.status_code == 200
        assert listing.status_code == 200
    else:
        assert cell == "no"
        assert response.status_code == 403
        assert listing.status_code == 403


def _check_alert(alert_of: Callable[[World], Alert]) -> Callable[[World, str], None]:
    def check(world: World, cell: str) -> None:
        alert = alert_of(world)
        response = _page(world, reverse("custody:alert", args=[alert.pk]))
        listing = _page(world, reverse("custody:alerts") + "?status=all")
        link = reverse("custody:alert", args=[alert.pk])
        if cell == "yes":
            assert response.status_code == 200
            assert alert.evidence[0]["record_id"] in response.content.decode()
            assert link in listing.content.decode()
        elif cell == "404":
            assert response.status_code == 404
            assert listing.status_code == 200
            assert link not in listing.content.decode()
        else:
            assert cell == "no"
            assert response.status_code == 403
    return check


def check_import_page(world: World, cell: str) -> None:
    response = _page(world, reverse("custody:import"))
    assert response.status_code == (200 if cell == "yes" else 403)


def check_api_submit(world: World, cell: str) -> None:
    body = {k: v for k, v in row().items() if k not in ("record_id", "facility")}
    api = world.api()
    own = world.personas.colony
    UnitFactory(facility=own, code="K-1", kind="cell", capacity=4)
    at_centre = api.send("put", f"/custody/facilities/{world.almaty.pk}/records/NEW-1", json.dumps(body))
    at_own = api.send("put", f"/custody/facilities/{own.pk}/records/NEW-2", json.dumps(body))
    if cell == "yes":
        assert at_centre.status_code == 201, at_centre.content
        assert at_own.status_code == 201
    elif cell == "own facility":
        assert at_centre.status_code == 404
        assert at_own.status_code == 201, at_own.content
    else:
        assert cell == "no"
        assert at_centre.status_code == 403
        assert at_own.status_code == 403


def check_api_event(world: World, cell: str) -> None:
    own = world.personas.colony
    UnitFactory(facility=own, code="K-9", kind="cell", capacity=4)
    World._submit(own, "OWN-1", row(facility=own.code))
    event = {"moment": "released_at", "at": "2026-03-04T04:00:00+05:00"}
    api = world.api()
    at_centre = api.post(f"/custody/facilities/{world.almaty.pk}/records/ADULT-1/events", event)
    at_own = api.post(f"/custody/facilities/{own.pk}/records/OWN-1/events", event)
    if cell == "yes":
        assert at_centre.status_code == 200, at_centre.content
        assert at_own.status_code == 200
    elif cell == "own facility":
        assert at_centre.status_code == 404
        assert at_own.status_code == 200, at_own.content
    else:
        assert cell == "no"
        assert at_centre.status_code == 403
        assert at_own.status_code == 403


def check_api_alerts(world: World, cell: str) -> None:
    response = world.api().get("/custody/alerts", {"status": "all"})
    if cell == "yes":
        assert response.status_code == 200
        shown = {a["id"] for a in response.json()}
        expected = {a.pk for a, column in ((world.adult_alert, "Adult's alert, Almaty centre"),
                                           (world.child_alert, "Child's alert, Karaganda centre"))
                    if MATRIX[world.name][column] == "yes"}
        assert expected <= shown
        hidden = {a.pk for a, column in ((world.adult_alert, "Adult's alert, Almaty centre"),
                                         (world.child_alert, "Child's alert, Karaganda centre"))
                  if MATRIX[world.name][column] != "yes"}
        assert not hidden & shown
    else:
        assert cell == "no"
        assert response.status_code == 403


CHECKS: dict[str, Callable[[World, str], None]] = {
    "Custody dashboard": check_dashboard,
    "Adult's alert, Almaty centre": _check_alert(lambda w: w.adult_alert),
    "Child's alert, Karaganda centre": _check_alert(lambda w: w.child_alert),
    "Register import page": check_import_page,
    "API submit a register record": check_api_submit,
    "API record an event": check_api_event,
    "API list alerts": check_api_alerts,
}



def _examinations(world: World) -> None:
    from custody.tests.test_examinations import examine

    world.child_exam = examine(world.personas.npm_monitor, world.karaganda, minor=True)
    world.own_exam = examine(world.personas.facility_officer, world.personas.colony)


def check_record_examination(world: World, cell: str) -> None:
    from custody.models import Examination

    centre = world.browser().get(reverse("custody:new_examination", args=[world.almaty.pk]))
    own = world.browser().get(reverse("custody:new_examination", args=[world.personas.colony.pk]))
    if cell == "no":
        assert centre.status_code == 403
        assert own.status_code == 403
        return
    target = world.almaty if cell == "yes" else world.personas.colony
    if cell == "yes":
        assert centre.status_code == 200
    else:
        assert cell == "own facility"
        assert centre.status_code == 404
        assert own.status_code == 200
    before = Examination.objects.filter(facility=target).count()
    posted = world.browser().post(reverse("custody:new_examination", args=[target.pk]), {
        "occasion": "admission", "examined_at": "2026-03-02T10:00", "examiner": "Dr B", "consent": "on",
        "injury-TOTAL_FORMS": "0", "injury-INITIAL_FORMS": "0"})
    assert posted.status_code == 302, posted.content.decode()[:2000]
    assert Examination.objects.filter(facility=target).count() == before + 1


def check_examination_list(world: World, cell: str) -> None:
    _examinations(world)
    response = world.browser().get(reverse("custody:examinations"))
    if cell == "no":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    page = response.content.decode()
    if cell == "own facility":
        assert world.personas.colony.code in page
        assert "TDC-K" not in page
        assert "Download" not in page
    else:
        assert cell == "yes"
        assert ("TDC-K" in page) is (MATRIX[world.name]["Child's alert, Karaganda centre"] == "yes")


def check_download(world: World, cell: str) -> None:
    if not hasattr(world, "child_exam"):
        _examinations(world)
    response = world.browser().get(reverse("custody:sealed_examination", args=[world.child_exam.pk]))
    if cell == "yes":
        assert response.status_code == 200
        assert response.content == bytes(world.child_exam.sealed)
    else:
        assert cell == "no"
        assert response.status_code in (403, 404)


def check_colonies(world: World, cell: str) -> None:
    import datetime as dt

    from custody.models import ChildInColony

    for facility, code in ((world.personas.colony, "CHILD-OWN"), (world.karaganda, "CHILD-FAR")):
        ChildInColony.objects.create(facility=facility, code=code, birth_date=dt.date(2025, 1, 1),
                                     admitted_on=dt.date(2025, 1, 1), recorded_by=world.personas.npm_monitor)
    response = world.browser().get(reverse("custody:colonies"))
    if cell == "no":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    page = response.content.decode()
    if cell == "own facility":
        assert "CHILD-OWN" in page
        assert "CHILD-FAR" not in page
    else:
        assert cell == "yes"
        # the facilities' mandate: the commission does not see Karaganda, the ombudsman no adult colony
        assert ("CHILD-FAR" in page) is (MATRIX[world.name]["Child's alert, Karaganda centre"] == "yes")
        assert ("CHILD-OWN" in page) is (world.name != "ombudsman_monitor")


def check_enrolment_list(world: World, cell: str) -> None:
    import datetime as dt
    import re

    from accounts.models import Role
    from custody.services.colonies import record_enrolment
    from facilities.factories import UserFactory

    personas = world.personas
    karaganda_officer = UserFactory(username="officer.karaganda", organisation=personas.other_colony.operator,
                                    role=Role.FACILITY_OFFICER, facility=personas.other_colony)
    for officer, facility, enrolled in ((personas.facility_officer, personas.colony, 41),
                                        (karaganda_officer, personas.other_colony, 59)):
        record_enrolment(by=officer, facility=facility, programme="secondary", month=dt.date(2026, 2, 1),
                         enrolled=enrolled, completed=None)
    client = world.browser()
    response = client.get(reverse("custody:enrolment") + "?programme=secondary&measure=enrolled&reported=yes")
    if cell == "no":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    page = response.content.decode()
    listed = {name for name in ("colony", "other_colony") if getattr(personas, name).code in page}
    assert listed == (MANDATES[world.name] & {"colony", "other_colony"}), listed
    if cell == "own facility":
        assert listed == {"colony"}
    else:
        assert cell == "yes"
    overview = client.get(reverse("facilities:overview"))
    if overview.status_code == 200:  # the figure there is the sum of the very rows listed here
        figure = re.search(r'<tr data-programme="secondary" data-measure="enrolled">.*?</tr>',
                           overview.content.decode(), re.S).group(0)
        values = [int(v) for v in re.findall(r'data-value="(\d+)"', page)]
        shown = re.search(r'data-sum="(\d+)"', figure)
        assert (int(shown.group(1)) if shown else None) == (sum(values) if values else None)


CHECKS.update({
    "Education figures' facilities": check_enrolment_list,
    "Mothers, children and education": check_colonies,
    "Record an examination": check_record_examination,
    "Examination list": check_examination_list,
    "Download a sealed examination": check_download,
})


def test_every_cell_holds_a_defined_value_and_every_column_has_a_check():
    assert_document_matches(MATRIX, COLUMNS, personas=MANDATES, checks=set(CHECKS) | PAGES_NOT_BUILT)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_persona_row(personas, persona):
    """One persona's whole row: the fixtures are made once for the row, then every cell is checked."""
    world = World(personas, persona)
    for column in COLUMNS:
        if column in PAGES_NOT_BUILT:
            continue
        CHECKS[column](world, MATRIX[persona][column])
