"""The ledger's witness settings, read when needed (never at import time).

``LEDGER_WITNESSES``: a list of witnesses, each a mapping with ``name`` (how we refer to it),
``url`` (its tlog-witness submission prefix) and ``vkey`` (its cosignature/v1 verifier key).
``LEDGER_WITNESS_QUORUM``: how many of them must cosign a checkpoint before it counts as
published; by default a majority (none when no witnesses are configured).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from custodywatch_log.note import CosignatureVerifier, NoteError, Verifier
from custodywatch_log.policy import Policy, PolicyError


@dataclass(frozen=True)
class WitnessConfig:
    """One configured witness."""

    name: str
    url: str
    verifier: CosignatureVerifier


def witnesses() -> list[WitnessConfig]:
    """The configured witnesses; raises ``ImproperlyConfigured`` naming a bad entry."""
    out: list[WitnessConfig] = []
    for number, item in enumerate(getattr(settings, "LEDGER_WITNESSES", None) or [], start=1):
        try:
            name, url, vkey = item["name"], item["url"], item["vkey"]
        except (KeyError, TypeError):
            raise ImproperlyConfigured(f"LEDGER_WITNESSES item {number} needs name, url and vkey") from None
        try:
            verifier = CosignatureVerifier.from_vkey(vkey)
        except NoteError as e:
            raise ImproperlyConfigured(f"LEDGER_WITNESSES item {number} ({name}): {e}") from None
        if any(w.name == name for w in out):
            raise ImproperlyConfigured(f"LEDGER_WITNESSES names {name!r} twice")
        out.append(WitnessConfig(name=name, url=url, verifier=verifier))
    return out


def witness_quorum(configured: list[WitnessConfig] | None = None) -> int:
    """How many configured witnesses must cosign for a checkpoint to count as published."""
    configured = witnesses() if configured is None else configured
    quorum = getattr(settings, "LEDGER_WITNESS_QUORUM", None)
    if quorum is None:
        return len(configured) // 2 + 1 if configured else 0
    if not isinstance(quorum, int) or not 0 <= quorum <= len(configured):
        raise ImproperlyConfigured(
            f"LEDGER_WITNESS_QUORUM must be a number from 0 to {len(configured)}, not {quorum!r}"
        )
    return quorum


def witness_policy(log_vkeys: Iterable[str]) -> Policy:
    """The tlog-policy equivalent of the settings: these log keys, k of the configured witnesses."""
    configured = witnesses()
    try:
        return Policy.k_of_n(
            [Verifier.from_vkey(v) for v in log_vkeys],
            [w.verifier for w in configured],
            witness_quorum(configured),
        )
    except (NoteError, PolicyError) as e:
        raise ImproperlyConfigured(f"ledger witness policy: {e}") from None
