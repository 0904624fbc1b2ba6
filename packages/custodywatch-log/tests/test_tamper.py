"""Tamper evidence: hundreds of random corruptions of a published log; the verifier must catch every one."""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from support import LOG_SEED, ORIGIN, WITNESS_SEEDS, TiledLog, build_tiled_log

from custodywatch_log.checkpoint import Checkpoint
from custodywatch_log.note import CosignatureSigner, Signer
from custodywatch_log.policy import Policy
from custodywatch_log.tiles import DirectoryTileReader, decode_entry_bundle, encode_entry_bundle
from custodywatch_log.verify import audit_log, main

SIZE = 700  # two full tiles and a partial one at level 0, a partial tile at level 1
MUTATIONS = 500

Mutation = Callable[[random.Random, TiledLog, Path], str]


def _files(root: Path, kind: str) -> list[Path]:
    tiles = [p for p in root.rglob("*") if p.is_file() and p.name != "checkpoint"]
    if kind == "bundle":
        return sorted(p for p in tiles if "entries" in p.parts)
    if kind == "hash":
        return sorted(p for p in tiles if "entries" not in p.parts)
    return sorted(tiles)


def flip_byte(kind: str) -> Mutation:
    def mutate(rng: random.Random, log: TiledLog, root: Path) -> str:
        path = rng.choice(_files(root, kind))
        data = bytearray(path.read_bytes())
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(data))
        return f"flip a bit of byte {i} in {path.relative_to(root)}"

    return mutate


def delete_file(rng: random.Random, log: TiledLog, root: Path) -> str:
    path = rng.choice(_files(root, "any"))
    path.unlink()
    return f"delete {path.relative_to(root)}"


def truncate_file(rng: random.Random, log: TiledLog, root: Path) -> str:
    path = rng.choice(_files(root, "any"))
    data = path.read_bytes()
    path.write_bytes(data[: rng.randrange(len(data))])
    return f"truncate {path.relative_to(root)}"


def swap_entries(rng: random.Random, log: TiledLog, root: Path) -> str:
    bundles = _files(root, "bundle")
    a, b = rng.choice(bundles), rng.choice(bundles)
    ea, eb = decode_entry_bundle(a.read_bytes()), decode_entry_bundle(b.read_bytes())
    i, j = rng.randrange(len(ea)), rng.randrange(len(eb))
    if a == b and i == j:
        j = (j + 1) % len(eb)
    if a == b:
        ea[i], ea[j] = ea[j], ea[i]
        a.write_bytes(encode_entry_bundle(ea))
    else:
        ea[i], eb[j] = eb[j], ea[i]
        a.write_bytes(encode_entry_bundle(ea))
        b.write_bytes(encode_entry_bundle(eb))
    return f"swap entry {i} of {a.name} with entry {j} of {b.name}"


def append_forged_entry(rng: random.Random, log: TiledLog, root: Path) -> str:
    path = rng.choice(_files(root, "bundle"))
    path.write_bytes(path.read_bytes() + encode_entry_bundle([b"forged %d" % rng.randrange(10**6)]))
    return f"append a forged entry to {path.relative_to(root)}"


def replace_entry(rng: random.Random, log: TiledLog, root: Path) -> str:
    path = rng.choice(_files(root, "bundle"))
    entries = decode_entry_bundle(path.read_bytes())
    i = rng.randrange(len(entries))
    entries[i] = b"a plausible but different entry"
    path.write_bytes(encode_entry_bundle(entries))
    return f"replace entry {i} of {path.relative_to(root)}"


def resign_with_wrong_key(rng: random.Random, log: TiledLog, root: Path) -> str:
    impostor = Signer.generate(log.log.name)  # same name, different key
    cp = Checkpoint(log.log.name, SIZE, log.tree.root())
    body = cp.format()
    note = body + "\n" + impostor.signature_line(body) + log.witnesses[0].signature_line(body)
    (root / "checkpoint").write_text(note)
    return "checkpoint re-signed by a key that is not the log's"


def inconsistent_checkpoint(rng: random.Random, log: TiledLog, root: Path) -> str:
    size = rng.choice([SIZE - 1, SIZE, SIZE + 1, 256, 1])
    # a random root, or the genuine root of another size: both contradict the published tree
    root_hash = rng.randbytes(32) if rng.random() < 0.5 else log.tree.root(size - 1 if size > 1 else 2)
    body = Checkpoint(log.log.name, size, root_hash).format()
    note = body + "\n" + log.log.signature_line(body) + log.witnesses[0].signature_line(body)
    (root / "checkpoint").write_text(note)
    return f"checkpoint signed by the log for size {size} with a root that is not the tree's"


def flip_checkpoint_byte(rng: random.Random, log: TiledLog, root: Path) -> str:
    path = root / "checkpoint"
    data = bytearray(path.read_bytes())
    i = rng.randrange(len(data))
    data[i] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))
    return f"flip a bit of byte {i} of the checkpoint"


MUTATORS: list[Mutation] = [
    flip_byte("bundle"),
    flip_byte("hash"),
    delete_file,
    truncate_file,
    swap_entries,
    append_forged_entry,
    replace_entry,
    resign_with_wrong_key,
    inconsistent_checkpoint,
    flip_checkpoint_byte,
]


def _audit(log: TiledLog, root: Path) -> dict:
    """What ``custodywatch-verify audit --json`` reports (same function, without argparse)."""
    policy = Policy.k_of_n([log.log.verifier], [log.witnesses[0].verifier], 1)
    out = audit_log(DirectoryTileReader(root), policy, jobs=1)
    return {"ok": out.ok, "problems": out.problems}


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _restore(root: Path, snapshot: dict[Path, bytes]) -> None:
    for p in root.rglob("*"):
        if p.is_file() and p not in snapshot:
            p.unlink()
    for p, data in snapshot.items():
        if not p.exists() or p.read_bytes() != data:
            p.write_bytes(data)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> TiledLog:

    return build_tiled_log(
        tmp_path_factory.mktemp("pristine"),
        SIZE,
        Signer(ORIGIN, LOG_SEED),
        [CosignatureSigner("w.test", WITNESS_SEEDS[0])],
    )


def test_the_untouched_log_verifies(pristine, capsys):
    assert _audit(pristine, pristine.directory)["ok"]
    status = main(["audit", "--log", str(pristine.directory), *pristine.trust_args, "--json"])
    assert status == 0
    assert json.loads(capsys.readouterr().out)["ok"]


def test_every_random_mutation_is_detected(pristine, tmp_path, capsys):
    rng = random.Random(20261122)
    work = tmp_path / "log"
    shutil.copytree(pristine.directory, work)
    snapshot = _snapshot(work)
    caught, missed, kinds = 0, [], Counter()
    for n in range(MUTATIONS):
        mutate = MUTATORS[n % len(MUTATORS)]
        what = mutate(rng, pristine, work)
        kinds[what.split(" ")[0]] += 1
        result = _audit(pristine, work)
        if result["ok"]:
            missed.append(what)
        else:
            caught += 1
            assert all(p["message"] for p in result["problems"]), what
        _restore(work, snapshot)
    with capsys.disabled():
        print(f"\ntamper detection: {caught}/{MUTATIONS} mutations caught ({caught / MUTATIONS:.1%}); {dict(kinds)}")
    assert not missed, missed


def _alter_entry(work: Path, bundle: str, offset: int) -> None:
    path = work / bundle
    entries = decode_entry_bundle(path.read_bytes())
    entries[offset] = b"changed"
    path.write_bytes(encode_entry_bundle(entries))


def _messages(pristine: TiledLog, work: Path) -> list[dict]:
    return _audit(pristine, work)["problems"]


@pytest.mark.parametrize(
    ("bundle", "offset", "leaf"), [("tile/entries/001", 44, 300), ("tile/entries/002.p/188", 7, 519)]
)
def test_an_altered_entry_bundle_is_named_with_the_entry_not_the_correct_hash_tiles(
    pristine, tmp_path, bundle, offset, leaf
):
    work = tmp_path / "log"
    shutil.copytree(pristine.directory, work)
    _alter_entry(work, bundle, offset)
    problems = _messages(pristine, work)
    assert [p["path"] for p in problems] == [bundle]
    assert problems[0]["index"] == leaf
    assert f"entry {leaf} was altered" in problems[0]["message"]


def test_an_altered_hash_tile_is_named_when_the_entries_agree_with_the_checkpoint(pristine, tmp_path):
    work = tmp_path / "log"
    shutil.copytree(pristine.directory, work)
    tile = work / "tile/0/001"
    data = bytearray(tile.read_bytes())
    data[44 * 32] ^= 1
    tile.write_bytes(bytes(data))
    problems = _messages(pristine, work)
    assert problems[0]["path"] == "tile/0/001"
    assert "leaf 300" in problems[0]["message"]
    assert "agrees with the checkpoint" in problems[0]["message"]
    assert not any(p["path"].startswith("tile/entries") for p in problems)


def test_problems_name_the_leaf_and_the_tile(pristine, tmp_path):
    work = tmp_path / "log"
    shutil.copytree(pristine.directory, work)
    (work / "tile/0/000").unlink()
    messages = " | ".join(p["message"] for p in _audit(pristine, work)["problems"])
    assert "tile/0/000 is missing" in messages
