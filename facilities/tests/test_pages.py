"""The registry's pages: who may open which, what they show, and how many queries they cost."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.template import loader
from django.urls import reverse

from accounts.models import OrganisationKind, Role
from custodywatch_log.proof import verify_proof_bundle
from facilities import selectors, services
from facilities.audit import attach_ledger_indices
from facilities.factories import (
    TEST_PASSWORD,
    FacilityFactory,
    OrganisationFactory,
    RegionFactory,
    UnitFactory,
    UserFactory,
)
from facilities.models import (
    Facility,
    FacilityType,
    PopulationSnapshot,
    RegistryChange,
    Unit,
    UnitKind,
    UnitOccupancy,
)
from ledger.models import SigningKey
from ledger.services import sign_checkpoint
from lib.testing.browser import htmx_swap, log_in, serious_accessibility_violations

DATE = dt.date(2026, 10, 1)


@pytest.fixture
def registry(personas):
    """Populations for the personas' facilities, recorded through the services as in real use.

    colony (Almaty): 620 held for 500 places, a barracks at 3.5 m² per person and a 6 m² single cell.
    other_colony (Karaganda): 3 minors among adults, 2 mothers with children and no mother-and-child unit.
    special_school (Karaganda): 40 children. pretrial (Almaty, run by the police): no population report yet.
    """
    by = personas.npm_monitor
    barracks = UnitFactory(facility=personas.colony, code="B1", name="Barracks 1", kind=UnitKind.BARRACKS,
                           capacity=60, living_space_m2=Decimal("140.0"))
    cell = UnitFactory(facility=personas.colony, code="S1", name="Single cell 1", kind=UnitKind.SINGLE_CELL,
                       capacity=1, living_space_m2=Decimal("6.0"))
    services.record_population_snapshot(facility=personas.colony, by=by, date=DATE, total=620, women=0,
                                        occupancy={barracks: 40, cell: 1})
    services.record_population_snapshot(facility=personas.other_colony, by=by, date=DATE, total=300, minors=3,
                                        women=20, mothers_with_children=2, children_with_mothers=2)
    services.record_population_snapshot(facility=personas.special_school, by=by, date=DATE, total=40, minors=40)
    police = OrganisationFactory(code="police", kind=OrganisationKind.OPERATOR, name_en="Police")
    pretrial = FacilityFactory(code="PTC-02", region=personas.region, type=FacilityType.PRETRIAL, operator=police,
                               name_en="Almaty pre-trial centre")
    return personas, pretrial


def login(client, user):
    client.force_login(user)
    return client


def codes(response) -> list[str]:
    """The institution codes listed in a facility table, in order."""
    return re.findall(r'<td class="code[^"]*">([^<]+)</td>', response.content.decode())


PAGES = {
    "overview": lambda p: reverse("facilities:overview"),
    "list": lambda p: reverse("facilities:list"),
    "colony": lambda p: reverse("facilities:detail", args=[p.colony.pk]),
    "other_colony": lambda p: reverse("facilities:detail", args=[p.other_colony.pk]),
    "special_school": lambda p: reverse("facilities:detail", args=[p.special_school.pk]),
    "colony_history": lambda p: reverse("facilities:history", args=[p.colony.pk]),
    "school_history": lambda p: reverse("facilities:history", args=[p.special_school.pk]),
}
# persona -> status per page, in the order of PAGES; from accounts/permissions.py's matrix and mandates.
EXPECTED = {
    "npm_monitor": (200, 200, 200, 200, 200, 200, 200),
    "analyst": (200, 200, 200, 200, 200, 200, 200),
    "prosecutor": (200, 200, 200, 200, 200, 200, 200),
    # Children's institutions and places where children may be held: not adult men's colonies.
    "ombudsman_monitor": (200, 200, 404, 404, 200, 404, 200),
    # The Almaty commission: the Almaty colony only.
    "pmc_member": (200, 200, 200, 404, 404, 200, 404),
    # Their own facility's profile, nothing national, no registry history.
    "facility_officer": (403, 403, 200, 404, 404, 403, 403),
    "outsider": (403, 403, 403, 403, 403, 403, 403),
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(EXPECTED))
def test_each_persona_gets_the_pages_its_role_and_mandate_allow(client, registry, persona):
    personas, _ = registry
    login(client, getattr(personas, persona))

    statuses = tuple(client.get(url(personas)).status_code for url in PAGES.values())

    assert dict(zip(PAGES, statuses, strict=True)) == dict(zip(PAGES, EXPECTED[persona], strict=True))


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_visitors_are_sent_to_log_in(client, registry, page):
    personas, _ = registry

    response = client.get(PAGES[page](personas))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_a_facility_outside_the_mandate_looks_like_no_facility_at_all(client, registry):
    personas, _ = registry
    login(client, personas.facility_officer)

    outside = client.get(reverse("facilities:detail", args=[personas.other_colony.pk]))
    missing = client.get(reverse("facilities:detail", args=[999_999]))

    assert outside.status_code == missing.status_code == 404
    assert "404.html" in [t.name for t in outside.templates]
    assert "outside your mandate" in outside.content.decode()


@pytest.mark.django_db
def test_a_missing_capability_gets_the_403_page(client, registry):
    personas, _ = registry
    login(client, personas.facility_officer)

    response = client.get(reverse("facilities:overview"))

    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]


def test_the_500_page_renders_without_a_request_or_context():
    html = loader.get_template("500.html").render()

    assert "Something went wrong" in html


# --- Overview -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_overview_totals_the_latest_reports_of_the_whole_mandate(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    response = client.get(reverse("facilities:overview"))

    figures, people = response.context["figures"], response.context["people"]
    assert figures["facilities"].count == 4
    assert people["total"] == 960
    assert figures["data_no_data"].count == 1
    assert figures["overcrowded"].count == 1
    assert people["minors"] == 43  # the colony did not report its minors: not counted, not zero
    assert response.context["reporting"]["minors"] == 2
    assert people["mothers_with_children"] == 2
    # Occupancy counts the places of the facilities that reported: 960 held for 1,060 places.
    assert response.context["occupancy"] == pytest.approx(960 / 1060)


@pytest.mark.django_db
def test_overview_lists_the_facilities_that_need_attention(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    context = client.get(reverse("facilities:overview")).context

    assert [f.code for f in context["most_overcrowded"]] == ["LA-155/1"]
    assert context["most_overcrowded"][0].occupancy == pytest.approx(620 / 500)
    # AK-159/2 holds minors and adults, but who shares a unit with whom was not reported.
    assert [f.code for f in context["minors_with_adults"]] == []
    assert context["figures"]["group_minors_and_adults"].count == 1
    assert context["figures"]["indicator_minors_with_adults_unknown"].count == 4  # incl. no units, no data
    assert [f.code for f in context["mothers_without_unit"]] == ["AK-159/2"]


@pytest.mark.django_db
def test_overview_draws_its_charts_as_svg_with_links_to_the_list(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    html = client.get(reverse("facilities:overview")).content.decode()

    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 4
    assert f'href="{reverse("facilities:list")}?type=special_school&amp;detained=on"' in html
    assert f'href="{reverse("facilities:list")}?region=KZ-75&amp;detained=on"' in html
    assert "Medium-security institution" in html
    assert "Karaganda Region" in html


@pytest.mark.django_db
def test_a_regional_commission_sees_only_its_region_in_the_overview(client, registry):
    personas, _ = registry
    login(client, personas.pmc_member)

    response = client.get(reverse("facilities:overview"))

    assert response.context["people"]["total"] == 620
    assert "Karaganda Region" not in response.content.decode()


@pytest.mark.django_db
def test_the_childrens_ombudsman_overview_leaves_out_adult_colonies(client, registry):
    personas, _ = registry
    login(client, personas.ombudsman_monitor)

    context = client.get(reverse("facilities:overview")).context

    assert context["figures"]["facilities"].count == 2  # the special school and the pre-trial centre
    assert context["people"]["total"] == 40


@pytest.mark.django_db
def test_the_overview_of_an_empty_mandate_still_renders(client, personas):
    quiet_region = RegionFactory(code="KZ-62", name_en="Ulytau Region")
    commission = OrganisationFactory(code="pmc-ulytau", kind=OrganisationKind.PUBLIC_MONITORING_COMMISSION,
                                     region=quiet_region)
    login(client, UserFactory(username="pmc.ulytau", organisation=commission, role=Role.MONITOR))

    response = client.get(reverse("facilities:overview"))

    assert response.status_code == 200
    assert response.context["figures"]["facilities"].count == 0
    assert response.context["occupancy"] is None
    assert "No facilities in your mandate." in response.content.decode()


# --- Facility list ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["AK-159/2", "LA-155/1", "PTC-02", "SEI-01"]),
    ({"type": "special_school"}, ["SEI-01"]),
    ({"region": "KZ-35"}, ["AK-159/2", "SEI-01"]),
    ({"operator": "police"}, ["PTC-02"]),
    ({"overcrowded": "on"}, ["LA-155/1"]),
    ({"holds_minors": "on"}, ["AK-159/2", "SEI-01"]),
    ({"holds_mothers": "on"}, ["AK-159/2"]),
    ({"q": "155"}, ["LA-155/1"]),
    ({"q": "pre-trial"}, ["PTC-02"]),
    ({"region": "KZ-35", "holds_minors": "on", "type": "colony_maximum"}, ["AK-159/2"]),
    ({"type": "crisis_centre"}, []),
])
def test_the_list_filters(client, registry, query, expected):
    personas, _ = registry
    login(client, personas.npm_monitor)

    response = client.get(reverse("facilities:list"), query)

    assert response.status_code == 200
    assert codes(response) == expected


@pytest.mark.django_db
def test_the_list_sorts_by_occupancy_with_facilities_without_data_last(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    response = client.get(reverse("facilities:list"), {"sort": "occupancy"})

    assert codes(response) == ["LA-155/1", "SEI-01", "AK-159/2", "PTC-02"]


@pytest.mark.django_db
def test_the_list_marks_overcrowded_facilities(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    html = client.get(reverse("facilities:list"), {"overcrowded": "on"}).content.decode()

    assert "124% · overcrowded" in html
    assert "620 / 500" in html


@pytest.mark.django_db
def test_the_list_shows_only_the_mandate(client, registry):
    personas, _ = registry
    login(client, personas.pmc_member)

    response = client.get(reverse("facilities:list"))

    assert codes(response) == ["LA-155/1", "PTC-02"]
    region_choices = [value for value, _ in response.context["form"].fields["region"].choices]
    assert region_choices == ["", "KZ-75"]


@pytest.mark.django_db
def test_an_htmx_request_gets_only_the_results(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    response = client.get(reverse("facilities:list"), {"type": "special_school"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html
    assert "<form" not in html
    assert codes(response) == ["SEI-01"]
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_an_htmx_history_restore_gets_the_whole_page(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    response = client.get(
        reverse("facilities:list"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


@pytest.mark.django_db
def test_a_bad_filter_value_is_named_and_the_rest_still_applies(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    response = client.get(reverse("facilities:list"), {"type": "dungeon", "region": "KZ-35", "page": "x"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Type: Select a valid choice." in html
    assert codes(response) == ["AK-159/2", "SEI-01"]


@pytest.mark.django_db
def test_import_and_export_links_follow_the_capabilities(client, registry):
    personas, _ = registry
    import_url, export_url = reverse("facilities:import"), reverse("facilities:export")

    npm = login(client, personas.npm_monitor).get(reverse("facilities:list")).content.decode()
    prosecutor = login(client, personas.prosecutor).get(reverse("facilities:list")).content.decode()

    assert f'href="{import_url}"' in npm
    assert f'href="{import_url}"' not in prosecutor
    assert export_url in prosecutor


# --- Facility profile ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_profile_shows_each_indicator_with_its_verdict_and_reason(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    response = client.get(reverse("facilities:detail", args=[personas.colony.pk]))

    html = response.content.decode()
    assert "620 held for 500 places: overcrowded." in html
    assert "1 of 2 occupied units below the CPT minimum." in html
    assert html.count('class="badge bad">Not compliant') >= 3  # occupancy, living space, barracks
    verdicts = {i.key: i.status for i in response.context["indicators"]}
    # Only the total and women were reported: minors and mothers are unknown, never "compliant".
    assert verdicts == {"occupancy": "not_met", "living_space": "not_met", "barracks": "not_met",
                        "minors_with_adults": "unknown", "mothers_without_unit": "unknown"}
    assert "The number of minors was not reported." in html


@pytest.mark.django_db
def test_the_profile_lists_units_with_space_per_person_against_the_cpt_minimum(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    html = client.get(reverse("facilities:detail", args=[personas.colony.pk])).content.decode()

    barracks_row = html[html.index("Barracks 1</th>"):html.index("Single cell 1</th>")]
    assert "3.5" in barracks_row
    assert "Not compliant" in barracks_row
    cell_row = html[html.index("Single cell 1</th>"):]
    assert "6.0" in cell_row
    assert "Compliant" in cell_row.split("</tr>")[0]
    assert "min. 6 m²" in cell_row.split("</tr>")[0]


@pytest.mark.django_db
def test_the_profile_flags_minors_with_adults_and_mothers_without_a_unit(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    html = client.get(reverse("facilities:detail", args=[personas.other_colony.pk])).content.decode()

    assert "3 minors held; who shares a unit with them was not reported." in html
    assert "2 mothers live with their children without a mother-and-child unit." in html


@pytest.mark.django_db
def test_a_profile_without_population_data_says_so(client, registry):
    personas, pretrial = registry
    login(client, personas.npm_monitor)

    response = client.get(reverse("facilities:detail", args=[pretrial.pk]))

    html = response.content.decode()
    assert "This facility has not reported its population yet." in html
    assert "No population data recorded yet." in html
    assert all(i.status == "unknown" for i in response.context["indicators"])
    assert "No indicator can be judged" in html
    assert "0 of 5" not in html


@pytest.mark.django_db
def test_the_profile_shows_the_registry_figures_and_population_breakdown(client, registry):
    personas, _ = registry
    login(client, personas.npm_monitor)

    html = client.get(reverse("facilities:detail", args=[personas.other_colony.pk])).content.decode()

    assert personas.other_colony.operator.name in html
    assert "Karaganda Region" in html
    assert "Maximum-security institution" in html
    assert "Population on" in html
    assert "Mothers with children living with them" in html


@pytest.mark.django_db
def test_a_facility_officer_sees_their_profile_without_the_history_link(client, registry):
    personas, _ = registry
    history = reverse("facilities:history", args=[personas.colony.pk])

    officer = login(client, personas.facility_officer).get(reverse("facilities:detail", args=[personas.colony.pk]))
    monitor = login(client, personas.npm_monitor).get(reverse("facilities:detail", args=[personas.colony.pk]))

    assert officer.status_code == 200
    assert history not in officer.content.decode()
    assert f'href="{reverse("facilities:list")}"' not in officer.content.decode().split("<main")[1]
    assert history in monitor.content.decode()


@pytest.mark.django_db
def test_the_population_history_covers_the_last_five_years(client, personas):
    by = personas.npm_monitor
    for months_back in range(72):
        year, month = divmod(DATE.year * 12 + DATE.month - 1 - months_back, 12)
        services.record_population_snapshot(
            facility=personas.colony, by=by, date=dt.date(year, month + 1, 1), total=400 + months_back,
        )
    login(client, personas.npm_monitor)

    response = client.get(reverse("facilities:detail", args=[personas.colony.pk]))

    series = response.context["series"]
    assert len(series) == 60
    assert series[0].date == dt.date(2021, 11, 1)
    assert series[-1].date == DATE
    assert "Capacity 500" in response.content.decode()


# --- Registry history ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_history_shows_who_changed_what_from_what_to_what(client, registry):
    personas, _ = registry
    personas.npm_monitor.first_name, personas.npm_monitor.last_name = "Aigerim", "Nurlanovna"
    personas.npm_monitor.save()
    services.update_facility(facility=personas.colony, by=personas.npm_monitor, address="1 New Street",
                             operational_capacity=450, region=personas.other_region)
    login(client, personas.prosecutor)

    response = client.get(reverse("facilities:history", args=[personas.colony.pk]))

    html = response.content.decode()
    latest = response.context["entries"][0]
    assert latest.record == "Registry record"
    assert {(f.label, f.before, f.after) for f in latest.fields} == {
        ("Address", "—", "1 New Street"),
        ("Operational capacity", "500", "450"),
        ("Region", "Almaty", "Karaganda Region"),
    }
    assert "Aigerim Nurlanovna" in html
    assert "Population on 1 October 2026" in html
    assert "Unit occupancy" in html


@pytest.mark.django_db
def test_the_history_says_a_change_is_being_written_to_the_ledger_until_it_is_sequenced(client, registry, settings):
    personas, _ = registry
    settings.LEDGER_SEQUENCER = "process"  # no sequencer runs: the record waits in the outbox
    services.update_facility(facility=personas.colony, by=personas.npm_monitor, address="2 Waiting Street")
    login(client, personas.prosecutor)

    html = client.get(reverse("facilities:history", args=[personas.colony.pk])).content.decode()

    newest = html.split('class="change-ledger')[1].split("</p>")[0]
    assert "Being written to the ledger" in newest
    assert "Not recorded in the ledger" not in html


@pytest.fixture
def ledger_keys(settings, tmp_path, monkeypatch):
    """A private signing key directory and no witnesses, so a checkpoint can be signed and published."""
    monkeypatch.delenv("LEDGER_SIGNING_KEY", raising=False)
    monkeypatch.delenv("LEDGER_SIGNING_KEY_FILE", raising=False)
    settings.LEDGER_KEY_DIR = tmp_path / "keys"
    settings.LEDGER_WITNESSES = []
    settings.LEDGER_WITNESS_QUORUM = None


@pytest.mark.django_db
def test_each_change_links_its_offline_proof_once_a_published_checkpoint_covers_it(client, registry, ledger_keys):
    personas, _ = registry
    sign_checkpoint()
    services.update_facility(facility=personas.colony, by=personas.npm_monitor, operational_capacity=450)
    covered, latest = (RegistryChange.objects.filter(facility=personas.colony).earliest("pk"),
                       RegistryChange.objects.filter(facility=personas.colony).latest("pk"))
    attach_ledger_indices([covered, latest])
    login(client, personas.prosecutor)

    html = client.get(reverse("facilities:history", args=[personas.colony.pk])).content.decode()

    assert f"Ledger entry {covered.ledger_index}" in html
    assert reverse("ledger:proof", args=[covered.ledger_index]) in html
    assert f"Ledger entry {latest.ledger_index}" in html
    assert reverse("ledger:proof", args=[latest.ledger_index]) not in html
    assert html.count("not yet in a published checkpoint") == 1


@pytest.mark.django_db
def test_before_any_checkpoint_no_change_has_a_proof_yet(client, registry, ledger_keys):
    personas, _ = registry
    login(client, personas.npm_monitor)

    html = client.get(reverse("facilities:history", args=[personas.colony.pk])).content.decode()

    assert "/proof/" not in html
    assert html.count("not yet in a published checkpoint") == RegistryChange.objects.filter(
        facility=personas.colony).count()


@pytest.mark.django_db
def test_the_proof_linked_from_the_history_verifies_against_the_log_key(client, registry, ledger_keys):
    personas, _ = registry
    sign_checkpoint()
    change = RegistryChange.objects.filter(facility=personas.colony).earliest("pk")
    attach_ledger_indices([change])
    login(client, personas.npm_monitor)

    response = client.get(reverse("ledger:proof", args=[change.ledger_index]))

    verified = verify_proof_bundle(response.content, [SigningKey.objects.get().vkey])
    assert verified.bundle.index == change.ledger_index


# --- Query counts -------------------------------------------------------------------------------


@pytest.fixture
def large_registry(personas):
    """60 facilities, each with 4 units and 12 monthly snapshots, the latest with unit occupancy."""
    regions = [RegionFactory(code=f"KZ-{n:02d}") for n in range(20)]
    facilities = Facility.objects.bulk_create(
        Facility(code=f"X-{n:03d}", name_en=f"Facility {n}", name_ru=f"Учреждение {n}", name_kk=f"{n} мекеме",
                 type=FacilityType.values[n % len(FacilityType.values)], region=regions[n % 20],
                 operator=personas.colony.operator, design_capacity=100, operational_capacity=100)
        for n in range(60)
    )
    units = Unit.objects.bulk_create(
        Unit(facility=f, code=f"U{k}", name=f"Unit {k}", kind=UnitKind.BARRACKS if k else UnitKind.MOTHER_CHILD,
             capacity=30, living_space_m2=Decimal("110.0"))
        for f in facilities for k in range(4)
    )
    snapshots = PopulationSnapshot.objects.bulk_create(
        PopulationSnapshot(facility=f, date=dt.date(2026, month, 1), total=80 + n + month, women=5, minors=n % 3,
                           mothers_with_children=n % 2)
        for n, f in enumerate(facilities) for month in range(1, 13)
    )
    latest = {s.facility_id: s for s in snapshots if s.date.month == 12}
    UnitOccupancy.objects.bulk_create(
        UnitOccupancy(snapshot=latest[u.facility_id], unit=u, occupants=20) for u in units
    )
    for f in facilities:
        f.latest_snapshot = latest[f.pk]
    Facility.objects.bulk_update(facilities, ["latest_snapshot"])
    for f in facilities[:3]:
        services.update_facility(facility=f, by=personas.npm_monitor, address="Somewhere")
    return facilities


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["overview", "list", "list_filtered", "list_page_2", "detail", "history"])
def test_no_page_needs_more_than_fifteen_queries(client, personas, large_registry, page, ledger_keys,
                                                 django_assert_max_num_queries):
    sign_checkpoint()
    login(client, personas.npm_monitor)
    facility = large_registry[0]
    url, query = {
        "overview": (reverse("facilities:overview"), {}),
        "list": (reverse("facilities:list"), {}),
        "list_filtered": (reverse("facilities:list"), {"overcrowded": "on", "holds_minors": "on", "q": "X-"}),
        "list_page_2": (reverse("facilities:list"), {"page": "2", "sort": "occupancy"}),
        "detail": (reverse("facilities:detail", args=[facility.pk]), {}),
        "history": (reverse("facilities:history", args=[facility.pk]), {}),
    }[page]

    # The overview also holds other modules' national figures; the education figures take one query.
    with django_assert_max_num_queries(16 if page == "overview" else 15):
        response = client.get(url, query)

    assert response.status_code == 200


@pytest.mark.django_db
def test_the_list_pages_by_fifty(client, personas, large_registry):
    login(client, personas.npm_monitor)

    first = client.get(reverse("facilities:list"))
    second = client.get(reverse("facilities:list"), {"page": 2})

    assert len(codes(first)) == 50
    assert len(codes(second)) == 13  # 60 + the personas' 3
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.django_db
def test_population_series_is_oldest_first(personas, large_registry):
    series = selectors.population_series(Facility.objects.select_related("latest_snapshot").get(code="X-000"))

    assert [d.month for d, _ in series] == list(range(1, 13))


# --- In a browser -------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_monitor_narrows_the_list_and_opens_a_profile(page, registry):
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("facilities:list"))
    page.evaluate("window.fullLoads = (window.fullLoads || 0) + 1")

    with htmx_swap(page, "region=KZ-35"):
        page.locator("#id_region").select_option("KZ-35")
    assert page.locator("#results tbody tr").count() == 2
    with htmx_swap(page, "holds_mothers=on"):
        page.locator("#id_holds_mothers").check()

    rows = page.locator("#results tbody tr")
    assert rows.count() == 1
    assert "region=KZ-35" in page.url
    assert "holds_mothers=on" in page.url
    assert page.evaluate("window.fullLoads") == 1  # the results were swapped, the page not reloaded
    rows.first.get_by_role("link").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == registry[0].other_colony.name_en
    assert page.get_by_text("2 mothers live with their children without a mother-and-child unit.").is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_registry_pages_have_no_serious_accessibility_violations(page, registry):
    personas, _ = registry
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    found = {}
    for url in (reverse("facilities:overview"), reverse("facilities:list"),
                reverse("facilities:detail", args=[personas.colony.pk]),
                reverse("facilities:history", args=[personas.colony.pk])):
        page.goto(url)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        found[url] = [v["id"] for v in serious_accessibility_violations(page)]

    assert found == {url: [] for url in found}
