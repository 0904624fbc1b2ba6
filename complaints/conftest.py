"""Fixtures for the complaint terminals: server keys in a temporary directory, a routing list,
a registered terminal and a client for it built on the protocol alone (``complaints.testing``)."""

from __future__ import annotations

import pytest
from django.test import Client

from complaints.ingest import registration, routing
from complaints.testing import AGE_TEST_RECIPIENT, SimTerminal
from custodywatch_protocol import terminal as protocol

PACKET_URL = "/api/v1/complaints/terminal/packet"


@pytest.fixture
def complaint_keys(settings, tmp_path):
    settings.COMPLAINTS_KEY_DIR = tmp_path / "complaint-keys"
    return settings.COMPLAINTS_KEY_DIR


@pytest.fixture
def routing_list(personas, complaint_keys):
    return routing.issue_routing_list(
        by=personas.oversight_admin, recovery=AGE_TEST_RECIPIENT,
        recipients=[protocol.Recipient("npm", "npm", AGE_TEST_RECIPIENT),
                    protocol.Recipient("prosecutor", "prosecutor", AGE_TEST_RECIPIENT)],
    )


def make_terminal(facility, by, label="Block 2, corridor") -> SimTerminal:
    sim_keys = SimTerminal(terminal="00000000-0000-0000-0000-000000000000", server_transport=None, server_ack=None)
    terminal = registration.register_terminal(
        facility=facility, label=label, device_public_key=sim_keys.device_public,
        transport_public_key=sim_keys.transport_public, by=by,
    )
    return SimTerminal.for_setup(registration.terminal_setup(terminal), device=sim_keys.device,
                                 transport=sim_keys.transport)


@pytest.fixture
def sim(personas, routing_list):
    return make_terminal(personas.colony, personas.oversight_admin)


@pytest.fixture
def post(client: Client):
    def send(packet: bytes) -> bytes:
        response = client.post(PACKET_URL, data=packet, content_type="application/octet-stream")
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.content[:200]!r}")
        return response.content
    return send
