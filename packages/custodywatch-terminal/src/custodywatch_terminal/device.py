"""The terminal's keys: created once, readable by the agent's user only.

``device.key`` is the Ed25519 device key that signs every record; ``transport.key`` the X25519
key the server's answers are bound to. Each file holds the PKCS#8 PEM of the private key, is
created with mode 0600 inside a directory of mode 0700 and is refused when anyone else may read
it (as ssh refuses a loose key): whoever holds it can speak for the terminal.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

__all__ = ["KEY_FILE", "TRANSPORT_KEY_FILE", "DeviceKeyError", "Keys", "create_keys", "load_keys", "public_hex"]

KEY_FILE = "device.key"
TRANSPORT_KEY_FILE = "transport.key"


class DeviceKeyError(RuntimeError):
    """The device key is missing, already there, unreadable or exposed to other users."""


def ensure_private_directory(path: Path) -> None:
    """Create ``path`` (mode 0700) or check that an existing one is not open to others."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise DeviceKeyError(f"{path} is open to other users (mode {mode:o}); run: chmod 700 {path}")


@dataclass(frozen=True)
class Keys:
    device: Ed25519PrivateKey
    transport: X25519PrivateKey


def _write_new(path: Path, key: Ed25519PrivateKey | X25519PrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise DeviceKeyError(f"{path} exists: this terminal already has its keys") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())


def create_keys(state_dir: Path) -> Keys:
    """Generate the device and transport keys in ``state_dir``; refuses to overwrite existing ones."""
    ensure_private_directory(state_dir)
    for name in (KEY_FILE, TRANSPORT_KEY_FILE):
        if (state_dir / name).exists():
            raise DeviceKeyError(f"{state_dir / name} exists: this terminal already has its keys")
    keys = Keys(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())
    _write_new(state_dir / KEY_FILE, keys.device)
    _write_new(state_dir / TRANSPORT_KEY_FILE, keys.transport)
    dir_fd = os.open(state_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return keys


def _load(path: Path, kind: type) -> object:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DeviceKeyError(f"{path} does not exist: run `custodywatch-terminal init` first") from None
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise DeviceKeyError(f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, kind):
        raise DeviceKeyError(f"{path} does not hold an {kind.__name__.removesuffix('PrivateKey')} key")
    return key


def load_keys(state_dir: Path) -> Keys:
    """Read both keys, refusing files that other users may read or write."""
    return Keys(_load(state_dir / KEY_FILE, Ed25519PrivateKey),  # type: ignore[arg-type]
                _load(state_dir / TRANSPORT_KEY_FILE, X25519PrivateKey))  # type: ignore[arg-type]


def public_hex(key: Ed25519PrivateKey | X25519PrivateKey | Ed25519PublicKey | X25519PublicKey) -> str:
    """A public key as the server registers it: hex of its 32 raw bytes."""
    public = key.public_key() if isinstance(key, (Ed25519PrivateKey, X25519PrivateKey)) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
