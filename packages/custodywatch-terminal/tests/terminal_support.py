"""A terminal set up against the fake server, with a signed routing list and cheap key derivation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519
from terminal_fake_server import FakeServer

from custodywatch_protocol.routing import Recipient, RoutingList, sign_routing_list
from custodywatch_terminal import receipts
from custodywatch_terminal.agent import Agent
from custodywatch_terminal.device import public_hex
from custodywatch_terminal.install import initialise
from custodywatch_terminal.transport import MemoryTransport

ISSUED = datetime(2026, 11, 1, tzinfo=UTC)
NOW = ISSUED + timedelta(days=3)


def fast_derive(secret_digits: str, salt: bytes) -> receipts.Derived:
    """The receipt derivation with cheap Argon2id parameters, for tests that are not about it."""
    out = hash_secret_raw(secret=secret_digits.encode(), salt=salt, time_cost=1, memory_cost=64, parallelism=1,
                          hash_len=64, type=Type.ID)
    return receipts.Derived(out[:32], receipts.x25519_identity(out[32:]))


@dataclass
class Bodies:
    """The oversight bodies' keys: the organisations, the recovery key, the routing key."""

    npm: x25519.Identity
    ombudsman: x25519.Identity
    prosecutor: x25519.Identity
    recovery: x25519.Identity
    routing: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> Bodies:
        return cls(*(x25519.Identity.generate() for _ in range(4)), Ed25519PrivateKey.generate())

    def routing_list(self, version: int = 1, *, issued: datetime = ISSUED, days: int = 60) -> RoutingList:
        return sign_routing_list(
            self.routing, version=version, issued_at=issued, expires_at=issued + timedelta(days=days),
            recipients=[Recipient("npm-kz", "npm", str(self.npm.to_public())),
                        Recipient("ombudsman-kz", "childrens_ombudsman", str(self.ombudsman.to_public())),
                        Recipient("prosecutor-kz", "prosecutor", str(self.prosecutor.to_public()))],
            recovery=str(self.recovery.to_public()))


def make_terminal(state_dir: Path, server: FakeServer, bodies: Bodies, *, holds_children: bool = False,
                  with_routing: bool = True, server_url: str = "http://127.0.0.1:9",
                  schedule_seconds: float = 10.0) -> str:
    """Initialise a terminal's state directory and register it with ``server``; returns its id."""
    routing = bodies.routing_list()
    config, keys = initialise(
        state_dir, server=server_url, facility="ak-159-12", terminal_id=str(uuid.uuid4()),
        server_transport_key=public_hex(server.transport_key), server_ack_key=public_hex(server.ack_key),
        routing_key=public_hex(bodies.routing), facility_holds_children=holds_children,
        schedule_seconds=schedule_seconds,
        routing_list=(routing.body, routing.signature) if with_routing else None, now=NOW)
    server.register(config.terminal_id, device=keys.device.public_key(), transport=keys.transport.public_key())
    return config.terminal_id


def open_agent(state_dir: Path, server: FakeServer, *, clock=None) -> tuple[Agent, MemoryTransport]:
    transport = MemoryTransport(server.handle)
    agent = Agent(state_dir, transport=transport, derive=fast_derive,
                  clock=clock or (lambda: NOW), wait_seconds=30)
    return agent, transport


FORM = {"category": "health", "text": "Мне третий месяц не дают лекарство от давления.", "language": "ru",
        "anonymous": True, "reprisal_risk": "some"}
