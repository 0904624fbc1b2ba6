"""The server's complaint-terminal keys, kept in files beside the ledger's keys, never in the database.

- ``transport.key``: the X25519 key terminals encrypt their packets to (and answers are bound to).
- ``ack.key``: the Ed25519 key that signs acknowledgements.
- ``routing.key``: the oversight body's Ed25519 routing key that signs routing lists. In
  production it may be held elsewhere and only its public half configured; here it is generated
  on first use like the others (development and small installations).

All live in ``COMPLAINTS_KEY_DIR`` (default: ``LEDGER_KEY_DIR/complaints``), which, like the
ledger's key directory, must not lie inside the SQLite database's directory: a database restored
from an old backup must not bring back old keys, and the keys are not in database dumps.
Files are hex seeds, mode 0600, written atomically; an existing file is never replaced.
"""

from __future__ import annotations

import contextlib
import os
import stat
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from custodywatch_log.durable import atomic_write
from lib.db.sqlite import database_directory

TRANSPORT, ACK, ROUTING = "transport.key", "ack.key", "routing.key"


def key_dir() -> Path:
    configured = getattr(settings, "COMPLAINTS_KEY_DIR", None)
    path = Path(configured) if configured else Path(settings.LEDGER_KEY_DIR) / "complaints"
    path = path.resolve()
    db_dir = database_directory(connections["default"])
    if db_dir is not None and (path == db_dir or db_dir in path.parents):
        raise ImproperlyConfigured(
            f"COMPLAINTS_KEY_DIR ({path}) lies inside the database's directory: keep the keys apart from backups"
        )
    return path


def _seed(name: str, generate) -> bytes:
    path = key_dir() / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = generate()
        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        tmp = path.with_name(f".{name}.{os.getpid()}.new")
        atomic_write(tmp, raw.hex().encode("ascii") + b"\n")
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # never replaces a key another process wrote first
        tmp.unlink()
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ImproperlyConfigured(f"{path} is readable by others: chmod 600 it")
    return bytes.fromhex(path.read_text("ascii").strip())


@cache
def _transport(directory: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_seed(TRANSPORT, X25519PrivateKey.generate))


@cache
def _ack(directory: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_seed(ACK, Ed25519PrivateKey.generate))


@cache
def _routing(directory: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_seed(ROUTING, Ed25519PrivateKey.generate))


def transport_key() -> X25519PrivateKey:
    return _transport(str(key_dir()))


def ack_key() -> Ed25519PrivateKey:
    return _ack(str(key_dir()))


def routing_key() -> Ed25519PrivateKey:
    return _routing(str(key_dir()))
