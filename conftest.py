"""Personas every test can use, set up the same way for every app.

npm_monitor, ombudsman_monitor, prosecutor, pmc_member (Almaty region only), analyst (NPM),
facility_officer (of `colony`), outsider (an operator's user with no role in oversight),
oversight_admin (the NPM's administrator of its people, who reads no oversight data).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import OrganisationKind, Role
from facilities.factories import FacilityFactory, OrganisationFactory, RegionFactory, UserFactory

pytest_plugins = ["lib.testing.browser", "lib.testing.databases"]

_DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup", "live_server"})


_PROCESS_FIXTURES = frozenset({"migrated_database", "live_server"})


def _start_order(item) -> int:
    if item.get_closest_marker("slow") or _PROCESS_FIXTURES & set(item.fixturenames):
        return 0
    return 1 if item.get_closest_marker("browser") else 2


def pytest_collection_modifyitems(config, items):
    """The longest tests first; on PostgreSQL, run only what can behave differently there.

    Tests that start processes (servers, workers, a killed import) or a browser take seconds to a
    minute each; collected in file order, one of them left for last keeps a run going on one core
    while the other idles. So they start first (``slow`` marks those no fixture gives away), in
    their own order, and the many short tests fill in behind them on both workers.

    The suite runs twice, on SQLite and on PostgreSQL. A test that touches no database, or is
    marked ``sqlite_only`` (a process or file-system test whose database part the SQLite run
    covers), proves nothing more the second time, so the PostgreSQL run skips it. A whole-system
    run marked ``postgres_only`` (its SQLite counterpart is another test) runs there only.
    """
    from django.conf import settings

    items.sort(key=_start_order)
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        covered = pytest.mark.skip(reason="a whole-system run the PostgreSQL run covers")
        for item in items:
            if item.get_closest_marker("postgres_only"):
                item.add_marker(covered)
        return
    skip = pytest.mark.skip(reason="engine-independent: run on SQLite only")
    for item in items:
        uses_database = (item.get_closest_marker("django_db") is not None
                         or bool(_DATABASE_FIXTURES & set(item.fixturenames)))
        if item.get_closest_marker("sqlite_only") or not uses_database:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request, tmp_path_factory):
    """The test database, migrated; where a collected test starts processes on a migrated
    database of their own (``migrated_database``), it is also kept aside as their template,
    before any test has written to it."""
    from lib.testing import databases

    if not any("migrated_database" in item.fixturenames for item in request.session.items):
        yield
        return
    with django_db_blocker.unblock():
        databases.keep_migrated_template(tmp_path_factory.mktemp("migrated"))
    yield
    with django_db_blocker.unblock():
        databases.drop_migrated_template()


@dataclass
class Personas:
    region: object
    other_region: object
    colony: object
    other_colony: object
    special_school: object
    npm_monitor: object
    ombudsman_monitor: object
    prosecutor: object
    pmc_member: object
    analyst: object
    facility_officer: object
    outsider: object
    oversight_admin: object

    def all(self) -> dict[str, object]:
        return {
            name: getattr(self, name)
            for name in ("npm_monitor", "ombudsman_monitor", "prosecutor", "pmc_member", "analyst",
                         "facility_officer", "outsider", "oversight_admin")
        }


@pytest.fixture
def personas(db) -> Personas:
    almaty = RegionFactory(code="KZ-75", name_en="Almaty", name_ru="Алматы", name_kk="Алматы")
    karaganda = RegionFactory(code="KZ-35", name_en="Karaganda Region", name_ru="Карагандинская область",
                              name_kk="Қарағанды облысы")
    colony = FacilityFactory(code="LA-155/1", region=almaty, type="colony_medium")
    other_colony = FacilityFactory(code="AK-159/2", region=karaganda, type="colony_maximum")
    special_school = FacilityFactory(code="SEI-01", region=karaganda, type="special_school",
                                     design_capacity=60, operational_capacity=60)

    npm = OrganisationFactory(code="npm", kind=OrganisationKind.NPM, name_en="National Preventive Mechanism")
    ombudsman = OrganisationFactory(code="childrens-ombudsman", kind=OrganisationKind.CHILDRENS_OMBUDSMAN)
    prosecutors = OrganisationFactory(code="prosecutor", kind=OrganisationKind.PROSECUTOR)
    pmc = OrganisationFactory(code="pmc-almaty", kind=OrganisationKind.PUBLIC_MONITORING_COMMISSION,
                              region=almaty)
    operator = colony.operator

    return Personas(
        region=almaty,
        other_region=karaganda,
        colony=colony,
        other_colony=other_colony,
        special_school=special_school,
        npm_monitor=UserFactory(username="aigerim.npm", organisation=npm, role=Role.MONITOR),
        ombudsman_monitor=UserFactory(username="dana.ombudsman", organisation=ombudsman, role=Role.MONITOR),
        prosecutor=UserFactory(username="yerlan.prosecutor", organisation=prosecutors, role=Role.MONITOR),
        pmc_member=UserFactory(username="saule.pmc", organisation=pmc, role=Role.MONITOR),
        analyst=UserFactory(username="marat.analyst", organisation=npm, role=Role.ANALYST),
        facility_officer=UserFactory(username="officer.la155", organisation=operator,
                                     role=Role.FACILITY_OFFICER, facility=colony),
        outsider=UserFactory(username="outsider", organisation=operator, role=Role.MONITOR),
        oversight_admin=UserFactory(username="asel.admin", organisation=npm, role=Role.ADMINISTRATOR),
    )


@pytest.fixture(autouse=True)
def _empty_ledger_after_transactional_tests(request):
    """Registry changes write ledger rows, which the append-only triggers refuse to delete; a
    transaction=True test's database is flushed afterwards, so lift the triggers for that."""
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    from ledger.testing import empty_ledger_tables

    empty_ledger_tables(connection)
