"""Setting a terminal up: its keys, its settings and (optionally) its first routing list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from custodywatch_terminal.config import TerminalConfig
from custodywatch_terminal.device import Keys, create_keys, ensure_private_directory
from custodywatch_terminal.outbox import OUTBOX_FILE, Outbox
from custodywatch_terminal.routing import RoutingKeeper

__all__ = ["initialise"]


def initialise(state_dir: Path, *, server: str, facility: str, server_transport_key: str, server_ack_key: str,
               routing_key: str, facility_holds_children: bool = False, schedule_seconds: float = 10.0,
               terminal_id: str | None = None, routing_list: tuple[bytes, bytes] | None = None,
               now: datetime | None = None) -> tuple[TerminalConfig, Keys]:
    """Create the state directory of a new terminal. Refuses one that already has keys.

    The settings are checked before any key is written, and a routing list given here must
    verify with ``routing_key``, so a typo leaves nothing half-made.
    """
    config = TerminalConfig(
        terminal_id=terminal_id or str(uuid.uuid4()), server=server, facility=facility,
        server_transport_key=server_transport_key, server_ack_key=server_ack_key, routing_key=routing_key,
        facility_holds_children=facility_holds_children, schedule_seconds=schedule_seconds)
    ensure_private_directory(state_dir)
    keys = create_keys(state_dir)
    config.save(state_dir)
    outbox = Outbox(state_dir / OUTBOX_FILE)
    try:
        if routing_list is not None:
            at = now or datetime.now(UTC)
            RoutingKeeper(outbox, config.routing_public, lambda: at).offer(*routing_list)
    finally:
        outbox.close()
    return config, keys
