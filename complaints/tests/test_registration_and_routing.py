"""Registering terminals and issuing routing lists, through the services and the commands."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.management import CommandError, call_command
from django.utils import timezone

from complaints.ingest import keys, registration, routing
from complaints.models import RoutingList, Terminal
from complaints.testing import AGE_TEST_RECIPIENT
from custodywatch_protocol import terminal as protocol
from ledger import interface as ledger

pytestmark = pytest.mark.django_db


def _hex(key) -> str:
    return protocol.raw_public(key.public_key()).hex()


def test_the_command_registers_a_terminal_and_prints_what_its_agent_needs(personas, complaint_keys):
    out = StringIO()
    device, transport = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    call_command("register_terminal", "--facility", personas.colony.code, "--label", "Block 2",
                 "--device-key", _hex(device), "--transport-key", _hex(transport), "--schedule", "30", stdout=out)
    setup = json.loads(out.getvalue())
    terminal = Terminal.objects.get(pk=setup["terminal"])
    assert (terminal.facility, terminal.schedule_seconds, terminal.device_public_key) == (
        personas.colony, 30, _hex(device))
    assert setup["server_transport_key"] == _hex(keys.transport_key())
    assert setup["endpoint"] == "/api/v1/complaints/terminal/packet"
    assert setup["facility_holds_children"] is False
    assert "PRIVATE" not in out.getvalue().upper()
    assert oct((complaint_keys / "transport.key").stat().st_mode)[-3:] == "600"
    with pytest.raises(CommandError, match="device_public_key"):
        call_command("register_terminal", "--facility", personas.colony.code, "--label", "Again",
                     "--device-key", _hex(device), "--transport-key", _hex(transport), stdout=StringIO())


@pytest.mark.parametrize(("field", "value"), [("device_public_key", "abc"), ("transport_public_key", "zz" * 32),
                                              ("label", " ")])
def test_registration_names_the_field_that_is_wrong(personas, complaint_keys, field, value):
    fields = {"device_public_key": _hex(Ed25519PrivateKey.generate()),
              "transport_public_key": _hex(X25519PrivateKey.generate()), "label": "T", field: value}
    with pytest.raises(registration.RegistrationRefused) as raised:
        registration.register_terminal(facility=personas.colony, by=None, **fields)
    assert raised.value.field == field
    assert Terminal.objects.count() == 0


def test_each_routing_list_version_is_signed_by_the_routing_key_and_logged(personas, complaint_keys):
    out = StringIO()
    call_command("issue_routing_list", "--recipient", f"npm=npm={AGE_TEST_RECIPIENT}",
                 "--recovery", AGE_TEST_RECIPIENT, "--days", "30", stdout=out)
    call_command("issue_routing_list", "--recipient", f"npm=npm={AGE_TEST_RECIPIENT}",
                 "--recipient", f"prosecutor=prosecutor={AGE_TEST_RECIPIENT}", "--recovery", AGE_TEST_RECIPIENT,
                 stdout=out)
    first, second = RoutingList.objects.order_by("version")
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(_hex(keys.routing_key())))
    older = protocol.verify_routing_list(bytes(first.body), bytes(first.signature), public_key=public,
                                         now=timezone.now())
    newer = protocol.verify_routing_list(bytes(second.body), bytes(second.signature), public_key=public,
                                         now=timezone.now(), known=older)
    assert [r.organisation for r in newer.recipients] == ["npm", "prosecutor"]
    assert routing.current_routing_list() == second
    for version in (1, 2):
        assert ledger.index_of(kind="complaint:routing", subject=f"complaints.routinglist:{version}") is not None
    with pytest.raises(CommandError, match="npm"):
        call_command("issue_routing_list", "--recipient", f"prosecutor=prosecutor={AGE_TEST_RECIPIENT}",
                     "--recovery", AGE_TEST_RECIPIENT, stdout=out)
    assert RoutingList.objects.count() == 2
