"""Setting a terminal up, in two steps around its registration on the server.

1. ``create`` makes the state directory (mode 0700) and both private keys, and remembers the
   server's address and the facility; the public halves go to the server's operator, who runs
   ``manage.py register_terminal`` and gets back the terminal's setup (JSON, public material only).
2. ``configure`` reads that setup (terminal id, the server's public keys, the schedule, whether
   the facility holds children) and writes ``terminal.json``; a routing list given here must
   verify with the setup's routing key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from custodywatch_log.durable import atomic_write
from custodywatch_terminal.config import ConfigError, TerminalConfig, check_facility
from custodywatch_terminal.device import Keys, create_keys, ensure_private_directory, load_keys
from custodywatch_terminal.outbox import OUTBOX_FILE, Outbox
from custodywatch_terminal.routing import RoutingKeeper

__all__ = ["PENDING_FILE", "configure", "create", "initialise"]

PENDING_FILE = "registration.json"


def create(state_dir: Path, *, server: str, facility: str) -> Keys:
    """Make a new terminal's keys; refuses a directory that already has them."""
    if not server.startswith(("https://", "http://")):
        raise ConfigError("server", "an http:// or https:// address is required")
    check_facility(facility)
    ensure_private_directory(state_dir)
    keys = create_keys(state_dir)
    atomic_write(state_dir / PENDING_FILE, json.dumps({"server": server, "facility": facility}).encode())
    return keys


def configure(state_dir: Path, setup: Mapping[str, Any], *, routing_list: tuple[bytes, bytes] | None = None,
              now: datetime | None = None) -> TerminalConfig:
    """Write the terminal's settings from the server's setup for it (``register_terminal``'s output)."""
    load_keys(state_dir)  # the keys must be there, and private
    try:
        pending = json.loads((state_dir / PENDING_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        raise ConfigError("state", f"{state_dir} was not made by `custodywatch-terminal init`") from None
    if setup.get("facility") != pending["facility"]:
        raise ConfigError("facility", f"the setup is for facility {setup.get('facility')!r}, this terminal was "
                                      f"made for {pending['facility']!r}")
    try:
        config = TerminalConfig(
            terminal_id=setup["terminal"], server=pending["server"], facility=pending["facility"],
            server_transport_key=setup["server_transport_key"], server_ack_key=setup["server_ack_key"],
            routing_key=setup["routing_key"], facility_holds_children=setup.get("facility_holds_children", False),
            schedule_seconds=setup.get("schedule_seconds", 60))
    except KeyError as exc:
        raise ConfigError(str(exc.args[0]), "is missing from the setup") from None
    if routing_list is not None:
        outbox = Outbox(state_dir / OUTBOX_FILE)
        try:
            at = now or datetime.now(UTC)
            RoutingKeeper(outbox, config.routing_public, lambda: at).offer(*routing_list)
        finally:
            outbox.close()
    config.save(state_dir)
    return config


def initialise(state_dir: Path, *, server: str, facility: str, terminal_id: str, server_transport_key: str,
               server_ack_key: str, routing_key: str, facility_holds_children: bool = False,
               schedule_seconds: float = 60, routing_list: tuple[bytes, bytes] | None = None,
               now: datetime | None = None) -> tuple[TerminalConfig, Keys]:
    """Both steps at once, for a terminal whose setup is already known (tests, scripted installs)."""
    keys = create(state_dir, server=server, facility=facility)
    config = configure(state_dir, {
        "terminal": terminal_id, "facility": facility, "server_transport_key": server_transport_key,
        "server_ack_key": server_ack_key, "routing_key": routing_key,
        "facility_holds_children": facility_holds_children, "schedule_seconds": schedule_seconds,
    }, routing_list=routing_list, now=now)
    return config, keys
