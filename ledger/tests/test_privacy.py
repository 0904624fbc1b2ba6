"""Nothing in the log reveals what a reader may not see; openings go only to the record's mandate.

After a realistic workload (the demo country loaded, registry edits through the services and the
forms' import path, a population correction), every entry's public bytes are scanned for every
identifier the database holds: ids, codes, names, usernames, e-mail addresses and model labels.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.models import Organisation, Role, User
from custodywatch_log.entries import SCHEMAS, Opening, verify_opening
from facilities import services
from facilities.audit import attach_ledger_indices
from facilities.demo.loader import load_demo_country
from facilities.models import Facility, Region, RegistryChange, Unit
from facilities.transfer.importer import import_file
from ledger import interface, selectors
from ledger.encoding import decode_entry
from ledger.models import Entry

pytestmark = pytest.mark.usefixtures("ledger_settings")

TODAY = dt.date(2026, 11, 15)


def _identifiers() -> set[str]:
    """Every identifying string in the registry and accounts: at least 3 characters long."""
    found: set[str] = {"facilities.", "accounts.", "registrychange", "populationsnapshot"}
    for model, fields in (
        (Facility, ("code", "name_kk", "name_ru", "name_en", "address")),
        (Unit, ("code", "name")),
        (Region, ("code", "name_kk", "name_ru", "name_en")),
        (Organisation, ("code", "name_kk", "name_ru", "name_en")),
        (User, ("username", "email")),
    ):
        for row in model.objects.values_list(*fields):
            found.update(str(v) for v in row if v and len(str(v)) >= 3)
    return found


def _workload() -> None:
    # A year of monthly counts has every kind of record the demo writes, at a fifth of its size.
    assert load_demo_country(today=TODAY, months=12).outcome == "loaded"
    monitor = User.objects.get(username="npm.monitor")
    officer = User.objects.get(role=Role.FACILITY_OFFICER)
    colony = officer.facility
    other = Facility.objects.exclude(pk=colony.pk).order_by("pk").first()
    services.update_facility(facility=colony, by=monitor, operational_capacity=colony.operational_capacity + 5)
    services.add_unit(facility=colony, by=monitor, code="B-9", name="Barrack 9", kind="barracks",
                      capacity=40, living_space_m2="160.0")
    first = services.record_population_snapshot(facility=colony, by=officer, date=TODAY, total=300)
    services.record_population_snapshot(facility=colony, by=officer, date=TODAY, total=301, corrects=first.version)
    csv = f"facility_code,date,total\n{other.code},2026-11-02,77\n".encode()
    report = import_file(data=csv, filename="population.csv", by=monitor, dataset="population")
    assert report.applied, report.problems


@pytest.mark.django_db
def test_no_entry_in_the_log_holds_an_identifier_and_each_opening_opens_its_commitment():
    _workload()
    identifiers = _identifiers()
    entries = list(Entry.objects.order_by("index").values_list("index", "data"))
    assert len(entries) > 3_500

    for index, data in entries:
        raw = bytes(data)
        fields = decode_entry(raw)  # the kind's schema: nothing but its public fields
        schema = SCHEMAS[fields["kind"]]
        assert set(fields) == {"kind", *schema.fields}, index
        assert schema.committed, index  # no key rotation in this workload
        # The commitment is a hash and the time an hour; what is left must carry no digit at all.
        rest = raw.replace(fields["commitment"].encode(), b"").replace(fields["time"].encode(), b"")
        assert not re.search(rb"\d", rest), (index, raw)
        text = raw.decode("ascii")
        leaked = [i for i in identifiers if i in text]
        assert leaked == [], (index, leaked)

    # What the log withholds, its openings give back to a reader entitled to them: each opens its
    # entry's commitment to the record it names (the same workload, loaded once for both checks).
    admin = User.objects.get(username="admin")
    indices = [index for index, _ in entries[:500]]
    openings = interface.openings_for(admin, indices)
    assert sorted(openings) == indices
    data = dict(entries[:500])
    for index, opening in openings.items():
        record = verify_opening(bytes(data[index]), Opening.parse(opening.format()))
        assert record["id"] == RegistryChange.objects.get(pk=record["id"]).pk


# --- Openings within the mandate ---------------------------------------------------------------


@pytest.fixture
def changes(personas):
    """A change in each of the three personas' facilities, sequenced."""
    out = {}
    for key in ("colony", "other_colony", "special_school"):
        facility = getattr(personas, key)
        services.update_facility(facility=facility, by=personas.npm_monitor, operational_capacity=123)
        change = RegistryChange.objects.filter(facility=facility).latest("pk")
        attach_ledger_indices([change])
        out[key] = change
    return out


# Which facilities' records each persona may open: their mandate, nothing else.
OPENS = {
    "npm_monitor": {"colony", "other_colony", "special_school"},
    "analyst": {"colony", "other_colony", "special_school"},
    "prosecutor": {"colony", "other_colony", "special_school"},
    "ombudsman_monitor": {"special_school"},
    "pmc_member": {"colony"},  # the Almaty commission; the colony is in Almaty
    "facility_officer": {"colony"},
    "outsider": set(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(OPENS))
def test_openings_are_given_only_within_the_readers_mandate(personas, changes, persona):
    user = getattr(personas, persona)
    by_index = {change.ledger_index: key for key, change in changes.items()}
    opened = interface.openings_for(user, list(by_index))
    assert {by_index[i] for i in opened} == OPENS[persona]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(OPENS))
def test_the_opening_download_answers_within_the_mandate_and_404_outside(client, personas, changes, persona):
    user = getattr(personas, persona)
    client.force_login(user)
    for key, change in changes.items():
        response = client.get(reverse("ledger:opening", args=[change.ledger_index]))
        if key in OPENS[persona] and persona not in ("facility_officer", "outsider"):
            assert response.status_code == 200
            opening = Opening.parse(response.content)
            entry = bytes(selectors.entry_by_index(change.ledger_index).data)
            assert verify_opening(entry, opening)["id"] == change.pk
            assert f"entry-{change.ledger_index}.opening.json" in response["Content-Disposition"]
        else:
            # No ledger page for officers and outsiders (403); outside the mandate, 404.
            assert response.status_code in ((403,) if persona in ("facility_officer", "outsider") else (404,))
            assert b'"salt"' not in response.content
