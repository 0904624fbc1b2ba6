"""Registering a complaint terminal: its public keys and schedule, and what its agent needs back."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from django.db import transaction
from django.utils import timezone

from complaints.ingest import keys
from complaints.models import Terminal
from custodywatch_protocol import terminal as protocol
from facilities.models import FacilityType

ENDPOINT = "/api/v1/complaints/terminal/packet"
HEX_KEY = re.compile(r"^[0-9a-f]{64}$")


class RegistrationRefused(ValueError):
    def __init__(self, field: str, error: str) -> None:
        super().__init__(f"{field}: {error}")
        self.field = field
        self.error = error


def _key(value: str, field: str, loader) -> str:
    value = (value or "").strip().lower()
    if not HEX_KEY.match(value):
        raise RegistrationRefused(field, "a raw 32-byte public key in hex (64 characters) is required")
    try:
        loader(bytes.fromhex(value))
    except ValueError:
        raise RegistrationRefused(field, "not a valid public key") from None
    return value


def register_terminal(
    *, facility: Any, label: str, device_public_key: str, transport_public_key: str, by: Any,
    schedule_seconds: int = 60, now: datetime | None = None,
) -> Terminal:
    """Register a terminal placed in ``facility`` (its agent made both keys; only public halves come here)."""
    label = (label or "").strip()
    if not 1 <= len(label) <= 100:
        raise RegistrationRefused("label", "a label of 1 to 100 characters is required")
    device = _key(device_public_key, "device_public_key", Ed25519PublicKey.from_public_bytes)
    transport = _key(transport_public_key, "transport_public_key", X25519PublicKey.from_public_bytes)
    if not isinstance(schedule_seconds, int) or not 1 <= schedule_seconds <= 86400:
        raise RegistrationRefused("schedule_seconds", "1 to 86400 seconds")
    with transaction.atomic():
        if Terminal.objects.filter(device_public_key=device).exists():
            raise RegistrationRefused("device_public_key", "this device key is already registered")
        return Terminal.objects.create(
            facility=facility, label=label, device_public_key=device, transport_public_key=transport,
            registered_at=now or timezone.now(), schedule_seconds=schedule_seconds,
        )


def terminal_setup(terminal: Terminal) -> dict[str, Any]:
    """What the terminal's agent is configured with (all public)."""
    return {
        "terminal": str(terminal.pk),
        "endpoint": ENDPOINT,
        "server_transport_key": protocol.raw_public(keys.transport_key().public_key()).hex(),
        "server_ack_key": protocol.raw_public(keys.ack_key().public_key()).hex(),
        "routing_key": protocol.raw_public(keys.routing_key().public_key()).hex(),
        "schedule_seconds": terminal.schedule_seconds,
        "facility": terminal.facility.code,
        "facility_holds_children": terminal.facility.type in FacilityType.for_children(),
        "packet_size": protocol.PACKET_SIZE,
    }
