"""Sealing medical records to the oversight bodies with age (pyrage), like complaints.

**Who.** The NPM and the prosecutor's office always receive an examination; the Children's
Rights Commissioner too when it concerns a child (``bodies_for``).

**To which keys.** Each body's own organisation key: the active age public key of every
organisation of that kind, read through the complaints module's public ``complaints.keys.
active_public_keys`` (the same keys complaints are sealed to, opened with the same identity). A
body none of whose organisations has an active key is an error (``SealingError``, naming it):
nothing is stored, and nothing is sealed to fewer bodies than are entitled.

**Recovery.** ``CUSTODY_SEALING_RECIPIENTS`` (settings, or JSON in the environment, or a ``*_FILE``
through lib.env) adds age public keys to every seal, such as an offline recovery key kept by the
NPM. It is a list of keys; the older form, a dict of organisation kind -> keys, is still read:
the keys under an entitled kind (and under ``"recovery"``) are added. Configured keys never stand
in for a body's own key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from pyrage import encrypt, x25519

from lib.env import env_json

# Plaintexts are padded to the next of these sizes, so a ciphertext's length says little.
BUCKETS = (4096, 16384, 65536, 262144, 1048576, 4194304, 16777216)


class SealingError(Exception):
    """A record could not be sealed (a body that must receive it has no key)."""


def _as_list(keys: object) -> list[str]:
    if isinstance(keys, str):
        return [keys] if keys else []
    if isinstance(keys, (list, tuple)) and all(isinstance(k, str) for k in keys):
        return [k for k in keys if k]
    raise ImproperlyConfigured("CUSTODY_SEALING_RECIPIENTS must be a list of age public keys")


def recovery_recipients(kinds: Iterable[str] = ()) -> list[str]:
    """The extra (recovery) keys of ``CUSTODY_SEALING_RECIPIENTS`` added to a seal to ``kinds``."""
    configured = getattr(settings, "CUSTODY_SEALING_RECIPIENTS", None)
    if configured is None:
        configured = env_json("CUSTODY_SEALING_RECIPIENTS", default=[])
    if isinstance(configured, dict):
        return [key for kind in [*kinds, "recovery"] for key in _as_list(configured.get(kind) or [])]
    return _as_list(configured or [])


def bodies_for(*, involves_minor: bool) -> list[str]:
    """The organisation kinds an examination is sealed to."""
    return ["npm", "prosecutor"] + (["childrens_ombudsman"] if involves_minor else [])


def body_keys(kinds: Iterable[str]) -> dict[str, list[str]]:
    """Organisation kind -> the active organisation public keys of that kind (sorted by organisation code)."""
    from accounts.models import Organisation
    from complaints.keys import active_public_keys

    kinds = list(kinds)
    organisations = list(Organisation.objects.filter(kind__in=kinds).order_by("code"))
    active = active_public_keys(organisations)
    found: dict[str, list[str]] = {kind: [] for kind in kinds}
    for organisation in organisations:
        if organisation.code in active:
            found[organisation.kind].append(active[organisation.code])
    return found


def keys_for(kinds: Iterable[str]) -> list[str]:
    """Every entitled body's keys and the recovery keys; SealingError naming the bodies without a key."""
    from accounts.models import OrganisationKind

    kinds = list(kinds)
    found = body_keys(kinds)
    missing = [kind for kind in kinds if not found[kind]]
    if missing:
        names = ", ".join(str(OrganisationKind(kind).label) if kind in OrganisationKind.values else kind
                          for kind in missing)
        raise SealingError(_("no organisation key has been made for %(bodies)s") % {"bodies": names})
    keys = [key for kind in kinds for key in found[kind]] + recovery_recipients(kinds)
    return list(dict.fromkeys(keys))


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
        raise ImproperlyConfigured(
            f"a malformed age key (an organisation key or CUSTODY_SEALING_RECIPIENTS): {e}") from None
    sealed = encrypt(pad(plaintext), recipients)
    return sealed, hashlib.sha256(sealed).hexdigest()
