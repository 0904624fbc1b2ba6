"""A terminal's settings, written once by ``custodywatch-terminal init`` into its state directory.

``terminal.json`` holds what the terminal was registered with: its id, the server's address, the
facility code, whether the facility holds children, the tick of its schedule and the server's
public keys (transport X25519, acknowledgement Ed25519, the oversight body's routing Ed25519),
each as hex of the 32 raw bytes. Public material only: the private keys are in their own files.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from custodywatch_log.durable import atomic_write

__all__ = ["CONFIG_FILE", "ConfigError", "TerminalConfig"]

CONFIG_FILE = "terminal.json"
_HEX32 = re.compile(r"^[0-9a-f]{64}$")
_FACILITY = re.compile(r"^\S{1,64}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; names the setting."""

    def __init__(self, field: str, error: str) -> None:
        super().__init__(f"{field}: {error}")
        self.field = field


def check_facility(code: object) -> None:
    if not isinstance(code, str) or not _FACILITY.match(code):
        raise ConfigError("facility", "a facility's institution code (1 to 64 characters, no spaces) is required")


@dataclass(frozen=True)
class TerminalConfig:
    terminal_id: str
    server: str
    facility: str
    server_transport_key: str
    server_ack_key: str
    routing_key: str
    facility_holds_children: bool = False
    schedule_seconds: float = 60.0

    def __post_init__(self) -> None:
        try:
            if str(uuid.UUID(self.terminal_id)) != self.terminal_id:
                raise ValueError
        except ValueError:
            raise ConfigError("terminal_id", "a lower-case UUID is required") from None
        if not self.server.startswith(("https://", "http://")):
            raise ConfigError("server", "an http:// or https:// address is required")
        check_facility(self.facility)
        for name in ("server_transport_key", "server_ack_key", "routing_key"):
            if not _HEX32.match(getattr(self, name)):
                raise ConfigError(name, "the hex of a 32-byte public key is required")
        if not isinstance(self.facility_holds_children, bool):
            raise ConfigError("facility_holds_children", "true or false")
        if not 0 < float(self.schedule_seconds) <= 3600:
            raise ConfigError("schedule_seconds", "a tick from 0 to 3600 seconds")

    @property
    def transport_public(self) -> X25519PublicKey:
        return X25519PublicKey.from_public_bytes(bytes.fromhex(self.server_transport_key))

    @property
    def ack_public(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.server_ack_key))

    @property
    def routing_public(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.routing_key))

    def save(self, state_dir: Path) -> None:
        atomic_write(state_dir / CONFIG_FILE, json.dumps(asdict(self), indent=2).encode() + b"\n")

    @classmethod
    def load(cls, state_dir: Path) -> TerminalConfig:
        path = state_dir / CONFIG_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("state", f"{path} does not exist: run `custodywatch-terminal init` first") from None
        except ValueError:
            raise ConfigError("state", f"{path} is not JSON") from None
        known = set(cls.__dataclass_fields__)
        if not isinstance(data, dict) or set(data) - known:
            raise ConfigError("state", f"{path} holds unknown settings")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ConfigError("state", f"{path}: {exc}") from None
