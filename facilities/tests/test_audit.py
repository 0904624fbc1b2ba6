"""Registry history is committed to the ledger: a rewrite or deletion in the database is found."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from custodywatch_log.entries import Opening, verify_opening
from facilities.audit import attach_ledger_indices, audit_registry_history, change_record
from facilities.models import RegistryChange
from facilities.services import update_facility
from ledger import interface as ledger
from ledger.encoding import decode_entry
from ledger.models import Entry, Record
from ledger.testing import lift_append_only_triggers


@pytest.fixture
def changed(personas):
    update_facility(facility=personas.colony, by=personas.analyst, operational_capacity=450)
    change = RegistryChange.objects.get(facility=personas.colony)
    attach_ledger_indices([change])
    return change


@pytest.mark.django_db
def test_a_registry_change_entry_holds_only_the_kind_the_hour_and_a_commitment(changed, personas):
    entry = Entry.objects.get(index=changed.ledger_index)
    logged = decode_entry(bytes(entry.data))

    assert set(logged) == {"kind", "time", "commitment"}
    assert logged["kind"] == "registry:change"
    assert logged["time"] == changed.at.strftime("%Y-%m-%dT%HZ")
    for secret in (personas.colony.code, "facilities.", f":{changed.pk}", str(personas.colony.pk) + ","):
        assert secret.encode() not in bytes(entry.data)
    assert audit_registry_history() == []


@pytest.mark.django_db
def test_the_opening_reveals_the_change_to_a_reader_whose_mandate_covers_the_facility(changed, personas):
    npm = ledger.openings_for(personas.npm_monitor, [changed.ledger_index])
    pmc_almaty = ledger.openings_for(personas.pmc_member, [changed.ledger_index])
    ombudsman = ledger.openings_for(personas.ombudsman_monitor, [changed.ledger_index])
    officer = ledger.openings_for(personas.facility_officer, [changed.ledger_index])
    outsider = ledger.openings_for(personas.outsider, [changed.ledger_index])

    opening = npm[changed.ledger_index]
    entry = bytes(Entry.objects.get(index=changed.ledger_index).data)
    assert verify_opening(entry, Opening.parse(opening.format())) == change_record(changed)
    assert changed.ledger_index in pmc_almaty  # the colony is in the commission's region
    assert changed.ledger_index in officer  # the officer's own colony
    assert ombudsman == {}  # not a place where children are held
    assert outsider == {}  # no oversight mandate


@pytest.mark.django_db
def test_a_change_record_rewritten_in_the_database_is_found(changed):
    RegistryChange.objects.filter(pk=changed.pk).update(after={**changed.after, "operational_capacity": 900})

    (problem,) = audit_registry_history()
    assert f"change {changed.pk}" in problem
    assert "differs" in problem


@pytest.mark.django_db
def test_a_change_and_its_opening_rewritten_together_are_found(changed):
    forged = {**change_record(changed), "after": {**changed.after, "operational_capacity": 900}}
    RegistryChange.objects.filter(pk=changed.pk).update(after=forged["after"])
    from custodywatch_log.entries import canonical_record

    with lift_append_only_triggers(connection):
        Record.objects.filter(index=changed.ledger_index).update(record=canonical_record(forged))

    (problem,) = audit_registry_history()
    assert f"differs from what ledger entry {changed.ledger_index} committed" in problem


@pytest.mark.django_db
def test_a_deleted_change_record_is_found(changed):
    RegistryChange.objects.filter(pk=changed.pk).delete()

    (problem,) = audit_registry_history()
    assert f"logs change {changed.pk}" in problem


@pytest.mark.django_db
def test_the_command_fails_when_history_does_not_match(changed):
    out = StringIO()
    call_command("verify_registry_history", stdout=out)
    assert "matches" in out.getvalue()

    RegistryChange.objects.filter(pk=changed.pk).update(actor=None)
    with pytest.raises(CommandError):
        call_command("verify_registry_history", stdout=StringIO())
