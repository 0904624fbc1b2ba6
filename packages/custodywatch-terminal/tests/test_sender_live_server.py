"""The agent against the real server: the Django packet view behind a live HTTP server."""

from __future__ import annotations

import pytest
from terminal_support import FORM, Bodies, fast_derive

from complaints.ingest import registration, routing
from complaints.models import Complaint, ComplaintMessage
from custodywatch_protocol.routing import Recipient
from custodywatch_terminal.agent import Agent, State
from custodywatch_terminal.device import public_hex
from custodywatch_terminal.install import configure, create
from custodywatch_terminal.sealing import Complaint as SealedComplaint
from custodywatch_terminal.sealing import Message, PlaintextError, open_sealed
from custodywatch_terminal.sender import Outcome
from ledger import interface as ledger


@pytest.mark.django_db(transaction=True)
def test_a_terminal_files_through_the_real_packet_view_and_follows_up(live_server, personas, settings, tmp_path):
    settings.COMPLAINTS_KEY_DIR = tmp_path / "server-keys"
    bodies = Bodies.generate()
    routing.issue_routing_list(
        by=personas.oversight_admin, recovery=str(bodies.recovery.to_public()),
        recipients=[Recipient("npm", "npm", str(bodies.npm.to_public())),
                    Recipient("prosecutor", "prosecutor", str(bodies.prosecutor.to_public()))])
    state = tmp_path / "terminal"
    keys = create(state, server=live_server.url, facility=personas.colony.code)
    terminal = registration.register_terminal(
        facility=personas.colony, label="Block 2", device_public_key=public_hex(keys.device),
        transport_public_key=public_hex(keys.transport), by=personas.oversight_admin)
    configure(state, registration.terminal_setup(terminal))  # no routing list: the server sends it
    agent = Agent(state, derive=fast_derive, wait_seconds=20)
    try:
        assert agent.status().state is State.NOT_READY
        assert agent.sender.tick() is Outcome.DELIVERED  # a heartbeat; the answer brings the routing list
        filed = agent.file_complaint({**FORM, "category": "torture", "text": "CANARY-LIVE избили в ШИЗО"})
        assert agent.sender.tick() is Outcome.DELIVERED
        filed = agent.receipt_status(filed)
        complaint = Complaint.objects.get(locator=filed.receipt.locator)
        assert filed.ledger_index == ledger.index_of(kind="complaint:receipt",
                                                     subject=f"complaints.complaint:{complaint.pk}")
        assert sorted(complaint.recipients.values_list("code", flat=True)) == ["npm", "prosecutor"]
        assert complaint.priority == "urgent"
        opened = open_sealed(bytes(complaint.sealed), [bodies.prosecutor])
        assert isinstance(opened, SealedComplaint)
        assert opened.text == "CANARY-LIVE избили в ШИЗО"
        with pytest.raises(PlaintextError):
            open_sealed(bytes(complaint.sealed), [bodies.ombudsman])
        thread = agent.follow_up(filed.receipt.grouped)
        assert (thread.status, thread.entries) == ("received", ())
        # A message queued and left undelivered when the agent stops is delivered by the next one:
        # the real server opens the token the outbox kept sealed to it.
        agent.add_message(filed.receipt.grouped, text="CANARY-LIVE ещё одно")
        assert agent.outbox.pending_count("message") == 1
    finally:
        agent.close()
    agent = Agent(state, derive=fast_derive, wait_seconds=20)
    try:
        assert agent.sender.tick() is Outcome.DELIVERED
        assert agent.outbox.pending_count() == 0
    finally:
        agent.close()
    (message,) = ComplaintMessage.objects.all()
    assert message.complaint_id == complaint.pk
    opened = open_sealed(bytes(message.sealed), [bodies.npm])
    assert isinstance(opened, Message)
    assert opened.text == "CANARY-LIVE ещё одно"
