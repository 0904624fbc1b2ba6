"""docs/permissions.md, checked cell by cell against real requests.

The table is parsed from the Markdown, so the document cannot drift from the code: every row
is a persona of the `personas` fixture, every column a page or API operation below, every cell
one of the values the document defines.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import AccountAuditRecord, ApiToken, Role, User
from accounts.services import issue_api_token
from accounts.testing import ApiClient
from facilities.factories import UnitFactory, UserFactory
from facilities.models import Facility, PopulationSnapshot, RegistryChange
from facilities.services import update_facility
from lib.testing.matrix import FACILITIES, MANDATES, assert_document_matches, read_matrix

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "permissions.md"


# Pages whose views were not written yet when this test was; remove a name once its page exists.
PAGES_NOT_BUILT: set[str] = set()


COLUMNS, MATRIX = read_matrix(DOCUMENT, first_column="Overview")


# --- Helpers -----------------------------------------------------------------------------------


class World:
    """The personas, with a distinctive name on each facility so a leak is easy to spot."""

    def __init__(self, personas: Any, name: str) -> None:
        self.personas = personas
        self.user = getattr(personas, name)
        self.name = name
        self.mandate = MANDATES[name]
        for key in FACILITIES:
            facility = getattr(personas, key)
            marker = f"Marker{key.title().replace('_', '')}Facility"
            Facility.objects.filter(pk=facility.pk).update(name_en=marker, name_ru=marker, name_kk=marker)
            facility.refresh_from_db()

    def facility(self, key: str) -> Facility:
        return getattr(self.personas, key)

    def marker(self, key: str) -> str:
        return self.facility(key).name_en

    @property
    def inside(self) -> Facility:
        # A persona with no mandate is asked about the colony: they must be refused it.
        return self.facility(sorted(self.mandate)[0] if self.mandate else "colony")

    @property
    def outside_keys(self) -> list[str]:
        return [key for key in FACILITIES if key not in self.mandate]

    def browser(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client

    def api(self) -> ApiClient:
        # Issued through the service even for the outsider: a token that outlived its holder's role.
        return ApiClient(self.user, token=issue_api_token(user=self.user, label="matrix", by=None)[1])


def body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_refused(response: Any, world: World, *, statuses: tuple[int, ...] = (403, 404)) -> None:
    assert response.status_code in statuses, response.status_code
    content = body(response)
    for key in FACILITIES:
        assert world.marker(key) not in content


def assert_shows(response: Any, world: World, *keys: str) -> None:
    assert response.status_code == 200, response.status_code
    content = body(response)
    for key in keys:
        assert world.marker(key) in content
    for key in world.outside_keys:
        assert world.marker(key) not in content, f"{key} is outside the mandate but shown"


def get_page(world: World, url_name: str, *args: Any, query: str = "") -> Any:
    return world.browser().get(reverse(url_name, args=args) + query)


# --- One check per column ----------------------------------------------------------------------


def check_simple_page(url_name: str, query: str = "") -> Callable[[World, str], None]:
    def check(world: World, cell: str) -> None:
        response = get_page(world, url_name, query=query)
        if cell == "yes":
            assert_shows(response, world)
        else:
            assert cell == "no"
            assert_refused(response, world)
    return check


def check_facility_list(world: World, cell: str) -> None:
    response = get_page(world, "facilities:list")
    api = world.api().get("/facilities")
    if cell == "yes":
        assert_shows(response, world, *world.mandate)
        assert sorted(item["name"] for item in api.json()["items"]) == sorted(world.marker(k) for k in world.mandate)
    else:
        assert cell == "no"
        assert_refused(response, world)
        assert_refused(api, world, statuses=(403,))


def check_profile_inside(world: World, cell: str) -> None:
    response = get_page(world, "facilities:detail", world.inside.pk)
    if cell in ("yes", "own facility"):
        assert_shows(response, world, sorted(world.mandate)[0])
        if cell == "own facility":
            assert world.inside == world.user.facility
    else:
        assert cell == "no"
        assert_refused(response, world)


def check_profile_outside(world: World, cell: str) -> None:
    if cell == "—":
        assert not world.outside_keys
        for key in FACILITIES:
            assert get_page(world, "facilities:detail", world.facility(key).pk).status_code == 200
        return
    assert world.outside_keys
    for key in world.outside_keys:
        response = get_page(world, "facilities:detail", world.facility(key).pk)
        if cell == "404":
            assert_refused(response, world, statuses=(404,))
        else:
            assert cell == "no"
            assert_refused(response, world)


def check_history(world: World, cell: str) -> None:
    response = get_page(world, "facilities:history", world.inside.pk)
    if cell == "yes":
        assert response.status_code == 200
        for key in world.outside_keys:
            assert get_page(world, "facilities:history", world.facility(key).pk).status_code == 404
    else:
        assert cell == "no"
        assert_refused(response, world)


def check_export(world: World, cell: str) -> None:
    response = get_page(world, "facilities:export", query="?dataset=facilities&format=csv")
    if cell == "yes":
        assert_shows(response, world, *world.mandate)
    else:
        assert cell == "no"
        assert_refused(response, world)


def _registry_form(facility: Facility, **changes: Any) -> dict[str, Any]:
    data = {
        "code": facility.code, "name_kk": facility.name_kk, "name_ru": facility.name_ru, "name_en": facility.name_en,
        "type": facility.type, "region": facility.region.code, "operator": facility.operator.code,
        "address": facility.address, "design_capacity": facility.design_capacity,
        "operational_capacity": facility.operational_capacity, "maximum_capacity": facility.maximum_capacity or "",
        "is_active": "on" if facility.is_active else "",
    }
    data.update(changes)
    return data


UNIT_FORM = {"code": "MX-1", "name": "Matrix unit", "kind": "cell", "capacity": "4", "living_space_m2": "16"}


def check_edit_registry(world: World, cell: str) -> None:
    browser = world.browser()
    inside = world.inside
    unit = UnitFactory(facility=inside, code="MX-0")
    pages = [
        reverse("facilities:create"), reverse("facilities:edit", args=[inside.pk]),
        reverse("facilities:unit-add", args=[inside.pk]), reverse("facilities:unit-edit", args=[inside.pk, unit.pk]),
    ]
    new = _registry_form(inside, code="NEW-1", name_en="New", name_ru="Новый", name_kk="Жаңа")
    changes_before = RegistryChange.objects.count()
    opened = [browser.get(url) for url in pages]
    saved = [browser.post(pages[0], new), browser.post(pages[1], _registry_form(inside, address="Changed address 1")),
             browser.post(pages[2], UNIT_FORM), browser.post(pages[3], {**UNIT_FORM, "code": "MX-0"})]
    if cell == "yes":
        assert [r.status_code for r in opened] == [200] * 4
        assert world.marker(sorted(world.mandate)[0]) in body(opened[1])
        assert [r.status_code for r in saved] == [302] * 4, [r.status_code for r in saved]
        assert RegistryChange.objects.count() == changes_before + 4
        for key in world.outside_keys:
            outside = reverse("facilities:edit", args=[world.facility(key).pk])
            assert_refused(browser.get(outside), world, statuses=(404,))
    else:
        assert cell == "no"
        for response in (*opened, *saved):
            assert_refused(response, world, statuses=(403,))
        assert RegistryChange.objects.count() == changes_before
        assert not Facility.objects.filter(code="NEW-1").exists()
        assert not inside.units.filter(code="MX-1").exists()


def check_record_population(world: World, cell: str) -> None:
    browser = world.browser()
    count = {"date": "2026-01-01", "total": "5"}
    url = reverse("facilities:population", args=[world.inside.pk])
    if cell in ("yes", "own facility"):
        opened = browser.get(url)
        assert_shows(opened, world, sorted(world.mandate)[0])
        assert browser.post(url, count).status_code == 302
        assert PopulationSnapshot.objects.filter(facility=world.inside).exists()
        for key in world.outside_keys:
            outside = reverse("facilities:population", args=[world.facility(key).pk])
            assert_refused(browser.get(outside), world, statuses=(404,))
            assert_refused(browser.post(outside, count), world, statuses=(404,))
            assert not PopulationSnapshot.objects.filter(facility=world.facility(key)).exists()
        if cell == "own facility":
            assert world.inside == world.user.facility
    else:
        assert cell == "no"
        assert_refused(browser.get(url), world, statuses=(403,))
        assert_refused(browser.post(url, count), world, statuses=(403,))
        assert not PopulationSnapshot.objects.exists()


def check_public_page(url_name: str) -> Callable[[World, str], None]:
    """A public page: a "yes" holds for the persona and for a visitor who is not logged in."""
    def check(world: World, cell: str) -> None:
        assert cell == "yes", "a public page is open to every persona"
        assert_shows(get_page(world, url_name), world)
        anonymous = Client().get(reverse(url_name))
        assert_shows(anonymous, world)
    return check


def check_ledger_subjects(world: World, cell: str) -> None:
    # A logged registry change for every facility: the ledger page names those within the mandate.
    for key in FACILITIES:
        update_facility(facility=world.facility(key), by=world.personas.npm_monitor, address=f"Ledger {key} 1")
    response = get_page(world, "ledger:index")
    if cell == "yes":
        assert_shows(response, world, *world.mandate)
    else:
        assert cell == "no"
        assert_refused(response, world)


def check_ledger_opening(world: World, cell: str) -> None:
    # The opening (record and salt) of a facility's logged change: within the mandate only.
    from facilities.audit import attach_ledger_indices

    for key in FACILITIES:
        update_facility(facility=world.facility(key), by=world.personas.npm_monitor, address=f"Opening {key} 1")
        change = RegistryChange.objects.filter(facility=world.facility(key)).latest("pk")
        attach_ledger_indices([change])
        response = world.browser().get(reverse("ledger:opening", args=[change.ledger_index]))
        if cell == "yes" and key in world.mandate:
            assert response.status_code == 200, key
            assert b'"salt"' in response.content
        elif cell == "yes":
            assert_refused(response, world, statuses=(404,))
        else:
            assert cell == "no"
            assert_refused(response, world)


def check_api_read(world: World, cell: str) -> None:
    api = world.api()
    if cell in ("yes", "own facility"):
        for key in FACILITIES:
            facility = world.facility(key)
            for path in (f"/facilities/{facility.pk}", f"/facilities/{facility.pk}/units",
                         f"/facilities/{facility.pk}/snapshots"):
                response = api.get(path)
                if key in world.mandate:
                    assert response.status_code == 200, path
                else:
                    assert_refused(response, world, statuses=(404,))
            if key in world.mandate:
                assert api.get(f"/facilities/{facility.pk}").json()["name"] == world.marker(key)
        if cell == "own facility":
            assert world.mandate == {"colony"}
            assert world.user.facility == world.facility("colony")
    else:
        assert cell == "no"
        assert_refused(api.get(f"/facilities/{world.inside.pk}"), world, statuses=(403,))


def check_api_write_facility(world: World, cell: str) -> None:
    api = world.api()
    new = {"code": "NEW-1", "name_kk": "Жаңа", "name_ru": "Новый", "name_en": "New", "type": "pretrial",
           "region": world.personas.region.code, "operator": world.inside.operator.code,
           "design_capacity": 10, "operational_capacity": 10}
    changes_before = RegistryChange.objects.count()
    created = api.post("/facilities", new)
    changed = api.patch(f"/facilities/{world.inside.pk}", {"address": "Changed address 1"})
    if cell == "yes":
        assert (created.status_code, changed.status_code) == (201, 200)
        assert RegistryChange.objects.count() == changes_before + 2
    else:
        assert cell == "no"
        assert_refused(created, world, statuses=(403,))
        assert_refused(changed, world, statuses=(403, 404))
        assert RegistryChange.objects.count() == changes_before
        assert not Facility.objects.filter(code="NEW-1").exists()


def check_api_population(world: World, cell: str) -> None:
    api = world.api()
    snapshot = {"date": "2026-01-15", "total": 5}
    if cell in ("yes", "own facility"):
        assert api.post(f"/facilities/{world.inside.pk}/snapshots", snapshot).status_code == 201
        for key in world.outside_keys:
            response = api.post(f"/facilities/{world.facility(key).pk}/snapshots", snapshot)
            assert_refused(response, world, statuses=(404,))
            assert not PopulationSnapshot.objects.filter(facility=world.facility(key)).exists()
        if cell == "own facility":
            assert world.inside == world.user.facility
    else:
        assert cell == "no"
        assert_refused(api.post(f"/facilities/{world.inside.pk}/snapshots", snapshot), world, statuses=(403,))
        assert not PopulationSnapshot.objects.exists()


def check_api_tokens(world: World, cell: str) -> None:
    browser = world.browser()
    issued = browser.post("/api/v1/tokens", json.dumps({"label": "matrix"}), content_type="application/json")
    listed = browser.get("/api/v1/tokens")
    if cell == "yes":
        assert (issued.status_code, listed.status_code) == (201, 200)
        assert issued.json()["token"].startswith("cw_")
    else:
        assert cell == "no"
        assert (issued.status_code, listed.status_code) == (403, 403)


# Everyone's user names, so a page that leaks another organisation's people is easy to spot.
PEOPLE = ("npm_monitor", "ombudsman_monitor", "prosecutor", "pmc_member", "analyst", "facility_officer",
          "outsider", "oversight_admin")


def _colleague(world: World) -> User:
    """Someone else in the persona's organisation, whom an administrator there could manage."""
    officer = world.user.organisation.kind == "operator"
    return UserFactory(username="colleague.matrix", organisation=world.user.organisation,
                       role=Role.FACILITY_OFFICER if officer else Role.MONITOR,
                       facility=world.personas.colony if officer else None)


def check_people_list(world: World, cell: str) -> None:
    response = get_page(world, "accounts:users")
    own = {name for name in PEOPLE if getattr(world.personas, name).organisation_id == world.user.organisation_id}
    if cell == "own organisation":
        assert response.status_code == 200
        content = body(response)
        for name in PEOPLE:
            username = getattr(world.personas, name).username
            assert (username in content) == (name in own), username
    else:
        assert cell == "no"
        assert response.status_code == 403
        for name in PEOPLE:
            if name != world.name:
                assert getattr(world.personas, name).username not in body(response)


def check_manage_people(world: World, cell: str) -> None:
    browser = world.browser()
    colleague = _colleague(world)
    token, _raw = issue_api_token(user=colleague, label="colleague", by=None)
    audit_before = AccountAuditRecord.objects.count()
    role = colleague.role
    new = {"username": "enrolled.matrix", "organisation": world.user.organisation_id, "role": role,
           "facility": colleague.facility_id or ""}
    edit = {"organisation": world.user.organisation_id, "role": role, "facility": colleague.facility_id or "",
            "first_name": "Changed"}
    responses = [
        browser.get(reverse("accounts:user-create")),
        browser.post(reverse("accounts:user-create"), new),
        browser.get(reverse("accounts:user", args=[colleague.pk])),
        browser.get(reverse("accounts:user-edit", args=[colleague.pk])),
        browser.post(reverse("accounts:user-edit", args=[colleague.pk]), edit),
        browser.post(reverse("accounts:user-reset-password", args=[colleague.pk])),
        browser.post(reverse("accounts:user-token-revoke", args=[colleague.pk, token.pk])),
        browser.post(reverse("accounts:user-deactivate", args=[colleague.pk])),
    ]
    colleague.refresh_from_db()
    token.refresh_from_db()
    if cell == "own organisation":
        assert [r.status_code for r in responses] == [200, 200, 200, 200, 302, 200, 302, 302]
        assert User.objects.filter(username="enrolled.matrix", organisation=world.user.organisation).exists()
        assert colleague.first_name == "Changed"
        assert not colleague.is_active
        assert not colleague.has_usable_password()  # reset: only the one-time link sets a new one
        assert token.revoked_at is not None
        # created, updated, password reset, token revoked, deactivated
        assert AccountAuditRecord.objects.count() >= audit_before + 5
    else:
        assert cell == "no"
        assert [r.status_code for r in responses] == [403] * len(responses)
        assert not User.objects.filter(username="enrolled.matrix").exists()
        assert colleague.is_active
        assert colleague.first_name == ""
        assert not colleague.must_change_password
        assert token.revoked_at is None
        assert AccountAuditRecord.objects.count() == audit_before


def check_people_elsewhere(world: World, cell: str) -> None:
    browser = world.browser()
    stranger = next(getattr(world.personas, name) for name in PEOPLE
                    if getattr(world.personas, name).organisation_id != world.user.organisation_id)
    token, _raw = issue_api_token(user=stranger, label="stranger", by=None)
    responses = [
        browser.get(reverse("accounts:user", args=[stranger.pk])),
        browser.get(reverse("accounts:user-edit", args=[stranger.pk])),
        browser.post(reverse("accounts:user-edit", args=[stranger.pk]),
                     {"organisation": world.user.organisation_id, "role": "monitor"}),
        browser.post(reverse("accounts:user-reset-password", args=[stranger.pk])),
        browser.post(reverse("accounts:user-token-revoke", args=[stranger.pk, token.pk])),
        browser.post(reverse("accounts:user-deactivate", args=[stranger.pk])),
        browser.post(reverse("accounts:user-create"), {"username": "planted.matrix",
                                                       "organisation": stranger.organisation_id, "role": "monitor"}),
    ]
    expected = {"404": 404, "no": 403}[cell]
    # Enrolling into another organisation is refused on the form (that organisation is no choice).
    assert [r.status_code for r in responses[:-1]] == [expected] * (len(responses) - 1)
    assert responses[-1].status_code in (400, 403)
    stranger.refresh_from_db()
    assert stranger.is_active
    assert not stranger.must_change_password
    assert stranger.organisation_id != world.user.organisation_id
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert not User.objects.filter(username="planted.matrix").exists()
    assert not AccountAuditRecord.objects.filter(user=stranger).exclude(action="token:issued").exists()


def check_my_account(world: World, cell: str) -> None:
    assert cell == "yes"
    response = get_page(world, "accounts:account")
    assert response.status_code == 200
    assert world.user.username in body(response)


CHECKS: dict[str, Callable[[World, str], None]] = {
    "Overview": check_simple_page("facilities:overview"),
    "Facility list": check_facility_list,
    "Facility profile in mandate": check_profile_inside,
    "Facility profile outside mandate": check_profile_outside,
    "Registry history": check_history,
    "Import": check_simple_page("facilities:import"),
    "Export": check_export,
    "Edit registry": check_edit_registry,
    "Record population": check_record_population,
    "Ledger page": check_simple_page("ledger:index"),
    "Ledger entry's facility": check_ledger_subjects,
    "Ledger record opening": check_ledger_opening,
    "How to check": check_public_page("ledger:check"),
    "Browser verifier": check_public_page("ledger:verifier"),
    "API read facility": check_api_read,
    "API create/update facility": check_api_write_facility,
    "API record population": check_api_population,
    "API tokens": check_api_tokens,
    "People": check_people_list,
    "Manage people": check_manage_people,
    "People of another organisation": check_people_elsewhere,
    "My account": check_my_account,
}


# --- The tests ---------------------------------------------------------------------------------


def test_the_document_covers_every_persona_and_only_known_columns_and_values():
    assert_document_matches(MATRIX, COLUMNS, personas=MANDATES, checks=CHECKS)


def _cells() -> list[Any]:
    cells = []
    for persona, row in MATRIX.items():
        for column, cell in row.items():
            marks = [pytest.mark.xfail(reason="page not built yet", strict=False)] if column in PAGES_NOT_BUILT else []
            cells.append(pytest.param(persona, column, cell, id=f"{persona}-{column}", marks=marks))
    return cells


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "column", "cell"), _cells())
def test_cell(personas, persona, column, cell):
    CHECKS[column](World(personas, persona), cell)
