"""Signing and key rotation in a process of its own, failing at a chosen step, for the crash tests.

``python -m ledger.tests.key_worker fault DATABASE_URL KEY_DIR OPERATION POINT ACTION`` migrates
the database, appends entries and signs a first checkpoint (committed and remembered), appends two
more entries, arms the fault point ``POINT`` with ``ACTION`` (``kill``: SIGKILL this process;
``raise``: raise ``FaultInjected``) and runs ``OPERATION`` (``sign`` or ``rotate``). With
``raise`` it prints ``raised`` when the fault was reached.

``python -m ledger.tests.key_worker check DATABASE_URL KEY_DIR`` then signs, rotates and signs
again as an operator would after a restart, and checks the key state (``check_key_state``);
it prints ``ok <rotations>``.
"""

from __future__ import annotations

import sys


def prepare() -> None:
    """Five entries and a committed, remembered first checkpoint."""
    from ledger.services import append_entries, sign_checkpoint
    from ledger.tests.conftest import segments

    append_entries(entries=segments(0, 5))
    sign_checkpoint()


def run_with_fault(operation: str, point: str, action: str) -> bool:
    """Run ``operation`` with ``point`` armed; True if the fault was raised (``raise`` only)."""
    from ledger.services import append_entries, rotate_signing_key, sign_checkpoint
    from ledger.tests.conftest import segments
    from lib import faultpoints

    append_entries(entries=segments(5, 2))
    faultpoints.arm(point, faultpoints.kill if action == "kill" else None)
    try:
        (sign_checkpoint if operation == "sign" else rotate_signing_key)()
    except faultpoints.FaultInjected:
        return True
    finally:
        faultpoints.disarm(point)
    return False


def recover_and_check() -> int:
    """What an operator does after a restart (sign, rotate, sign), then ``check_key_state``."""
    from ledger.services import append_entries, rotate_signing_key, sign_checkpoint
    from ledger.tests.conftest import segments

    sign_checkpoint()
    rotate_signing_key()
    append_entries(entries=segments(100, 3))
    sign_checkpoint()
    return check_key_state()


def check_key_state() -> int:
    """Assert the key directory and the database agree; returns the number of rotations logged.

    One active key, whose file loads; every retired key's file renamed; every key on record
    introduced by a logged rotation (except the first); every checkpoint verifying under its key
    and consistent with the stored tree; the remembered checkpoint the latest one stored.
    """
    from custodywatch_log.checkpoint import open_checkpoint
    from custodywatch_log.note import Verifier
    from ledger import keys, selectors
    from ledger.encoding import decode_entry
    from ledger.models import Checkpoint, Entry, EntryKind, SigningKey

    active = list(SigningKey.objects.filter(retired_at__isnull=True))
    assert len(active) == 1, f"{len(active)} active keys"
    assert keys.read_key_file(active[0].key_id).vkey == active[0].vkey
    for retired in SigningKey.objects.filter(retired_at__isnull=False):
        assert not (keys.key_dir() / f"ledger-{retired.key_id}.key").exists(), f"{retired.key_id} not retired"
    logged = Entry.objects.filter(kind=EntryKind.KEY_ROTATION).values_list("data", flat=True)
    rotations = [decode_entry(bytes(data)) for data in logged]
    introduced = {r["new_vkey"] for r in rotations}
    first = SigningKey.objects.order_by("created_at", "pk").first()
    for key in SigningKey.objects.exclude(pk=first.pk):
        assert key.vkey in introduced, f"key {key.key_id} came without a logged rotation"
    assert len(rotations) == SigningKey.objects.count() - 1, "a rotation was logged without its key"
    for checkpoint in Checkpoint.objects.select_related("signing_key"):
        opened = open_checkpoint(checkpoint.note, [Verifier.from_vkey(checkpoint.signing_key.vkey)])
        assert opened.checkpoint.root_hash == selectors.root(size=checkpoint.size)
    remembered = keys.last_signed()
    latest = Checkpoint.objects.first()
    assert remembered is not None, "nothing remembered"
    assert remembered[0].size == latest.size, "the key state lags behind"
    selectors.audit_storage()
    return len(rotations)


def main() -> None:
    command, database_url, key_dir, *rest = sys.argv[1:]
    from ledger.testing import configure_standalone

    configure_standalone(database_url, key_dir=key_dir)
    if command == "fault":
        from django.core.management import call_command

        call_command("migrate", "ledger", verbosity=0)
        prepare()
        operation, point, action = rest
        print("ready", flush=True)
        if run_with_fault(operation, point, action):
            print("raised", flush=True)
    else:
        print(f"ok {recover_and_check()}", flush=True)


if __name__ == "__main__":
    main()
