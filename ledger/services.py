"""Writes to the ledger: appending entries, signing checkpoints, rotating keys, collecting cosignatures.

Apps do not append: they record through ``ledger.interface.record`` (an outbox row in their own
transaction), and the sequencer (``ledger.sequencer``) calls ``append_entries`` for a batch of
pending records. ``append_entries`` is also what the ledger's own writes use (the key rotation
entry).

Indices are gapless and assigned under a log-wide lock (a transaction-level advisory lock on
PostgreSQL; SQLite's IMMEDIATE transactions already admit one writer at a time) that is held until
the transaction ends.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

from custodywatch_log import merkle
from custodywatch_log.checkpoint import Checkpoint as CheckpointBody
from custodywatch_log.note import CosignatureVerifier, NoteError, Signer, parse_note, verify_note
from custodywatch_log.witness_protocol import Conflict, WitnessClient, WitnessError, WitnessRejected, WitnessUnavailable
from ledger import conf, keys, selectors
from ledger.conf import WitnessConfig
from ledger.encoding import MAX_ENTRY_BYTES, EntryError, NewEntry, encode_entry
from ledger.errors import LedgerForkError, LedgerIntegrityError, SigningKeyError
from ledger.models import Checkpoint, Cosignature, Entry, EntryKind, SigningKey, SubtreeHash
from lib import faultpoints

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key for "the log head": the ASCII bytes of "cwledger" as a signed int64.
LOG_LOCK_KEY = int.from_bytes(b"cwledger", "big", signed=True)


def lock_log() -> None:
    """Take the log-wide write lock until the current transaction ends (must be inside one)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOG_LOCK_KEY])
    # SQLite: the transaction began with BEGIN IMMEDIATE (settings' transaction_mode), which
    # already holds the database's single write lock.


def append_entries(*, entries: Sequence[NewEntry]) -> list[int]:
    """Append ``entries`` in order, in one transaction (or the caller's), and return their indices.

    Stores each entry with its leaf hash and every subtree hash the new leaves complete, reading
    only the O(log n) right-edge hashes of the current tree.
    """
    if not entries:
        return []
    for e in entries:
        # Entries come from encoding.encode_entry; a hand-made one must still be self-consistent,
        # or the next checkpoint would refuse to sign over it.
        if len(e.data) > MAX_ENTRY_BYTES or merkle.leaf_hash(e.data) != e.leaf_hash:
            raise EntryError("data", "the entry's leaf hash does not match its data, or it is too long")
    with transaction.atomic():
        lock_log()
        size = selectors.log_size()
        edge = merkle.root_subtrees(size)
        frontier = selectors.subtree_hashes(edge)
        if len(frontier) != len(edge):
            raise LedgerIntegrityError(f"the right edge of the tree at size {size} is incomplete")
        completed = merkle.new_subtree_hashes(size, frontier, [e.leaf_hash for e in entries])
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        _insert(_ENTRY_TABLE, [(size + i, e.kind, e.data, e.leaf_hash, now) for i, e in enumerate(entries)])
        _insert(_SUBTREE_TABLE, [(level, index, h) for (level, index), h in completed.items() if level])
    return list(range(size, size + len(entries)))


# Rows go in with executemany (SQLite) or COPY (PostgreSQL) rather than bulk_create: at 4,096 rows
# per batch the ORM spent about 90% of the time compiling per-value SQL (measured ~12,000 entries/s
# with bulk_create against ~150,000 with executemany on SQLite; bench/bench_ledger_storage.py).
_ENTRY_TABLE = f'"{Entry._meta.db_table}" ("index", "kind", "data", "leaf_hash", "created_at")'
_SUBTREE_TABLE = f'"{SubtreeHash._meta.db_table}" ("level", "index", "hash")'


def _insert(table: str, rows: list[tuple]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(rows[0]))
            cursor.executemany(f"INSERT INTO {table} VALUES ({placeholders})", rows)  # noqa: S608 - fixed names


# ---------------------------------------------------------------------------------------------
# Checkpoints


def _check_extends(*, size: int, new_root: bytes, old_size: int, old_root: bytes, what: str) -> None:
    """Raise ``LedgerForkError`` unless the stored tree at ``size`` extends ``old_root`` at ``old_size``."""
    if old_size > size:
        raise LedgerForkError(
            f"{what} covers {old_size} entries but the log now holds only {size}: the database looks "
            "restored from an older backup; refusing to sign a checkpoint that would fork the log"
        )
    proof = selectors.consistency_proof(old=old_size, new=size)
    try:
        merkle.verify_consistency(old_size, size, old_root, new_root, proof, allow_empty_old=True)
    except merkle.ProofError as e:
        raise LedgerForkError(
            f"the stored tree of size {size} is not consistent with {what} (size {old_size}): {e}; "
            "refusing to sign"
        ) from None


def _sign_locked(*, signer: Signer, key: SigningKey, now: datetime) -> Checkpoint:
    size = selectors.log_size()
    # What was signed before, as the database and as the signer itself remember it: the new
    # checkpoint must extend both (a restored database may have forgotten the latest one).
    signed: list[tuple[int, bytes, str]] = []
    last_stored = Checkpoint.objects.filter(signing_key__name=key.name).order_by("-size", "-pk").first()
    if last_stored is not None:
        signed.append((last_stored.size, bytes(last_stored.root), "the last checkpoint in the database"))
    remembered = keys.last_signed()
    if remembered is not None and remembered[0].origin == key.name:
        body = remembered[0]
        signed.append((body.size, body.root_hash, "the last checkpoint this signer signed"))
    # Entries appended since then must hash to what is stored; that also gives the new root.
    start = min(size, max((old_size for old_size, _root, _what in signed), default=0))
    new_root = selectors.audit_storage(start=start, end=size).root
    for old_size, old_root, what in signed:
        _check_extends(size=size, new_root=new_root, old_size=old_size, old_root=old_root, what=what)
    existing = Checkpoint.objects.filter(size=size, signing_key=key).first()
    if existing is not None:
        _remember_on_commit(existing.note, key.vkey)
        return existing
    note = CheckpointBody(origin=key.name, size=size, root_hash=new_root).sign(signer)
    checkpoint = Checkpoint.objects.create(size=size, root=new_root, note=note, signing_key=key, created_at=now)
    faultpoints.reached("sign:stored")
    _remember_on_commit(note, key.vkey)
    return checkpoint


def _remember_on_commit(note: str, vkey: str) -> None:
    """Remember ``note`` in the key directory once (and only if) the database committed it.

    Remembering before the commit would leave a checkpoint the database never stored, which every
    later signing would take for a fork and refuse. A crash between commit and this callback is
    caught up at the next signing, which remembers the checkpoint it finds stored.
    """

    def remember() -> None:
        faultpoints.reached("sign:committed")
        keys.remember_signed(note, vkey)
        faultpoints.reached("sign:remembered")

    transaction.on_commit(remember)


def _catch_up(key: SigningKey) -> None:
    """Reconcile the key directory with the database after an interrupted signing or rotation."""
    keys.reconcile()
    latest = Checkpoint.objects.filter(signing_key__name=key.name).select_related("signing_key").first()
    remembered = keys.last_signed()
    if latest is not None and (remembered is None or remembered[0].size < latest.size):
        _remember_on_commit(latest.note, latest.signing_key.vkey)


def sign_checkpoint(*, now: datetime | None = None) -> Checkpoint:
    """Sign and store a checkpoint of the whole log with the current key.

    Refuses with ``LedgerForkError`` if the stored tree does not extend the last checkpoint signed
    (in the database or remembered in the key directory), and with ``LedgerIntegrityError`` if
    stored hashes do not match the entries appended since. Signing the same size twice with the
    same key returns the stored checkpoint. Safe to interrupt at any step (see ``keys``).
    """
    now = now or timezone.now()
    with transaction.atomic():
        lock_log()
        signer, key = keys.current_signer(now=now)
        _catch_up(key)
        checkpoint = _sign_locked(signer=signer, key=key, now=now)
        faultpoints.reached("sign:before-commit")
    return checkpoint


def rotate_signing_key(*, now: datetime | None = None) -> SigningKey:
    """Replace the log's signing key with a new one and log the change.

    Appends a ``key:rotation`` entry naming the new verifier key, has the outgoing key sign a
    checkpoint that includes it (so the change is vouched for by the key clients already trust),
    then retires the outgoing key. Keys given through ``LEDGER_SIGNING_KEY`` cannot be rotated
    here: the new key would have to be placed in the environment by the operator.

    Crash-safe in every order of failure: the new key's file is on disk before the transaction
    that makes it active commits; the vouching checkpoint is remembered only after that commit;
    the old key's file is renamed last, and the next signing renames it if a crash came first.
    Before the commit nothing changed (an unused key file stays behind); after it, the rotation
    happened and the next signing completes what is left.
    """
    now = now or timezone.now()
    if keys.environment_signer() is not None:
        raise SigningKeyError(
            f"the signing key comes from {keys.KEY_ENV}; unset it to let the ledger keep keys in LEDGER_KEY_DIR"
        )
    with transaction.atomic():
        lock_log()
        old_signer, old_key = keys.current_signer(now=now)
        _catch_up(old_key)
        new_signer = Signer.generate(keys.origin())
        append_entries(
            entries=[
                encode_entry(
                    kind=EntryKind.KEY_ROTATION,
                    payload={
                        "old_key_id": old_key.key_id,
                        "new_key_id": new_signer.key_id.hex(),
                        "new_vkey": new_signer.vkey,
                        "rotated_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    },
                )
            ]
        )
        _sign_locked(signer=old_signer, key=old_key, now=now)
        keys.write_key_file(new_signer)
        faultpoints.reached("rotate:key-written")
        SigningKey.objects.filter(pk=old_key.pk).update(retired_at=now)
        new_key = SigningKey.objects.create(
            name=new_signer.name, key_id=new_signer.key_id.hex(), vkey=new_signer.vkey, created_at=now
        )
        faultpoints.reached("rotate:before-commit")

        def retire_old_key_file() -> None:
            faultpoints.reached("rotate:remembered")
            keys.retire_key_file(old_key.key_id)
            faultpoints.reached("rotate:old-key-retired")

        transaction.on_commit(retire_old_key_file)
    return new_key


# ---------------------------------------------------------------------------------------------
# Witnesses


@dataclass(frozen=True)
class WitnessOutcome:
    """What one witness did with a checkpoint: cosigned (``cosignature`` set) or not (``error``)."""

    witness: str
    cosignature: Cosignature | None = None
    error: str = ""


def _witness_last_size(name: str, key_name: str) -> int:
    """The largest checkpoint size this witness is known (from stored cosignatures) to have cosigned."""
    size = (
        Cosignature.objects.filter(witness=name, checkpoint__signing_key__name=key_name)
        .order_by("-checkpoint__size")
        .values_list("checkpoint__size", flat=True)
        .first()
    )
    return size or 0


def _submit(
    client: WitnessClient, witness: WitnessConfig, checkpoint: Checkpoint, old_size: int
) -> list[str]:
    """POST add-checkpoint, retrying once per 409 with the size the witness reports."""
    for _attempt in range(3):
        proof = selectors.consistency_proof(old=old_size, new=checkpoint.size) if old_size else []
        try:
            return client.add_checkpoint(witness.url, old_size, proof, checkpoint.note)
        except Conflict as conflict:
            if conflict.latest_size > checkpoint.size:
                raise WitnessRejected(
                    409, f"the witness has already cosigned a larger tree ({conflict.latest_size} entries)"
                ) from None
            if conflict.latest_size == old_size:
                raise
            old_size = conflict.latest_size
    raise WitnessUnavailable("the witness kept answering 409 Conflict")


def collect_cosignatures(
    *,
    checkpoint: Checkpoint,
    witnesses: Sequence[WitnessConfig] | None = None,
    client: WitnessClient | None = None,
    now: datetime | None = None,
) -> list[WitnessOutcome]:
    """Ask each witness (default: ``LEDGER_WITNESSES``) to cosign ``checkpoint`` and store what they return.

    Each request carries the consistency proof from the size the witness last cosigned (from our
    records; on 409 Conflict, from the size the witness reports). A witness that already
    cosigned this checkpoint is not asked again. Failures are reported per witness, not raised.
    """
    now = now or timezone.now()
    configured = conf.witnesses() if witnesses is None else list(witnesses)
    key_name = checkpoint.signing_key.name
    done = set(checkpoint.cosignatures.values_list("witness", flat=True))
    outcomes: list[WitnessOutcome] = []
    for witness in configured:
        if witness.name in done:
            stored = checkpoint.cosignatures.get(witness=witness.name)
            outcomes.append(WitnessOutcome(witness.name, cosignature=stored))
            continue
        asker = client or WitnessClient(verifiers=[witness.verifier])
        try:
            lines = _submit(asker, witness, checkpoint, _witness_last_size(witness.name, key_name))
            line, timestamp = _verified_cosignature(checkpoint.note, lines, witness.verifier)
        except (WitnessError, NoteError) as e:
            logger.warning("witness %s did not cosign checkpoint %d: %s", witness.name, checkpoint.size, e)
            outcomes.append(WitnessOutcome(witness.name, error=str(e)))
            continue
        cosignature, _created = Cosignature.objects.get_or_create(
            checkpoint=checkpoint, witness=witness.name,
            defaults={"line": line, "timestamp": timestamp, "created_at": now},
        )
        outcomes.append(WitnessOutcome(witness.name, cosignature=cosignature))
    return outcomes


def _verified_cosignature(note: str, lines: Sequence[str], verifier: CosignatureVerifier) -> tuple[str, int]:
    """The first of ``lines`` that is a valid cosignature by ``verifier`` on ``note``, with its timestamp."""
    text = parse_note(note).text
    for line in lines:
        try:
            verified = verify_note(text + "\n" + line, [verifier])
        except NoteError:
            continue
        _verifier, signature = verified.verified[0]
        timestamp = CosignatureVerifier.timestamp(signature.signature)
        if timestamp:
            return line, timestamp
    raise WitnessUnavailable(f"no valid cosignature by {verifier.name} in the witness's answer")
