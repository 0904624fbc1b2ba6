"""Real proof bundles, valid and tampered, for checking the browser verifier against the Python one.

Every bundle is made by the ledger core itself (Merkle tree, signed checkpoint, witness
cosignatures, tlog-proof); each tampered one changes exactly one thing. ``python_verdict`` runs
``custodywatch-verify proof`` on a bundle and names the check it failed in the browser page's
terms, so the two verifiers can be compared case by case.

The proven entry has the public shape of a committed entry (kind, coarse time, commitment), and
some cases come with an opening (record and salt) in the ``custodywatch/ledger/opening/v1``
format, made here from its written definition; where the ledger core's ``entries`` module is
installed, its own opening check must agree too.
"""

from __future__ import annotations

import hashlib
import importlib.util
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


DOMAIN = b"custodywatch/ledger/commitment/v1"
KIND = "registry:change"
SALT = bytes(range(32))
# A record with every JSON type an opening may hold, and Kazakh text to test its UTF-8.
RECORD = {"action": "update", "facility": "ҚАР-159/12", "changed": {"address": ["Ескі 1", "Жаңа 2"], "capacity": None},
          "units": 3, "active": True, "id": 9007199254740991}


def _jcs(record: object) -> bytes:
    # RFC 8785 for this record: ASCII member names sort the same by code point and by UTF-16.
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def commitment(kind: str, salt: bytes, record: object) -> str:
    return hashlib.sha256(DOMAIN + b"\x00" + kind.encode("ascii") + b"\x00" + salt + _jcs(record)).hexdigest()


def opening(*, record: object = RECORD, salt: bytes = SALT, index: int | None = None) -> str:
    doc = {"format": "custodywatch/ledger/opening/v1", "kind": KIND, "salt": salt.hex(), "record": record}
    if index is not None:
        doc["index"] = index
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _entry(i: int) -> bytes:
    # The canonical public entry of a registry change: kind, coarse time and commitment only.
    record = RECORD if i == INDEX else {**RECORD, "units": i}
    payload = {"kind": KIND, "time": "2026-12-01T09Z", "commitment": commitment(KIND, SALT, record)}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("ascii")


@dataclass(frozen=True)
class Case:
    """A bundle, the keys a reader gives with it, and what the case is meant to show."""

    name: str
    bundle: str
    log_key: str
    witness_keys: list[str] = field(default_factory=list)
    opening: str | None = None
    quorum: int | None = None
    opens: bool = False  # whether the opening is, by construction, the entry's record and salt


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
        Case("tampered-entry", bundle(entry=entries[INDEX].replace(b"T09Z", b"T10Z")), log.vkey, witnesses),
        Case("tampered-proof-hash", bundle(hashes=[bytes(altered_hash), *proof[1:]]), log.vkey, witnesses),
        Case("wrong-log-key", bundle(), Signer.generate(ORIGIN).vkey, witnesses),
        Case("tampered-signature", bundle(signed=_flip_signature(note, ORIGIN)), log.vkey, witnesses),
        Case("tampered-cosignature", bundle(signed=_flip_signature(note, w1.name)), log.vkey, witnesses),
        Case("wrong-witness-key", bundle(), log.vkey, [w1.vkey, CosignatureSigner.generate(w2.name).vkey]),
        Case("one-of-two-witnesses-required", bundle(), log.vkey, [w1.vkey, CosignatureSigner.generate(w2.name).vkey],
             quorum=1),
        Case("not-a-proof", "c2sp.org/tlog-proof@v2\nindex 5\n\n" + note, log.vkey),
        Case("opened", bundle(), log.vkey, witnesses, opening(index=INDEX), opens=True),
        Case("opened-without-index", bundle(), log.vkey, opening=opening(), opens=True),
        Case("opening-tampered-record", bundle(), log.vkey, witnesses, opening(record={**RECORD, "units": 4})),
        Case("opening-wrong-salt", bundle(), log.vkey, witnesses, opening(salt=bytes(32), index=INDEX)),
        Case("opening-of-another-entry", bundle(), log.vkey, witnesses, opening(index=INDEX + 1)),
        Case("opening-not-json", bundle(), log.vkey, witnesses, "{record: 1}"),
    ]
    return {case.name: case for case in cases}


def write_bundle(directory: Path, case: Case) -> Path:
    path = directory / f"{case.name}.tlog-proof"
    path.write_text(case.bundle, encoding="utf-8")
    if case.opening is not None:
        path.with_suffix(".opening.json").write_text(case.opening, encoding="utf-8")
    return path


def opening_path(bundle: Path) -> Path:
    return bundle.with_suffix(".opening.json")


def expected_verdict(path: Path, case: Case) -> tuple[str, str]:
    """What the page must say: the Python verifier's verdict on the proof, then on the opening.

    The opening's truth is known by construction; where the core's ``entries`` module exists, its
    command (``python -m custodywatch_log.entries BUNDLE OPENING``) must find the same.
    """
    proof = python_verdict(path, case)
    if case.opening is None or proof[0] != "proven":
        return proof
    if importlib.util.find_spec("custodywatch_log.entries") is not None:
        command = [sys.executable, "-m", "custodywatch_log.entries", str(path), str(opening_path(path)),
                   "--log-key", case.log_key]
        run = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
        assert (run.returncode == 0) == case.opens, run.stderr
    return ("proven", "") if case.opens else ("not-proven", "opening")


def python_verdict(path: Path, case: Case) -> tuple[str, str]:
    """``custodywatch-verify proof``'s verdict on the bundle: ("proven" | "not-proven", failed check)."""
    command = [sys.executable, "-m", "custodywatch_log.verify", "proof", str(path), "--log-key", case.log_key, "--json"]
    for key in case.witness_keys:
        command += ["--witness-key", key]
    if case.quorum is not None:
        command += ["--quorum", str(case.quorum)]
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
