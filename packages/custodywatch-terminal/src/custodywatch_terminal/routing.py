"""The terminal's routing list: the one it holds, and which new ones it takes.

A list is accepted only through ``custodywatch_protocol.routing.verify_routing_list``: signed by
the oversight body's routing key, current, and not older than the list held (the same version
must be the same body). The accepted list is kept in the outbox's state table with its
signature, and is checked again (signature and shape) whenever it is read back, so a list
edited on the disk is not used.

A held list that has since expired is still used to seal (the recovery key is in every list, so
the oversight body can always open what was sealed), and ``status`` says that it has expired: a
facility that cuts the network must not be able to stop the terminal from taking complaints.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from custodywatch_protocol.routing import RoutingError, RoutingList, parse_time, verify_routing_list
from custodywatch_terminal.outbox import Outbox

__all__ = ["ROUTING_STATE", "RoutingError", "RoutingKeeper"]

ROUTING_STATE = "routing_list"


class RoutingKeeper:
    """Holds the current routing list of one terminal."""

    def __init__(self, outbox: Outbox, public_key: Ed25519PublicKey, clock: Callable[[], datetime]) -> None:
        self.outbox = outbox
        self.public_key = public_key
        self.clock = clock
        self.last_refusal: RoutingError | None = None

    def _read(self, packed: bytes | None) -> RoutingList | None:
        if packed is None:
            return None
        try:
            stored = json.loads(packed)
            body, sig = bytes.fromhex(stored["body"]), bytes.fromhex(stored["sig"])
            issued = parse_time(json.loads(body)["issued_at"], "issued_at")
        except (ValueError, KeyError, TypeError) as exc:
            raise RoutingError("stored", f"the stored routing list is damaged ({exc})") from None
        # Checked as at its own issue time: the signature and shape, not whether it is still current.
        return verify_routing_list(body, sig, public_key=self.public_key, now=issued)

    def current(self) -> RoutingList | None:
        """The held list (possibly expired), or None before the first one."""
        return self._read(self.outbox.get_state(ROUTING_STATE))

    def expired(self) -> bool:
        routing = self.current()
        return routing is not None and self.clock() >= routing.expires_at

    def offer(self, body: bytes, signature: bytes) -> RoutingList:
        """Take a list from the server (or the installer) if it verifies and is not a rollback.

        Returns the list now held; raises ``RoutingError`` (and remembers it for ``status``) if
        the offered list is refused. Offering the held list again changes nothing.
        """
        accepted: list[RoutingList] = []

        def accept(old: bytes | None) -> bool:
            known = self._read(old)
            new = verify_routing_list(body, signature, public_key=self.public_key, now=self.clock(), known=known)
            accepted.append(new)
            return known is None or new.version > known.version

        try:
            self.outbox.replace_state_if(ROUTING_STATE, _pack_raw(body, signature), accept)
        except RoutingError as exc:
            self.last_refusal = exc
            raise
        self.last_refusal = None
        return accepted[0]


def _pack_raw(body: bytes, signature: bytes) -> bytes:
    return json.dumps({"body": body.hex(), "sig": signature.hex()}).encode()
