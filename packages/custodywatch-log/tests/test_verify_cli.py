"""custodywatch-verify end to end: every subcommand, plain-words failures, JSON, no tracebacks, no Django."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import build_tiled_log, make_entries

from custodywatch_log.checkpoint import Checkpoint
from custodywatch_log.merkle import MerkleTree, leaf_hash
from custodywatch_log.note import Signer
from custodywatch_log.proof import ProofBundle
from custodywatch_log.verify import main

REPO = Path(__file__).resolve().parents[3]


def run(args: list[str], capsys) -> tuple[int, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_checkpoint_reports_signatures_and_quorum(tiled_log, capsys, witness_signers):
    status, out = run(["checkpoint", "--log", str(tiled_log.directory), *tiled_log.trust_args], capsys)
    assert status == 0, out
    assert "cosigned by witness0.test" in out
    status, out = run(
        ["checkpoint", str(tiled_log.directory / "checkpoint"), "--log-key", tiled_log.log.vkey,
         "--witness-key", witness_signers[0].vkey, "--witness-key", witness_signers[1].vkey, "--quorum", "2"],
        capsys,
    )  # fmt: skip
    assert status == 1
    assert "witness quorum not met" in out


def test_audit_of_an_intact_log_passes_and_reports_the_rate(tiled_log, capsys):
    status, out = run(["audit", "--log", str(tiled_log.directory), *tiled_log.trust_args, "--json"], capsys)
    result = json.loads(out)
    assert status == 0
    assert result["ok"] is True
    assert result["leaves_checked"] == 600
    assert result["problems"] == []


def test_inclusion_by_index_by_hash_and_by_file(tiled_log, capsys, tmp_path):
    args = ["inclusion", "--log", str(tiled_log.directory), *tiled_log.trust_args]
    assert run([*args, "--index", "599"], capsys)[0] == 0
    status, out = run([*args, "--entry-hash", leaf_hash(tiled_log.entries[300]).hex()], capsys)
    assert status == 0
    assert "entry 300 " in out
    entry = tmp_path / "entry.bin"
    entry.write_bytes(tiled_log.entries[42])
    assert run([*args, "--entry-file", str(entry)], capsys)[0] == 0
    status, out = run([*args, "--entry-hash", "00" * 32], capsys)
    assert status == 1
    assert "no leaf with hash" in out
    status, out = run([*args, "--index", "600"], capsys)
    assert status == 1
    assert "not in the checkpoint" in out


def test_consistency_remembers_and_refuses_to_go_backwards_or_fork(tmp_path, capsys, log_signer, witness_signers):
    state = tmp_path / "state.json"
    directory = tmp_path / "log"
    ws = witness_signers[:1]

    def check() -> tuple[int, str]:
        return run(
            ["consistency", "--log", str(directory), "--state", str(state), "--log-key", log_signer.vkey], capsys
        )

    build_tiled_log(directory, 300, log_signer, ws)
    assert "first checkpoint seen" in check()[1]
    build_tiled_log(directory, 700, log_signer, ws)
    status, out = check()
    assert status == 0, out
    assert "consistent with the checkpoint of size 300" in out
    assert check()[0] == 0  # same checkpoint again
    build_tiled_log(directory, 500, log_signer, ws)
    status, out = check()
    assert status == 1
    assert "BACKWARDS" in out
    # a fork: same log key, history rewritten at entry 10, grown to 900
    entries = make_entries(900)
    entries[10] = b"rewritten"
    tree = MerkleTree.from_entries(entries)
    note = Checkpoint(log_signer.name, 900, tree.root()).sign(log_signer)
    from custodywatch_log.tiles import write_tiles

    write_tiles(directory, entries, note, hashes=tree.subtrees)
    status, out = check()
    assert status == 1
    assert "FORK" in out
    assert json.loads(state.read_text())[log_signer.name]["size"] == 700


def test_proof_bundles_verify_from_the_command_line(tiled_log, tmp_path, capsys):
    bundle = ProofBundle.build(
        123, tiled_log.tree.inclusion_proof(123), tiled_log.note, entry=tiled_log.entries[123]
    ).format()
    path = tmp_path / "entry.tlog-proof"
    path.write_text(bundle)
    status, out = run(["proof", str(path), *tiled_log.trust_args], capsys)
    assert status == 0, out
    path.write_text(bundle.replace("index 123", "index 124"))
    status, out = run(["proof", str(path), *tiled_log.trust_args], capsys)
    assert status == 1
    assert "inclusion" in out


@pytest.mark.parametrize(
    "content", [b"", b"\xff\xfe garbage", b"a\nb\nc\n\n\xe2\x80\x94 x AAAAAAAA\n", b"x" * 100_000, b"\x00\n\n"]
)
def test_malformed_input_is_explained_without_a_traceback(tmp_path, capsys, content, log_signer):
    path = tmp_path / "checkpoint"
    path.write_bytes(content)
    status, out = run(["checkpoint", str(path), "--log-key", log_signer.vkey], capsys)
    assert status == 1
    assert "Traceback" not in out
    assert "FAILED" in out
    status, out = run(["proof", str(path), "--log-key", log_signer.vkey], capsys)
    assert status == 1
    assert "Traceback" not in out


@pytest.mark.parametrize(
    "args",
    [
        ["checkpoint", "--log", "/nonexistent/dir", "--log-key", "x"],
        ["checkpoint", "/nonexistent/file"],
        ["audit", "--log", str(REPO), "--log-key", "bad+key"],
        ["audit", "--log", str(REPO), "--log-key", Signer.generate("a").vkey, "--policy", "/nonexistent"],
        ["audit", "--log", str(REPO)],
    ],
)
def test_bad_invocations_exit_2_with_a_message(args, capsys):
    status, out = run(args, capsys)
    assert status == 2
    assert "custodywatch-verify:" in out
    assert "Traceback" not in out


_NO_DJANGO_RUNNER = """
import sys
from custodywatch_log.verify import main
from custodywatch_log import witness  # noqa: F401 - the witness must be Django-free too
status = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
print("DJANGO_MODULES", loaded, file=sys.stderr)
sys.exit(status if not loaded else 99)
"""


def test_the_verifier_imports_no_django(tiled_log):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    args = ["audit", "--log", str(tiled_log.directory), *tiled_log.trust_args]
    result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "-c", _NO_DJANGO_RUNNER, *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert "DJANGO_MODULES []" in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    script = Path(sys.executable).parent / "custodywatch-verify"
    if script.exists():
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-X", "importtime", str(script), *args],
            cwd=REPO, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert "custodywatch_log.verify" in result.stderr
        assert " django" not in result.stderr


def test_proof_with_an_opening_shows_the_record_and_refuses_a_changed_one(tmp_path, capsys, log_signer):
    from custodywatch_log.entries import Opening, canonical_record, commitment, encode_public_entry

    record = canonical_record({"facility": "LA-155/1", "total": 412})
    salt = bytes(range(32))
    entry = encode_public_entry("registry:change", {
        "time": "2026-11-30T10Z", "commitment": commitment("registry:change", salt, record)})
    entries = [*make_entries(7), entry]
    tree = MerkleTree.from_entries(entries)
    body = Checkpoint(log_signer.name, len(entries), tree.root()).format()
    note = body + "\n" + log_signer.signature_line(body)
    bundle = tmp_path / "entry.tlog-proof"
    bundle.write_text(ProofBundle.build(7, tree.inclusion_proof(7), note, entry=entry).format())
    opening = tmp_path / "entry.opening.json"
    opening.write_text(Opening(kind="registry:change", salt=salt, record=record, index=7).format())

    status, out = run(["proof", str(bundle), "--log-key", log_signer.vkey, "--opening", str(opening)], capsys)
    assert status == 0, out
    assert "opens its commitment" in out
    assert '"total": 412' in out

    changed = canonical_record({"facility": "LA-155/1", "total": 12})
    opening.write_text(Opening(kind="registry:change", salt=salt, record=changed, index=7).format())
    status, out = run(["proof", str(bundle), "--log-key", log_signer.vkey, "--opening", str(opening)], capsys)
    assert status == 1
    assert "does not match the entry's commitment" in out
    assert "Traceback" not in out
