"""Signing checkpoints, refusing forks, key rotation and witness cosignatures (real witness servers)."""

from __future__ import annotations

import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from custodywatch_log import merkle
from custodywatch_log.checkpoint import open_checkpoint
from custodywatch_log.note import CosignatureSigner, CosignatureVerifier, Signer, Verifier
from custodywatch_log.policy import Policy, evaluate
from custodywatch_log.witness import StateStore, WitnessService, start_server
from ledger import keys, selectors, services
from ledger.encoding import decode_entry
from ledger.errors import LedgerForkError, LedgerIntegrityError, SigningKeyError
from ledger.models import Checkpoint, Cosignature, Entry, EntryKind, PublicationStatus, SigningKey, SubtreeHash
from ledger.publication import cosigned_note, publication_status
from ledger.services import append_entries, collect_cosignatures, rotate_signing_key, sign_checkpoint
from ledger.testing import lift_append_only_triggers
from ledger.tests.conftest import segments

pytestmark = [pytest.mark.usefixtures("ledger_settings"), pytest.mark.django_db]

ORIGIN = "custodywatch.test/ledger"


def _verify(checkpoint: Checkpoint) -> None:
    opened = open_checkpoint(checkpoint.note, [Verifier.from_vkey(checkpoint.signing_key.vkey)])
    assert opened.checkpoint.origin == ORIGIN
    assert opened.checkpoint.size == checkpoint.size
    assert opened.checkpoint.root_hash == bytes(checkpoint.root) == selectors.root(size=checkpoint.size)


def _restore_older_backup(*, keep: int) -> None:
    """Make the database look restored from a backup taken when it held ``keep`` entries."""
    with lift_append_only_triggers(connection):
        Cosignature.objects.all().delete()
        Checkpoint.objects.all().delete()
        Entry.objects.filter(index__gte=keep).delete()
        SubtreeHash.objects.all().delete()
    # Rebuild the subtree table for what is left, as the backup would have held it.
    kept = [bytes(h) for h in Entry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    rows = [
        SubtreeHash(level=level, index=index, hash=h)
        for (level, index), h in merkle.MerkleTree(kept).subtrees.items()
        if level
    ]
    SubtreeHash.objects.bulk_create(rows)


# --- Signing ---------------------------------------------------------------------------------------


def test_the_first_checkpoint_creates_a_private_key_file_and_signs_the_log(django_capture_on_commit_callbacks):
    append_entries(entries=segments(0, 10))
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = sign_checkpoint()
    assert checkpoint.size == 10
    _verify(checkpoint)
    key = SigningKey.objects.get()
    assert key.name == ORIGIN
    assert key.retired_at is None
    key_file = keys.key_dir() / f"ledger-{key.key_id}.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.key_dir().stat().st_mode) == 0o700
    assert Signer.from_skey(key_file.read_text().strip()).vkey == key.vkey
    assert "PRIVATE" not in key.vkey
    # The signer remembers what it signed, outside the database, once the database committed it.
    remembered, note = keys.last_signed()
    assert (remembered.size, note) == (10, checkpoint.note)


def test_the_empty_log_has_a_checkpoint_with_the_empty_root():
    checkpoint = sign_checkpoint()
    assert (checkpoint.size, bytes(checkpoint.root)) == (0, merkle.EMPTY_ROOT)
    _verify(checkpoint)


def test_signing_again_without_new_entries_returns_the_same_checkpoint():
    append_entries(entries=segments(0, 3))
    first = sign_checkpoint()
    assert sign_checkpoint() == first
    append_entries(entries=segments(3, 4))
    second = sign_checkpoint()
    assert second.size == 7
    _verify(second)
    assert Checkpoint.objects.count() == 2


def test_a_database_restored_from_an_older_backup_is_refused_not_forked(django_capture_on_commit_callbacks):
    append_entries(entries=segments(0, 10))
    with django_capture_on_commit_callbacks(execute=True):
        sign_checkpoint()
    _restore_older_backup(keep=6)
    with pytest.raises(LedgerForkError, match="older backup"):
        sign_checkpoint()
    # Appending more after the restore gives a different tree of the signed size and beyond.
    append_entries(entries=segments(100, 8))
    with pytest.raises(LedgerForkError, match="not consistent"):
        sign_checkpoint()
    assert not Checkpoint.objects.exists()


def test_a_different_tree_of_the_same_size_is_refused(django_capture_on_commit_callbacks):
    append_entries(entries=segments(0, 10))
    with django_capture_on_commit_callbacks(execute=True):
        sign_checkpoint()
    _restore_older_backup(keep=0)
    append_entries(entries=segments(50, 10))
    with pytest.raises(LedgerForkError):
        sign_checkpoint()


def test_altered_stored_hashes_under_a_signed_root_are_refused():
    append_entries(entries=segments(0, 16))
    sign_checkpoint()
    append_entries(entries=segments(16, 4))
    with lift_append_only_triggers(connection):
        SubtreeHash.objects.filter(level=4, index=0).update(hash=b"\7" * 32)
    with pytest.raises(LedgerForkError, match="not consistent"):
        sign_checkpoint()


def test_entries_whose_data_no_longer_matches_their_hash_are_not_signed():
    append_entries(entries=segments(0, 4))
    sign_checkpoint()
    append_entries(entries=segments(4, 4))
    with lift_append_only_triggers(connection):
        Entry.objects.filter(index=5).update(data=b'{"kind":"segment"}')
    with pytest.raises(LedgerIntegrityError, match="entry 5"):
        sign_checkpoint()


# --- Keys ------------------------------------------------------------------------------------------


def test_a_key_given_in_the_environment_is_used_and_never_written_to_disk(monkeypatch):
    signer = Signer.generate(ORIGIN)
    monkeypatch.setenv("LEDGER_SIGNING_KEY", signer.skey)
    append_entries(entries=segments(0, 2))
    checkpoint = sign_checkpoint()
    assert checkpoint.signing_key.vkey == signer.vkey
    _verify(checkpoint)
    assert not list(keys.key_dir().glob("*.key"))


def test_a_key_file_named_in_the_environment_is_used(monkeypatch, tmp_path):
    signer = Signer.generate(ORIGIN)
    secret = tmp_path / "ledger.key"
    secret.write_text(signer.skey)
    monkeypatch.setenv("LEDGER_SIGNING_KEY_FILE", str(secret))
    assert sign_checkpoint().signing_key.vkey == signer.vkey


def test_a_key_for_another_log_or_not_on_record_is_refused(monkeypatch):
    monkeypatch.setenv("LEDGER_SIGNING_KEY", Signer.generate("other.example/log").skey)
    with pytest.raises(SigningKeyError, match="not for the log"):
        sign_checkpoint()
    monkeypatch.setenv("LEDGER_SIGNING_KEY", Signer.generate(ORIGIN).skey)
    sign_checkpoint()
    monkeypatch.setenv("LEDGER_SIGNING_KEY", Signer.generate(ORIGIN).skey)
    with pytest.raises(SigningKeyError, match="rotate"):
        sign_checkpoint()


def test_a_key_file_readable_by_others_is_refused():
    sign_checkpoint()
    key = SigningKey.objects.get()
    (keys.key_dir() / f"ledger-{key.key_id}.key").chmod(0o644)
    with pytest.raises(SigningKeyError, match="chmod 600"):
        sign_checkpoint()


def test_rotating_the_key_logs_it_and_the_old_key_vouches_for_the_new_one(django_capture_on_commit_callbacks):
    append_entries(entries=segments(0, 5))
    first = sign_checkpoint()
    old = first.signing_key
    with django_capture_on_commit_callbacks(execute=True):
        new = rotate_signing_key()
    old.refresh_from_db()
    assert old.retired_at is not None
    assert new.retired_at is None
    assert new.vkey != old.vkey
    rotation = Entry.objects.get(index=5)
    assert rotation.kind == EntryKind.KEY_ROTATION
    fields = decode_entry(bytes(rotation.data))
    assert (fields["old_key_id"], fields["new_key_id"], fields["new_vkey"]) == (old.key_id, new.key_id, new.vkey)
    vouching = Checkpoint.objects.get(size=6, signing_key=old)
    _verify(vouching)
    assert not (keys.key_dir() / f"ledger-{old.key_id}.key").exists()
    assert (keys.key_dir() / f"ledger-{old.key_id}.key.retired").exists()
    append_entries(entries=segments(5, 2))
    after = sign_checkpoint()
    assert after.signing_key == new
    _verify(after)


# --- Witnesses -------------------------------------------------------------------------------------


@pytest.fixture
def witnesses(settings, tmp_path):
    """Two real tlog-witness servers on 127.0.0.1 trusting the log's key, configured in settings."""
    _signer, key = keys.current_signer(now=timezone.now())
    servers = []
    configured = []
    for name in ("w1", "w2"):
        cosigner = CosignatureSigner.generate(f"witness.test/{name}")
        service = WitnessService(cosigner, [Verifier.from_vkey(key.vkey)], StateStore(tmp_path / name))
        server, url = start_server(service)
        servers.append(server)
        configured.append({"name": name, "url": url, "vkey": cosigner.vkey})
    settings.LEDGER_WITNESSES = configured
    yield configured
    for server in servers:
        server.shutdown()
        server.server_close()


def test_two_witnesses_cosign_and_the_checkpoint_is_published(witnesses):
    append_entries(entries=segments(0, 5))
    checkpoint = sign_checkpoint()
    assert publication_status(checkpoint) == PublicationStatus.AWAITING_WITNESSES
    outcomes = collect_cosignatures(checkpoint=checkpoint)
    assert [(o.witness, o.error) for o in outcomes] == [("w1", ""), ("w2", "")]
    assert publication_status(checkpoint) == PublicationStatus.PUBLISHED
    policy = Policy.k_of_n(
        [Verifier.from_vkey(checkpoint.signing_key.vkey)],
        [CosignatureVerifier.from_vkey(w["vkey"]) for w in witnesses],
        2,
    )
    result = evaluate(cosigned_note(checkpoint), policy)
    assert result.satisfied
    assert set(result.cosigned) == {"witness.test/w1", "witness.test/w2"}


def test_later_checkpoints_carry_a_consistency_proof_from_the_witness_last_size(witnesses):
    for start in (0, 5, 12):
        append_entries(entries=segments(start, 7 if start else 5))
        checkpoint = sign_checkpoint()
        outcomes = collect_cosignatures(checkpoint=checkpoint)
        assert all(o.cosignature for o in outcomes), [o.error for o in outcomes]
    assert Cosignature.objects.filter(checkpoint__size=19).count() == 2


def test_a_conflict_is_retried_with_the_size_the_witness_reports(witnesses):
    append_entries(entries=segments(0, 9))
    collect_cosignatures(checkpoint=sign_checkpoint())
    # Our record of what the witnesses saw is lost (say, a restore of the cosignature table).
    with lift_append_only_triggers(connection):
        Cosignature.objects.all().delete()
    append_entries(entries=segments(9, 4))
    checkpoint = sign_checkpoint()
    outcomes = collect_cosignatures(checkpoint=checkpoint)
    assert [o.error for o in outcomes] == ["", ""]
    assert publication_status(checkpoint) == PublicationStatus.PUBLISHED


def test_an_unreachable_witness_is_reported_and_the_quorum_decides(witnesses, settings):
    settings.LEDGER_WITNESSES = [*witnesses, {"name": "w3", "url": "http://127.0.0.1:9", "vkey": witnesses[0]["vkey"]}]
    append_entries(entries=segments(0, 3))
    checkpoint = sign_checkpoint()
    outcomes = {o.witness: o for o in collect_cosignatures(checkpoint=checkpoint)}
    assert outcomes["w3"].error
    assert outcomes["w3"].cosignature is None
    assert outcomes["w1"].cosignature
    assert outcomes["w2"].cosignature
    settings.LEDGER_WITNESS_QUORUM = 3
    assert publication_status(checkpoint) == PublicationStatus.AWAITING_WITNESSES
    settings.LEDGER_WITNESS_QUORUM = None  # majority: 2 of 3
    assert publication_status(checkpoint) == PublicationStatus.PUBLISHED


def test_a_witness_already_asked_is_not_asked_again(witnesses):
    checkpoint = sign_checkpoint()
    first = collect_cosignatures(checkpoint=checkpoint)
    again = collect_cosignatures(checkpoint=checkpoint)
    assert [o.cosignature for o in again] == [o.cosignature for o in first]


# --- Commands --------------------------------------------------------------------------------------


def test_the_sign_checkpoint_command_signs_and_collects(witnesses):
    append_entries(entries=segments(0, 4))
    out = StringIO()
    call_command("sign_checkpoint", stdout=out, stderr=StringIO())
    assert "4 entries" in out.getvalue()
    assert "w1" in out.getvalue()
    assert "w2" in out.getvalue()
    append_entries(entries=segments(4, 1))
    call_command("sign_checkpoint", "--every", "0.01", "--count", "2", stdout=out, stderr=StringIO())
    assert Checkpoint.objects.filter(size=5).count() == 1
    assert Cosignature.objects.filter(checkpoint__size=5).count() == 2


def test_the_sign_checkpoint_command_stops_on_a_fork(django_capture_on_commit_callbacks):
    append_entries(entries=segments(0, 4))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sign_checkpoint", "--no-witnesses", stdout=StringIO())
    _restore_older_backup(keep=2)
    with pytest.raises(CommandError, match="older backup"):
        call_command("sign_checkpoint", "--every", "0.01", "--count", "3", stdout=StringIO())


def test_the_rotate_signing_key_command_prints_the_new_verifier_key():
    sign_checkpoint()
    out = StringIO()
    call_command("rotate_signing_key", stdout=out)
    assert SigningKey.objects.get(retired_at__isnull=True).vkey in out.getvalue()
    assert services.sign_checkpoint().signing_key.retired_at is None
