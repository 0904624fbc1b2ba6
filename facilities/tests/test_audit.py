"""Registry history is committed to the ledger: a rewrite or deletion in the database is found."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from facilities.audit import audit_registry_history
from facilities.models import RegistryChange
from facilities.services import update_facility
from ledger.encoding import decode_entry
from ledger.models import Entry


@pytest.fixture
def changed(personas):
    update_facility(facility=personas.colony, by=personas.analyst, operational_capacity=450)
    return RegistryChange.objects.get(facility=personas.colony)


@pytest.mark.django_db
def test_every_registry_change_gets_a_ledger_entry_holding_no_personal_data(changed):
    entry = Entry.objects.get(index=changed.ledger_index)
    logged = decode_entry(bytes(entry.data))

    assert logged["kind"] == "registry:change"
    assert logged["change"] == changed.pk
    assert set(logged) == {"kind", "change", "model", "object", "action", "record_sha256"}
    assert audit_registry_history() == []


@pytest.mark.django_db
def test_a_change_record_rewritten_in_the_database_is_found(changed):
    RegistryChange.objects.filter(pk=changed.pk).update(after={**changed.after, "operational_capacity": 900})

    (problem,) = audit_registry_history()
    assert f"change {changed.pk}" in problem
    assert "differs" in problem


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
