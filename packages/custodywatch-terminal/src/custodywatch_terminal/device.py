"""The terminal's Ed25519 device key: created once, readable by the agent's user only.

The key file holds the PKCS#8 PEM of the private key. It is created with mode 0600 inside a
directory of mode 0700 and refused when anyone else may read it (as ssh refuses a loose key):
whoever holds it can speak for the terminal.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["KEY_FILE", "DeviceKeyError", "create_device_key", "load_device_key", "public_key_text"]

KEY_FILE = "device.key"


class DeviceKeyError(RuntimeError):
    """The device key is missing, already there, unreadable or exposed to other users."""


def ensure_private_directory(path: Path) -> None:
    """Create ``path`` (mode 0700) or check that an existing one is not open to others."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise DeviceKeyError(f"{path} is open to other users (mode {mode:o}); run: chmod 700 {path}")


def create_device_key(state_dir: Path) -> Ed25519PrivateKey:
    """Generate the device key in ``state_dir``; refuses to overwrite an existing one."""
    ensure_private_directory(state_dir)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path = state_dir / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise DeviceKeyError(f"{path} exists: this terminal already has a device key") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    dir_fd = os.open(state_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return key


def load_device_key(state_dir: Path) -> Ed25519PrivateKey:
    """Read the device key, refusing a file that other users may read or write."""
    path = state_dir / KEY_FILE
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DeviceKeyError(f"{path} does not exist: run `custodywatch-terminal init` first") from None
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise DeviceKeyError(f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise DeviceKeyError(f"{path} does not hold an Ed25519 key")
    return key


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The device's public key as base64 of its 32 raw bytes, for registration on the server."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")
