"""Sealing medical records to the oversight bodies with age (pyrage), like complaints.

The recipients are organisation kinds mapped to age public keys in ``CUSTODY_SEALING_RECIPIENTS``
(a dict or JSON: {"npm": ["age1..."], "prosecutor": [...], "childrens_ombudsman": [...]}; a
``*_FILE`` variant through lib.env). The NPM and the prosecutor always receive an examination; the
Children's Rights Commissioner when it concerns a child. No key configured for a body that must
receive it is an error: nothing is stored unsealed.

When the complaints module's organisation keys (``complaints/keys.py``) are merged, replace
``keys_for`` with a call to it (organisation kind -> its current age recipients); ``seal`` and the
callers stay as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyrage import encrypt, x25519

from lib.env import env_json

# Plaintexts are padded to the next of these sizes, so a ciphertext's length says little.
BUCKETS = (4096, 16384, 65536, 262144, 1048576, 4194304, 16777216)


class SealingError(Exception):
    """A record could not be sealed (no recipient key configured for a body that must receive it)."""


def configured_recipients() -> dict[str, list[str]]:
    configured = getattr(settings, "CUSTODY_SEALING_RECIPIENTS", None)
    if configured is None:
        configured = env_json("CUSTODY_SEALING_RECIPIENTS", default={})
    if not isinstance(configured, dict):
        raise ImproperlyConfigured("CUSTODY_SEALING_RECIPIENTS must map organisation kinds to lists of age keys")
    return {str(kind): [keys] if isinstance(keys, str) else list(keys) for kind, keys in configured.items()}


def bodies_for(*, involves_minor: bool) -> list[str]:
    """The organisation kinds an examination is sealed to."""
    return ["npm", "prosecutor"] + (["childrens_ombudsman"] if involves_minor else [])


def keys_for(kinds: Iterable[str]) -> list[str]:
    configured = configured_recipients()
    keys = []
    for kind in kinds:
        found = configured.get(kind) or []
        if not found:
            raise SealingError(f"no age recipient key is configured for {kind}")
        keys.extend(found)
    return keys


def pad(data: bytes) -> bytes:
    size = next((b for b in BUCKETS if b >= len(data) + 4), None)
    if size is None:
        raise SealingError("the record is too large to seal")
    return len(data).to_bytes(4, "big") + data + b"\x00" * (size - len(data) - 4)


def unpad(data: bytes) -> bytes:
    return data[4:4 + int.from_bytes(data[:4], "big")]


def seal(plaintext: bytes, kinds: Iterable[str]) -> tuple[bytes, str]:
    """The age ciphertext of ``plaintext`` (padded) to every key of ``kinds``, and its SHA-256."""
    try:
        recipients = [x25519.Recipient.from_str(key) for key in keys_for(kinds)]
    except SealingError:
        raise
    except Exception as e:  # pyrage.RecipientError and friends: a malformed configured key
        raise ImproperlyConfigured(f"CUSTODY_SEALING_RECIPIENTS holds a malformed age key: {e}") from None
    sealed = encrypt(pad(plaintext), recipients)
    return sealed, hashlib.sha256(sealed).hexdigest()
