"""Witness quorum policies (a subset of C2SP tlog-policy) and their evaluation on checkpoints.

Pure Python; no Django. Supported lines: ``log <vkey> [<url>]``, ``witness <name> <vkey> [<url>]``,
``group <name> all|any|<k> <member>...``, ``quorum <name>|none``, comments and blank lines.
Log keys are Ed25519 note keys (type 0x01), witness keys cosignature/v1 keys (type 0x04).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from custodywatch_log.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint
from custodywatch_log.note import CosignatureVerifier, NoteError, Verifier

__all__ = ["Group", "Policy", "PolicyError", "QuorumResult", "Witness", "evaluate", "parse_policy"]

NONE = "none"


class PolicyError(ValueError):
    """A policy file is malformed (the message names the line)."""


@dataclass(frozen=True)
class Witness:
    """A named witness with its cosignature verifier key."""

    name: str
    verifier: CosignatureVerifier
    url: str | None = None


@dataclass(frozen=True)
class Group:
    """A group witnesses a checkpoint when at least ``threshold`` of its ``members`` do."""

    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass
class Policy:
    """Trusted logs, named witnesses and groups, and the quorum rule (a name or ``"none"``)."""

    logs: list[Verifier] = field(default_factory=list)
    witnesses: dict[str, Witness] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    quorum: str = NONE
    log_urls: dict[str, str] = field(default_factory=dict)
    # The log's origin line when it differs from its key's name (None: the key name is the origin).
    origin: str | None = None

    @classmethod
    def k_of_n(cls, logs: Iterable[Verifier], witnesses: Sequence[CosignatureVerifier], k: int) -> Policy:
        """Build the common policy "any listed log, and ``k`` of these witnesses" (``k = 0``: no witnesses)."""
        policy = cls(logs=list(logs))
        if not 0 <= k <= len(witnesses):
            raise PolicyError(f"quorum {k} is impossible with {len(witnesses)} witness keys")
        for w in witnesses:
            if not isinstance(w, CosignatureVerifier):
                raise PolicyError(f"witness key {w.name!r} is not a cosignature/v1 (type 0x04) key")
            if w.name in policy.witnesses:
                raise PolicyError(f"two witness keys are named {w.name!r}")
            policy.witnesses[w.name] = Witness(w.name, w)
        if k:
            policy.groups["quorum"] = Group("quorum", k, tuple(policy.witnesses))
            policy.quorum = "quorum"
        return policy

    def witness_verifiers(self) -> list[CosignatureVerifier]:
        """The verifier keys of every witness in the policy."""
        return [w.verifier for w in self.witnesses.values()]

    def describe(self) -> str:
        """A one-line human description of the quorum rule."""
        if self.quorum == NONE:
            return "no witness cosignatures required"
        group = self.groups.get(self.quorum)
        if group is None:
            return f"a cosignature from witness {self.quorum}"
        return f"{group.threshold} of {len(group.members)} of group {group.name} ({', '.join(group.members)})"

    def satisfied_by(self, cosigned: Iterable[str]) -> bool:
        """True if the witnesses named in ``cosigned`` meet the quorum."""
        done = set(cosigned)
        if self.quorum == NONE:
            return True
        return self._witnessed(self.quorum, done)

    def _witnessed(self, name: str, done: set[str]) -> bool:
        group = self.groups.get(name)
        if group is None:
            return name in done
        return sum(self._witnessed(m, done) for m in group.members) >= group.threshold


def _reject(number: int, message: str) -> PolicyError:
    return PolicyError(f"policy line {number}: {message}")


def parse_policy(text: str | bytes) -> Policy:
    """Parse a tlog-policy file; raises ``PolicyError`` naming the first bad line."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise PolicyError("policy file is not UTF-8") from None
    policy = Policy()
    names: set[str] = set()
    keys: set[bytes] = set()
    quorum_seen = False
    for number, raw_line in enumerate(text.split("\n"), start=1):
        for ch in raw_line:
            if (ord(ch) < 0x20 and ch != "\t") or ord(ch) == 0x7F:
                raise _reject(number, f"control character U+{ord(ch):04X} is not allowed")
        fields = raw_line.replace("\t", " ").split()
        if not fields or fields[0].startswith("#"):
            continue
        keyword, args = fields[0], fields[1:]
        if keyword == "log":
            if len(args) not in (1, 2):
                raise _reject(number, "expected: log <vkey> [<url>]")
            verifier = _parse_key(number, args[0], Verifier)
            if verifier.public_key in keys:
                raise _reject(number, "duplicate key")
            keys.add(verifier.public_key)
            policy.logs.append(verifier)
            if len(args) == 2:
                policy.log_urls[verifier.vkey] = args[1]
        elif keyword == "witness":
            if len(args) not in (2, 3):
                raise _reject(number, "expected: witness <name> <vkey> [<url>]")
            name = args[0]
            if name in names or name == NONE:
                raise _reject(number, f"name {name!r} is already defined or reserved")
            cosigner = cast(CosignatureVerifier, _parse_key(number, args[1], CosignatureVerifier))
            if cosigner.public_key in keys:
                raise _reject(number, "duplicate key")
            keys.add(cosigner.public_key)
            policy.witnesses[name] = Witness(name, cosigner, args[2] if len(args) == 3 else None)
            names.add(name)
        elif keyword == "group":
            group = _parse_group(number, args, names)
            policy.groups[group.name] = group
            names.add(group.name)
        elif keyword == "quorum":
            if quorum_seen:
                raise _reject(number, "a policy has exactly one quorum line")
            if len(args) != 1 or (args[0] != NONE and args[0] not in names):
                raise _reject(number, "expected: quorum <defined witness or group name | none>")
            policy.quorum = args[0]
            quorum_seen = True
        else:
            raise _reject(number, f"unknown keyword {keyword!r}")
    if not quorum_seen:
        raise PolicyError("policy has no quorum line")
    return policy


def _parse_key(number: int, vkey: str, cls: type[Verifier]) -> Verifier:
    try:
        return cls.from_vkey(vkey)
    except NoteError as e:
        raise _reject(number, str(e)) from None


def _parse_group(number: int, args: list[str], names: set[str]) -> Group:
    if len(args) < 3:
        raise _reject(number, "expected: group <name> all|any|<k> <member>...")
    name, threshold_text, members = args[0], args[1], args[2:]
    if name in names or name == NONE:
        raise _reject(number, f"name {name!r} is already defined or reserved")
    if len(set(members)) != len(members):
        raise _reject(number, "a member is listed twice")
    for m in members:
        if m not in names:
            raise _reject(number, f"member {m!r} is not defined on a preceding line")
    if threshold_text == "all":
        threshold = len(members)
    elif threshold_text == "any":
        threshold = 1
    elif threshold_text.isascii() and threshold_text.isdigit() and not threshold_text.startswith("0"):
        threshold = int(threshold_text)
        if threshold > len(members):
            raise _reject(number, f"threshold {threshold} is larger than the {len(members)} members")
    else:
        raise _reject(number, f"threshold {threshold_text!r} is not all, any or a positive number")
    return Group(name, threshold, tuple(members))


@dataclass(frozen=True)
class QuorumResult:
    """Outcome of checking a signed checkpoint against a policy."""

    checkpoint: Checkpoint
    signed: SignedCheckpoint
    cosigned: tuple[str, ...]
    timestamps: dict[str, int]
    satisfied: bool
    rule: str
    # False when the policy names no witness: cosignatures were then not checked at all.
    witnesses_checked: bool = True

    def explain(self) -> str:
        """Plain-words summary of which witnesses cosigned and whether the quorum holds."""
        if not self.witnesses_checked:
            return (
                "witness cosignatures NOT checked (no witness keys given): this shows the log signed "
                "the checkpoint, not that independent witnesses saw the same log"
            )
        who = ", ".join(self.cosigned) or "no witness"
        verdict = "met" if self.satisfied else "NOT met"
        return f"cosigned by {who}; quorum ({self.rule}) {verdict}"


def evaluate(note_text: str | bytes, policy: Policy, extra_logs: Iterable[Verifier] = ()) -> QuorumResult:
    """Verify a signed checkpoint against ``policy`` and report which policy witnesses cosigned it.

    Raises ``NoteError``/``CheckpointError`` if the note is malformed, not signed by a policy log
    (or one of ``extra_logs``) for its origin, or carries a failing signature from a known key.
    The quorum outcome itself is reported in ``QuorumResult.satisfied``, not raised.
    """
    logs = [*policy.logs, *extra_logs]
    signed = open_checkpoint(note_text, logs, policy.witness_verifiers(), origin=policy.origin)
    by_key = {w.verifier: w.name for w in policy.witnesses.values()}
    cosigned: dict[str, int] = {}
    for verifier, sig in signed.note.verified:
        name = by_key.get(verifier)
        if name is not None and isinstance(verifier, CosignatureVerifier):
            cosigned[name] = CosignatureVerifier.timestamp(sig.signature) or 0
    return QuorumResult(
        checkpoint=signed.checkpoint,
        signed=signed,
        cosigned=tuple(cosigned),
        timestamps=cosigned,
        satisfied=policy.satisfied_by(cosigned),
        rule=policy.describe(),
        witnesses_checked=bool(policy.witnesses),
    )
