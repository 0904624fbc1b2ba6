"""The log's signing keys and the signer's own memory of what it last signed.

Private keys never enter the database. The current key comes from ``LEDGER_SIGNING_KEY`` (or the
file named by ``LEDGER_SIGNING_KEY_FILE``), in the signed-note secret key form
``PRIVATE+KEY+<name>+<key id>+<base64>``; otherwise from ``LEDGER_KEY_DIR/ledger-<key id>.key``
(mode 0600), generated on first use. ``SigningKey`` rows hold only the public vkey and dates.

``LEDGER_KEY_DIR/last-signed-checkpoint`` holds the latest checkpoint note the log signed that the
database committed (it only ever advances). The key directory is kept apart from database
backups, so a database restored from an old backup cannot make the log sign a checkpoint that
forks from one it already published: ``services.sign_checkpoint`` checks consistency against this
file too. For that the directory must not lie inside the SQLite database's directory (restoring
that directory would restore both): the app refuses to start then, and ``key_dir`` refuses it.

Crash safety: a key file is written (and its directory fsynced) before the database records the
key; the checkpoint is remembered only after its transaction committed; files of keys the
database has retired are renamed by ``reconcile`` at the next signing. So a failure at any step
leaves either the old state or one that the next signing completes.
"""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

from custodywatch_log.checkpoint import Checkpoint as CheckpointBody
from custodywatch_log.checkpoint import CheckpointError
from custodywatch_log.durable import atomic_write, fsync_directory
from custodywatch_log.note import NoteError, Signer, Verifier, parse_note, verify_note
from ledger.errors import SigningKeyError
from ledger.models import SigningKey
from lib.db.sqlite import database_directory
from lib.env import env_str

KEY_ENV = "LEDGER_SIGNING_KEY"
STATE_FILE = "last-signed-checkpoint"


def origin() -> str:
    """The log's origin line, which is also its signing key's name."""
    return settings.LEDGER_ORIGIN


def sqlite_database_directory(alias: str = "default") -> Path | None:
    """The directory holding the SQLite database file, or None (PostgreSQL, in-memory)."""
    return database_directory(connections[alias])


def key_dir_problem() -> str | None:
    """Why ``LEDGER_KEY_DIR`` cannot be used, or None: it must not lie in the database's directory."""
    database_dir = sqlite_database_directory()
    if database_dir is None:
        return None
    path = Path(settings.LEDGER_KEY_DIR).resolve()
    if path == database_dir or path.is_relative_to(database_dir):
        return (
            f"LEDGER_KEY_DIR ({path}) lies inside the directory of the SQLite database ({database_dir}): "
            "a restored backup of that directory would bring back an old key state with the old "
            "database and defeat the check against forks; set LEDGER_KEY_DIR to a directory elsewhere"
        )
    return None


def key_dir() -> Path:
    """The key directory, created (mode 0700) if missing; refused inside the database's directory."""
    problem = key_dir_problem()
    if problem:
        raise SigningKeyError(problem)
    path = Path(settings.LEDGER_KEY_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _key_file(key_id: str, *, retired: bool = False) -> Path:
    return key_dir() / f"ledger-{key_id}.key{'.retired' if retired else ''}"


def environment_signer() -> Signer | None:
    """The signer configured through the environment, or None."""
    raw = env_str(KEY_ENV, default="").strip()
    if not raw:
        return None
    try:
        return Signer.from_skey(raw)
    except NoteError as e:
        raise SigningKeyError(f"{KEY_ENV} is not an Ed25519 signed-note secret key: {e}") from None


def write_key_file(signer: Signer) -> Path:
    """Durably store ``signer``'s secret key in a new file readable by the owner only.

    The file and its directory entry are on disk when this returns, so a database that commits
    the key afterwards never names a key whose file a power cut lost.
    """
    path = _key_file(signer.key_id.hex())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(signer.skey + "\n")
        f.flush()
        os.fsync(f.fileno())
    fsync_directory(path.parent)
    return path


def read_key_file(key_id: str) -> Signer:
    """Load the secret key with ``key_id`` from the key directory."""
    path = _key_file(key_id)
    try:
        mode = path.stat().st_mode
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        raise SigningKeyError(
            f"the active signing key {key_id} has no key file {path}; restore it or rotate the key"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningKeyError(f"{path} is readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it")
    try:
        return Signer.from_skey(text)
    except NoteError as e:
        raise SigningKeyError(f"{path} does not hold an Ed25519 signed-note secret key: {e}") from None


def retire_key_file(key_id: str) -> None:
    """Rename a rotated-out key's file so it can no longer be loaded as an active key."""
    path = _key_file(key_id)
    if path.exists():
        path.replace(_key_file(key_id, retired=True))
        fsync_directory(path.parent)


def reconcile() -> None:
    """Finish what an interrupted rotation left undone: retire the files of keys the database retired.

    (A key file written by a rotation whose transaction never committed names no key on record
    and is never loaded; it is left for the operator to inspect.)
    """
    retired = SigningKey.objects.filter(name=origin(), retired_at__isnull=False).values_list("key_id", flat=True)
    for key_id in retired:
        retire_key_file(key_id)


def _record(signer: Signer, now: datetime) -> SigningKey:
    return SigningKey.objects.create(
        name=signer.name, key_id=signer.key_id.hex(), vkey=signer.vkey, created_at=now
    )


def current_signer(*, now: datetime) -> tuple[Signer, SigningKey]:
    """The signer for new checkpoints and its ``SigningKey`` row; a first key is made on first use.

    Call inside the transaction that holds the log lock (``services.lock_log``). Raises
    ``SigningKeyError`` if the configured key does not belong to this log or is not the active key
    on record (a key change must go through ``services.rotate_signing_key``).
    """
    name = origin()
    active = SigningKey.objects.filter(name=name, retired_at__isnull=True).first()
    configured = environment_signer()
    if configured is not None:
        if configured.name != name:
            raise SigningKeyError(f"{KEY_ENV} is a key for {configured.name!r}, not for the log {name!r}")
        if active is None:
            return configured, _record(configured, now)
        if active.vkey != configured.vkey:
            raise SigningKeyError(
                f"{KEY_ENV} is not the active signing key on record ({active.vkey}); "
                "rotate keys with rotate_signing_key so the change is logged"
            )
        return configured, active
    if active is None:
        signer = Signer.generate(name)
        write_key_file(signer)
        return signer, _record(signer, now)
    signer = read_key_file(active.key_id)
    if signer.vkey != active.vkey:
        raise SigningKeyError(f"the key file for {active.key_id} does not hold the key {active.vkey}")
    return signer, active


def last_signed() -> tuple[CheckpointBody, str] | None:
    """The latest committed checkpoint (and its note) this log signed, from the key directory, or None."""
    path = key_dir() / STATE_FILE
    try:
        note = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    try:
        return CheckpointBody.parse(parse_note(note).text), note
    except (NoteError, CheckpointError) as e:
        raise SigningKeyError(f"{path} is not a signed checkpoint: {e}") from None


@contextmanager
def _state_lock() -> Iterator[None]:
    with open(key_dir() / ".state.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def remember_signed(note: str, vkey: str) -> None:
    """Durably record ``note`` (signed by ``vkey``) as the latest checkpoint signed, once it committed.

    Never goes back: a note smaller than the one remembered (a slower process finishing late) is
    ignored, so the state only ever advances. The note must carry a valid signature by ``vkey``.
    """
    try:
        body = CheckpointBody.parse(verify_note(note, [Verifier.from_vkey(vkey)]).text)
    except (NoteError, CheckpointError) as e:
        raise SigningKeyError(f"refusing to remember a checkpoint that does not verify: {e}") from None
    with _state_lock():
        remembered = last_signed()
        if remembered is not None and remembered[0].origin == body.origin and remembered[0].size > body.size:
            return
        atomic_write(key_dir() / STATE_FILE, note.encode("utf-8"))
