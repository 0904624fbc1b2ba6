"""``custodywatch-verify``: independent verification of the CustodyWatch ledger (no Django, no database).

Subcommands (trusted keys via ``--log-key`` and ``--witness-key``/``--quorum``, or ``--policy``)::

    checkpoint  (--log LOCATION | FILE)   log signature and witness quorum
    inclusion   --log LOCATION (--index N | --entry-hash HEX | --entry-file FILE)
    consistency --log LOCATION [--state FILE]   append-only since the last checkpoint seen
    audit       --log LOCATION            recompute every leaf, tile and the root
    proof       BUNDLE [--entry-file FILE | --entry-hash HEX]

LOCATION is a tile directory or an http(s) URL prefix. Exit status: 0 verified, 1 the log or
input is wrong (the output says exactly what), 2 bad invocation or configuration, 3 internal error.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from custodywatch_log.audit import TileHashes, audit_tiles
from custodywatch_log.checkpoint import CheckpointError
from custodywatch_log.durable import atomic_write
from custodywatch_log.merkle import (
    HASH_SIZE,
    ProofError,
    assemble,
    consistency_proof_plan,
    inclusion_proof_plan,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from custodywatch_log.note import CosignatureVerifier, NoteError, Verifier
from custodywatch_log.policy import Policy, PolicyError, QuorumResult, evaluate, parse_policy
from custodywatch_log.proof import ProofBundleError, verify_proof_bundle
from custodywatch_log.tiles import (
    TILE_WIDTH,
    TileError,
    TileReader,
    decode_entry_bundle,
    open_tile_reader,
    read_tile,
)

__all__ = ["Outcome", "audit_log", "main"]

DEFAULT_STATE = "~/.custodywatch-verify.json"
_MAX_INPUT = 16 * 1024 * 1024


class UsageError(Exception):
    """Bad invocation or configuration (exit 2)."""


class Failed(Exception):
    """Verification failed (exit 1); the message says exactly what is wrong."""


@dataclass
class Outcome:
    """What a subcommand found: human lines and machine fields."""

    command: str
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, message: str, path: str = "", index: int | None = None) -> None:
        self.ok = False
        self.problems.append({"path": path, "index": index, "message": message})


# ---------------------------------------------------------------------------------------------
# Inputs


def _read_source(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read(_MAX_INPUT)
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - scheme checked
                return response.read(_MAX_INPUT)
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot fetch {source}: {e}") from None
    try:
        return Path(source).read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {source}: {e.strerror}") from None


def _policy(args: argparse.Namespace) -> Policy:
    try:
        logs = [Verifier.from_vkey(k) for k in args.log_key or []]
        witnesses = [CosignatureVerifier.from_vkey(k) for k in args.witness_key or []]
    except NoteError as e:
        raise UsageError(f"bad key: {e}") from None
    if args.policy:
        if witnesses or args.quorum is not None:
            raise UsageError("use either --policy or --witness-key/--quorum, not both")
        try:
            policy = parse_policy(_read_source(args.policy))
        except PolicyError as e:
            raise UsageError(str(e)) from None
        policy.logs.extend(v for v in logs if v not in policy.logs)
    else:
        quorum = len(witnesses) if args.quorum is None else args.quorum
        try:
            policy = Policy.k_of_n(logs, witnesses, quorum)
        except PolicyError as e:
            raise UsageError(str(e)) from None
    if not policy.logs:
        raise UsageError("no trusted log key: give --log-key VKEY or a policy with a log line")
    policy.origin = args.origin
    return policy


def _reader(location: str) -> TileReader:
    # The token comes from the environment, never the command line, where `ps` would show it.
    try:
        return open_tile_reader(location, token=os.environ.get("CUSTODYWATCH_TOKEN") or None)
    except TileError as e:
        raise UsageError(str(e)) from None


def _check_checkpoint(note: bytes, policy: Policy, out: Outcome, where: str) -> QuorumResult:
    """Verify signatures and quorum; record them in ``out``; raise ``Failed`` if unacceptable."""
    try:
        result = evaluate(note, policy)
    except (NoteError, CheckpointError) as e:
        raise Failed(f"checkpoint {where}: {e}") from None
    cp = result.checkpoint
    out.data.update(
        origin=cp.origin,
        size=cp.size,
        root=base64.b64encode(cp.root_hash).decode("ascii"),
        log_signatures=result.signed.log_names,
        cosigned_by=list(result.cosigned),
        quorum=result.rule,
        quorum_met=result.satisfied,
        cosignatures_checked=result.witnesses_checked,
    )
    out.lines.append(f"checkpoint {where}: origin {cp.origin}, size {cp.size}, root {out.data['root']}")
    out.lines.append(f"  signed by log key {', '.join(result.signed.log_names)}; {result.explain()}")
    if not result.satisfied:
        raise Failed(f"checkpoint {where}: witness quorum not met ({result.explain()})")
    return result


def _log_checkpoint(args: argparse.Namespace, out: Outcome) -> tuple[TileReader, QuorumResult]:
    policy = _policy(args)
    reader = _reader(args.log)
    try:
        note = reader.read_checkpoint()
    except TileError as e:
        raise Failed(f"cannot read the checkpoint: {e}") from None
    return reader, _check_checkpoint(note, policy, out, f"of {reader.location}")


# ---------------------------------------------------------------------------------------------
# Subcommands


def cmd_checkpoint(args: argparse.Namespace, out: Outcome) -> None:
    if args.log:
        _log_checkpoint(args, out)
    elif args.file:
        policy = _policy(args)
        _check_checkpoint(_read_source(args.file), policy, out, args.file)
    else:
        raise UsageError("give a checkpoint FILE or --log LOCATION")


def _entry_at(reader: TileReader, size: int, index: int) -> bytes:
    n, offset = divmod(index, TILE_WIDTH)
    width = min(TILE_WIDTH, size - n * TILE_WIDTH)
    data, _ = read_tile(reader, None, n, width)
    entries = decode_entry_bundle(data)
    if len(entries) < width:
        raise TileError(f"entry bundle {n} holds {len(entries)} entries, expected {width}")
    return entries[offset]


def _find_leaf(reader: TileReader, size: int, wanted: bytes) -> int | None:
    hashes = TileHashes(reader, size)
    for n in range(-(-size // TILE_WIDTH)):
        data = hashes.tile(0, n)
        for i in range(0, len(data), HASH_SIZE):
            if data[i : i + HASH_SIZE] == wanted:
                return n * TILE_WIDTH + i // HASH_SIZE
    return None


def _parse_hash(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) != HASH_SIZE:
        raise UsageError(f"{text!r} is not a 64-digit hex SHA-256 hash")
    return raw


def cmd_inclusion(args: argparse.Namespace, out: Outcome) -> None:
    reader, result = _log_checkpoint(args, out)
    cp = result.checkpoint
    try:
        if args.entry_file:
            wanted = leaf_hash(_read_source(args.entry_file))
        elif args.entry_hash:
            wanted = _parse_hash(args.entry_hash)
        else:
            wanted = None
        index: int | None = args.index
        if index is None:
            if wanted is None:
                raise UsageError("give --index, --entry-hash or --entry-file")
            index = _find_leaf(reader, cp.size, wanted)
            if index is None:
                raise Failed(f"no leaf with hash {wanted.hex()} among the {cp.size} entries of the checkpoint")
        if not 0 <= index < cp.size:
            raise Failed(f"index {index} is not in the checkpoint (size {cp.size})")
        entry = _entry_at(reader, cp.size, index)
        leaf = leaf_hash(entry)
        if wanted is not None and wanted != leaf:
            raise Failed(f"entry {index} in the log has leaf hash {leaf.hex()}, not the expected {wanted.hex()}")
        proof = assemble(inclusion_proof_plan(index, cp.size), TileHashes(reader, cp.size))
        verify_inclusion(leaf, index, cp.size, proof, cp.root_hash)
    except (TileError, KeyError) as e:
        raise Failed(f"cannot read entry {index} or build its inclusion proof: {e}") from None
    except ProofError as e:
        raise Failed(f"entry {index} is NOT included in the checkpoint: {e}") from None
    out.data.update(index=index, leaf_hash=leaf.hex(), entry_base64=base64.b64encode(entry).decode("ascii"))
    out.lines.append(f"entry {index} (leaf hash {leaf.hex()}) is included in the checkpoint of size {cp.size}")


def _load_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read state file {path}: {e}") from None
    if not isinstance(state, dict):
        raise UsageError(f"state file {path} is not a JSON object")
    return state


def cmd_consistency(args: argparse.Namespace, out: Outcome) -> None:
    reader, result = _log_checkpoint(args, out)
    cp = result.checkpoint
    path = Path(args.state).expanduser()
    state = _load_state(path)
    previous = state.get(cp.origin)
    if previous is None:
        out.lines.append(f"first checkpoint seen for {cp.origin}; remembering size {cp.size} in {path}")
    else:
        try:
            old_size, old_root = int(previous["size"]), base64.b64decode(previous["root"], validate=True)
        except (KeyError, TypeError, ValueError):
            raise UsageError(f"state file {path} has an unreadable entry for {cp.origin}") from None
        out.data.update(previous_size=old_size, previous_root=previous["root"])
        if cp.size < old_size:
            raise Failed(
                f"checkpoint went BACKWARDS: size {cp.size} now, but size {old_size} was seen on "
                f"{previous.get('seen_at', '?')} (a rollback or a fork)"
            )
        try:
            proof = assemble(consistency_proof_plan(old_size, cp.size), TileHashes(reader, cp.size))
            verify_consistency(old_size, cp.size, old_root, cp.root_hash, proof, allow_empty_old=True)
        except (TileError, KeyError) as e:
            raise Failed(f"cannot build the consistency proof from size {old_size}: {e}") from None
        except ProofError as e:
            raise Failed(
                f"FORK: the checkpoint of size {cp.size} is not consistent with the one of size "
                f"{old_size} seen before: {e}"
            ) from None
        out.lines.append(f"consistent with the checkpoint of size {old_size} seen on {previous.get('seen_at', '?')}")
    state[cp.origin] = {
        "size": cp.size,
        "root": base64.b64encode(cp.root_hash).decode("ascii"),
        "seen_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "checkpoint": result.signed.text,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(state, indent=1, sort_keys=True).encode("utf-8"))


def audit_log(reader: TileReader, policy: Policy, *, jobs: int | None = None) -> Outcome:
    """Check a published log's checkpoint (signatures, quorum) and recompute all its tiles.

    Never raises for bad log data: every discrepancy is a problem in the returned ``Outcome``.
    """
    out = Outcome("audit")
    try:
        note = reader.read_checkpoint()
    except TileError as e:
        out.fail(f"cannot read the checkpoint: {e}", "checkpoint")
        return out
    try:
        cp = _check_checkpoint(note, policy, out, f"of {reader.location}").checkpoint
    except Failed as e:
        out.fail(str(e), "checkpoint")
        return out
    report = audit_tiles(reader, cp.size, cp.root_hash, jobs=jobs)
    rate = report.leaves_checked / report.seconds if report.seconds else 0.0
    out.data.update(
        leaves_checked=report.leaves_checked,
        tiles_checked=report.tiles_checked,
        seconds=round(report.seconds, 3),
        leaves_per_second=round(rate),
        computed_root=report.computed_root.hex() if report.computed_root else None,
    )
    for p in report.problems:
        out.fail(p.message, p.path, p.index)
    summary = f"audited {report.leaves_checked} of {cp.size} entries and {report.tiles_checked} tiles in "
    summary += f"{report.seconds:.2f} s ({rate:,.0f} entries/s)"
    out.lines.append(summary)
    if report.ok:
        out.lines.append("every entry, tile and the root match the signed checkpoint")
    return out


def cmd_audit(args: argparse.Namespace, out: Outcome) -> None:
    policy = _policy(args)
    result = audit_log(_reader(args.log), policy, jobs=args.jobs)
    out.ok, out.lines, out.data, out.problems = result.ok, result.lines, result.data, result.problems


def cmd_proof(args: argparse.Namespace, out: Outcome) -> None:
    policy = _policy(args)
    entry = _read_source(args.entry_file) if args.entry_file else None
    leaf = _parse_hash(args.entry_hash) if args.entry_hash else None
    try:
        verified = verify_proof_bundle(_read_source(args.bundle), [], policy, entry=entry, entry_leaf_hash=leaf)
    except ProofBundleError as e:
        raise Failed(f"proof bundle {args.bundle}: {e}") from None
    cp = verified.quorum.checkpoint
    out.data.update(
        origin=cp.origin,
        size=cp.size,
        index=verified.bundle.index,
        leaf_hash=verified.leaf_hash.hex(),
        leaf_source=verified.leaf_source,
        cosigned_by=list(verified.quorum.cosigned),
        quorum=verified.quorum.rule,
        cosignatures_checked=verified.quorum.witnesses_checked,
    )
    out.lines.append(
        f"entry {verified.bundle.index} ({verified.leaf_source}, leaf hash {verified.leaf_hash.hex()}) is in "
        f"checkpoint {cp.origin} of size {cp.size}; {verified.quorum.explain()}"
    )
    if args.opening:
        _check_opening(args.opening, verified, entry if entry is not None else verified.bundle.extra, out)


def _check_opening(source: str, verified: Any, entry: bytes | None, out: Outcome) -> None:
    """Check that an opening (record + salt) opens the commitment of the entry the bundle proved."""
    from custodywatch_log.entries import EntryShapeError, Opening, OpeningError, verify_opening

    try:
        opening = Opening.parse(_read_source(source))
        if entry is None:
            raise OpeningError("the bundle carries no entry (extra line) to open; give it with --entry-file")
        if opening.index is not None and opening.index != verified.bundle.index:
            raise OpeningError(
                f"the opening is for entry {opening.index}, the bundle proves entry {verified.bundle.index}")
        record = verify_opening(entry, opening)
    except (OpeningError, EntryShapeError) as e:
        raise Failed(f"opening {source}: {e}") from None
    out.data["record"] = record
    out.data["kind"] = opening.kind
    out.lines.append(f"the opening {source} opens its commitment: a {opening.kind} record "
                     + json.dumps(record, sort_keys=True, ensure_ascii=False))


# ---------------------------------------------------------------------------------------------
# Command line


def _parser() -> argparse.ArgumentParser:
    trust = argparse.ArgumentParser(add_help=False)
    trust.add_argument("--log-key", action="append", metavar="VKEY", help="trusted log verifier key (repeatable)")
    trust.add_argument("--witness-key", action="append", metavar="VKEY", help="witness cosignature vkey (repeatable)")
    trust.add_argument("--quorum", type=int, metavar="K", help="witness cosignatures required (default: all given)")
    trust.add_argument("--policy", metavar="FILE", help="tlog-policy file with log, witness, group and quorum lines")
    trust.add_argument(
        "--origin",
        metavar="ORIGIN",
        help="the log's origin line, if it differs from the log key's name (default: the key name)",
    )
    trust.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser = argparse.ArgumentParser(
        prog="custodywatch-verify",
        description="Verify the CustodyWatch ledger independently: checkpoints, witness quorum, "
        "inclusion, consistency, full audit, offline proofs.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("checkpoint", parents=[trust], help="check a checkpoint's signatures and quorum")
    p.add_argument("file", nargs="?", help="signed checkpoint file, URL or - for stdin")
    p.add_argument("--log", metavar="LOCATION", help="tile directory or URL prefix serving /checkpoint")
    p.set_defaults(func=cmd_checkpoint)
    p = sub.add_parser("inclusion", parents=[trust], help="prove one entry is in the log's checkpoint")
    p.add_argument("--log", metavar="LOCATION", required=True)
    p.add_argument("--index", type=int)
    p.add_argument("--entry-hash", metavar="HEX", help="RFC 9162 leaf hash SHA-256(0x00 || entry), hex")
    p.add_argument("--entry-file", metavar="FILE", help="file holding the entry bytes")
    p.set_defaults(func=cmd_inclusion)
    p = sub.add_parser("consistency", parents=[trust], help="check the log only grew since last time")
    p.add_argument("--log", metavar="LOCATION", required=True)
    p.add_argument("--state", default=DEFAULT_STATE, help=f"where the last checkpoint seen is kept ({DEFAULT_STATE})")
    p.set_defaults(func=cmd_consistency)
    p = sub.add_parser("audit", parents=[trust], help="recompute every entry hash, tile and the root")
    p.add_argument("--log", metavar="LOCATION", required=True)
    p.add_argument("--jobs", type=int, help="worker processes (default: automatic)")
    p.set_defaults(func=cmd_audit)
    p = sub.add_parser("proof", parents=[trust], help="verify an offline tlog-proof bundle")
    p.add_argument("bundle", help="the .tlog-proof file (or - for stdin)")
    p.add_argument("--entry-file", metavar="FILE", help="the entry, if not taken from the bundle's extra line")
    p.add_argument("--entry-hash", metavar="HEX", help="the entry's RFC 9162 leaf hash, hex")
    p.add_argument("--opening", metavar="FILE", help="the entry's .opening.json: check it opens the commitment")
    p.set_defaults(func=cmd_proof)
    return parser


def _emit(out: Outcome, as_json: bool, stream: Any) -> None:
    if as_json:
        payload = {"command": out.command, "ok": out.ok, **out.data, "problems": out.problems}
        stream.write(json.dumps(payload, indent=2) + "\n")
        return
    for line in out.lines:
        stream.write(line + "\n")
    for p in out.problems:
        stream.write(f"PROBLEM: {p['message']}\n")
    if not out.ok:
        stream.write(f"FAILED: {len(out.problems)} problem(s)\n")
    elif out.data.get("cosignatures_checked") is False:
        stream.write("VERIFIED against the log key only; witness cosignatures were NOT checked\n")
    else:
        stream.write("VERIFIED\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the verifier; returns the exit status (0 verified, 1 failed, 2 usage, 3 internal error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    out = Outcome(args.command)
    try:
        args.func(args, out)
        status = 0 if out.ok else 1
    except Failed as e:
        out.fail(str(e))
        status = 1
    except UsageError as e:
        if args.json:
            out.fail(str(e))
            _emit(out, True, sys.stdout)
        else:
            print(f"custodywatch-verify: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug of ours must still not dump a traceback on an auditor
        print(f"custodywatch-verify: internal error ({type(e).__name__}: {e})", file=sys.stderr)
        return 3
    _emit(out, args.json, sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
