"""Real proof bundles, valid and tampered, for checking the browser verifier against the Python one.

Every bundle is made by the ledger core itself (Merkle tree, signed checkpoint, witness
cosignatures, tlog-proof); each tampered one changes exactly one thing. ``python_verdict`` runs
``custodywatch-verify proof`` on a bundle and names the check it failed in the browser page's
terms, so the two verifiers can be compared case by case.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from custodywatch_log.checkpoint import Checkpoint
from custodywatch_log.merkle import MerkleTree
from custodywatch_log.note import CosignatureSigner, Note, Signer, add_signature_lines, parse_note, sign_note
from custodywatch_log.proof import ProofBundle

ORIGIN = "custodywatch.test/ledger"
INDEX = 5


def _entry(i: int) -> bytes:
    # The canonical encoding of a registry change entry: sorted keys, no spaces, ASCII.
    payload = {"kind": "registry:change", "action": "update", "seq": i,
               "record_sha256": (i.to_bytes(4, "big") * 8).hex()}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("ascii")


@dataclass(frozen=True)
class Case:
    """A bundle, the keys a reader gives with it, and what the case is meant to show."""

    name: str
    bundle: str
    log_key: str
    witness_keys: list[str] = field(default_factory=list)


def _flip_signature(note_text: str, name: str) -> str:
    """The note with one byte of ``name``'s signature changed (still well-formed base64)."""
    note = parse_note(note_text)
    sigs = []
    for sig in note.signatures:
        if sig.name == name:
            raw = bytearray(sig.signature)
            raw[-1] ^= 0x01
            sig = replace(sig, signature=bytes(raw))
        sigs.append(sig)
    return Note(note.text, tuple(sigs)).format()


def make_cases() -> dict[str, Case]:
    """Every case, keyed by name; the log is 13 entries, the bundles prove entry ``INDEX``."""
    log = Signer.generate(ORIGIN)
    w1 = CosignatureSigner.generate("witness.test/w1")
    w2 = CosignatureSigner.generate("witness.test/w2")
    entries = [_entry(i) for i in range(13)]
    tree = MerkleTree.from_entries(entries)
    body = Checkpoint(ORIGIN, tree.size, tree.root()).format()
    note = add_signature_lines(sign_note(body, log), [w1.signature_line(body), w2.signature_line(body)])
    proof = tree.inclusion_proof(INDEX)
    witnesses = [w1.vkey, w2.vkey]

    def bundle(*, entry: bytes = entries[INDEX], hashes: list[bytes] = proof, signed: str = note) -> str:
        return ProofBundle.build(INDEX, hashes, signed, entry).format()

    altered_hash = bytearray(proof[0])
    altered_hash[0] ^= 0x80
    cases = [
        Case("valid", bundle(), log.vkey, witnesses),
        Case("valid-without-witness-keys", bundle(), log.vkey),
        Case("tampered-entry", bundle(entry=entries[INDEX].replace(b'"update"', b'"create"')), log.vkey, witnesses),
        Case("tampered-proof-hash", bundle(hashes=[bytes(altered_hash), *proof[1:]]), log.vkey, witnesses),
        Case("wrong-log-key", bundle(), Signer.generate(ORIGIN).vkey, witnesses),
        Case("tampered-signature", bundle(signed=_flip_signature(note, ORIGIN)), log.vkey, witnesses),
        Case("tampered-cosignature", bundle(signed=_flip_signature(note, w1.name)), log.vkey, witnesses),
        Case("wrong-witness-key", bundle(), log.vkey, [w1.vkey, CosignatureSigner.generate(w2.name).vkey]),
        Case("not-a-proof", "c2sp.org/tlog-proof@v2\nindex 5\n\n" + note, log.vkey),
    ]
    return {case.name: case for case in cases}


def write_bundle(directory: Path, case: Case) -> Path:
    path = directory / f"{case.name}.tlog-proof"
    path.write_text(case.bundle, encoding="utf-8")
    return path


def python_verdict(path: Path, case: Case) -> tuple[str, str]:
    """``custodywatch-verify proof``'s verdict on the bundle: ("proven" | "not-proven", failed check)."""
    command = [sys.executable, "-m", "custodywatch_log.verify", "proof", str(path), "--log-key", case.log_key, "--json"]
    for key in case.witness_keys:
        command += ["--witness-key", key]
    run = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    assert run.returncode in (0, 1), run.stderr
    result = json.loads(run.stdout)
    if result["ok"]:
        return "proven", ""
    message = result["problems"][0]["message"]
    witness_names = [key.split("+", 1)[0] for key in case.witness_keys]
    if "quorum not met" in message or any(f"trusted key {name} " in message for name in witness_names):
        return "not-proven", "witnesses"
    if ": checkpoint: " in message:
        return "not-proven", "log-signature"
    if ": inclusion: " in message or "no entry" in message:
        return "not-proven", "inclusion"
    return "not-proven", "format"


def base64_entry(case: Case) -> bytes:
    """The entry the bundle's extra line carries."""
    line = next(line for line in case.bundle.split("\n") if line.startswith("extra "))
    return base64.b64decode(line.removeprefix("extra "))
