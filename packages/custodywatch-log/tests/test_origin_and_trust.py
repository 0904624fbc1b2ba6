"""The log's origin given apart from its key name (verifier and witness), and what is said when no
witness keys are given."""

from __future__ import annotations

import json

from support import LOG_SEED, WITNESS_SEEDS, build_tiled_log

from custodywatch_log.checkpoint import Checkpoint
from custodywatch_log.merkle import EMPTY_ROOT
from custodywatch_log.note import CosignatureSigner, Signer, verify_note
from custodywatch_log.proof import ProofBundle
from custodywatch_log.verify import main
from custodywatch_log.witness import StateStore, WitnessService
from custodywatch_log.witness_protocol import format_add_checkpoint_request

KEY_NAME = "custodywatch-signer-2026"
ORIGIN = "ledger.npm.kz/log"


def _run(args, capsys):
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def _log_with_other_origin(tmp_path):
    signer = Signer(KEY_NAME, LOG_SEED)
    witness = CosignatureSigner("w.test", WITNESS_SEEDS[0])
    log = build_tiled_log(tmp_path / "log", 300, signer, [witness])
    # Rewrite the checkpoint with an origin other than the key name.
    body = Checkpoint(ORIGIN, 300, log.tree.root()).format()
    note = body + "\n" + signer.signature_line(body) + witness.signature_line(body, 1_700_000_000)
    (log.directory / "checkpoint").write_text(note)
    log.note = note
    return log


def test_a_log_whose_origin_differs_from_its_key_name_verifies_when_the_origin_is_given(tmp_path, capsys):
    log = _log_with_other_origin(tmp_path)
    trust = ["--log-key", log.log.vkey, "--witness-key", log.witnesses[0].vkey]
    status, out = _run(["audit", "--log", str(log.directory), *trust, "--jobs", "1"], capsys)
    assert status == 1
    assert "not signed by a trusted log key for that origin" in out
    status, out = _run(["audit", "--log", str(log.directory), *trust, "--origin", ORIGIN, "--jobs", "1"], capsys)
    assert status == 0, out
    status, out = _run(["checkpoint", "--log", str(log.directory), *trust, "--origin", "another/log"], capsys)
    assert status == 1
    assert "not the expected 'another/log'" in out


def test_a_witness_accepts_a_log_whose_origin_differs_from_its_key_name(tmp_path):
    signer = Signer(KEY_NAME, LOG_SEED)
    cosigner = CosignatureSigner("w.test", WITNESS_SEEDS[0])
    body = Checkpoint(ORIGIN, 0, EMPTY_ROOT).format()
    note = body + "\n" + signer.signature_line(body)
    request = format_add_checkpoint_request(0, [], note)
    plain = WitnessService(cosigner, [signer.verifier], StateStore(tmp_path / "plain"))
    assert plain.add_checkpoint(request).status == 404
    witness = WitnessService(cosigner, [signer.verifier], StateStore(tmp_path / "w"), {signer.vkey: ORIGIN})
    response = witness.add_checkpoint(request)
    assert response.status == 200, response.body
    assert verify_note(body + "\n" + response.body.decode(), [cosigner.verifier]).verified
    import hashlib

    assert witness.latest_checkpoint(hashlib.sha256(ORIGIN.encode()).hexdigest()).startswith(ORIGIN)


def test_without_witness_keys_proof_says_cosignatures_were_not_checked(tiled_log, tmp_path, capsys):
    bundle = ProofBundle.build(5, tiled_log.tree.inclusion_proof(5), tiled_log.note, entry=tiled_log.entries[5])
    path = tmp_path / "entry.tlog-proof"
    path.write_text(bundle.format())
    status, out = _run(["proof", str(path), "--log-key", tiled_log.log.vkey], capsys)
    assert status == 0, out
    assert "witness cosignatures NOT checked" in out
    assert "VERIFIED against the log key only; witness cosignatures were NOT checked" in out
    assert "cosigned by no witness" not in out
    status, out = _run(["proof", str(path), "--log-key", tiled_log.log.vkey, "--json"], capsys)
    assert json.loads(out)["cosignatures_checked"] is False
    status, out = _run(["proof", str(path), *tiled_log.trust_args], capsys)
    assert "cosigned by witness0.test" in out
    assert out.rstrip().endswith("VERIFIED")
