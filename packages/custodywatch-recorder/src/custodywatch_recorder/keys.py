"""The recorder's Ed25519 key: a text file holding the 32-byte private key in base64."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from custodywatch_protocol import recorder as rp


def write_key(path: Path) -> str:
    """Generate a key into ``path`` (readable by its owner only); returns the public key to register."""
    key = rp.generate_key()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(raw).decode("ascii") + "\n")
    return rp.public_key_b64(key)


def read_key(path: Path) -> Ed25519PrivateKey:
    raw = base64.b64decode(path.read_text().strip(), validate=True)
    if len(raw) != 32:
        raise ValueError(f"{path}: not an Ed25519 private key (32 bytes in base64)")
    return Ed25519PrivateKey.from_private_bytes(raw)
