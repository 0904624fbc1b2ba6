"""The standalone witness over real HTTP on 127.0.0.1: cosigning, durability, every refusal, fuzzing."""

from __future__ import annotations

import base64
import contextlib
import json
import urllib.request
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import LOG_SEED, ORIGIN, WITNESS_SEEDS, make_entries

from custodywatch_log.checkpoint import Checkpoint
from custodywatch_log.merkle import EMPTY_ROOT, MerkleTree
from custodywatch_log.note import CosignatureSigner, Signer, add_signature_lines, verify_note
from custodywatch_log.witness import (
    Conflict,
    StateStore,
    WitnessClient,
    WitnessRejected,
    WitnessService,
    main,
    start_server,
)
from custodywatch_log.witness_protocol import RequestError, format_add_checkpoint_request, parse_add_checkpoint_request

ENTRIES = make_entries(300)
TREE = MerkleTree.from_entries(ENTRIES)


class Running:
    """A witness served on an ephemeral port; restartable on the same state directory."""

    def __init__(self, signer: CosignatureSigner, log: Signer, state: Path) -> None:
        self.signer, self.log, self.state = signer, log, state
        self.start()

    def start(self) -> None:
        self.service = WitnessService(self.signer, [self.log.verifier], StateStore(self.state))
        self.server, self.url = start_server(self.service)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def witnesses(tmp_path, log_signer, witness_signers):
    running = [Running(w, log_signer, tmp_path / f"w{i}") for i, w in enumerate(witness_signers[:2])]
    yield running
    for r in running:
        r.stop()


def signed(log: Signer, size: int, root: bytes | None = None) -> str:
    return Checkpoint(log.name, size, TREE.root(size) if root is None else root).sign(log)


def test_two_witnesses_cosign_a_growing_log(witnesses, log_signer):
    client = WitnessClient(verifiers=[w.signer.verifier for w in witnesses])
    old = {w.url: 0 for w in witnesses}
    for size in [1, 2, 5, 64, 65, 200, 300, 300]:
        note = signed(log_signer, size)
        lines = []
        for w in witnesses:
            proof = TREE.consistency_proof(old[w.url], size) if old[w.url] else []
            lines += client.add_checkpoint(w.url, old[w.url], proof, note)
            old[w.url] = size
        full = add_signature_lines(note, lines)
        names = verify_note(full, [log_signer.verifier, *(w.signer.verifier for w in witnesses)]).verified_names
        assert names == [log_signer.name, *(w.signer.name for w in witnesses)]


def test_a_witness_remembers_its_state_across_a_restart(witnesses, log_signer):
    w = witnesses[0]
    client = WitnessClient()
    client.add_checkpoint(w.url, 0, [], signed(log_signer, 100))
    w.stop()
    w.start()
    with pytest.raises(Conflict) as conflict:
        client.add_checkpoint(w.url, 0, [], signed(log_signer, 150))
    assert conflict.value.latest_size == 100
    client.add_checkpoint(w.url, 100, TREE.consistency_proof(100, 150), signed(log_signer, 150))
    stored = json.loads(next(w.state.glob("*.json")).read_text())
    assert stored["size"] == 150
    assert w.signer.name in stored["checkpoint"]


def test_the_conflict_answer_is_the_latest_size_as_text_x_tlog_size(witnesses, log_signer):
    w = witnesses[0]
    WitnessClient().add_checkpoint(w.url, 0, [], signed(log_signer, 7))
    body = format_add_checkpoint_request(3, [], signed(log_signer, 9))
    request = urllib.request.Request(w.url + "/add-checkpoint", data=body, method="POST")  # noqa: S310 - local test server
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310 - local test server
    with e.value:
        assert e.value.code == 409
        assert e.value.headers["Content-Type"] == "text/x.tlog.size"
        assert e.value.read() == b"7\n"


def test_a_witness_refuses_a_fork(witnesses, log_signer):
    w = witnesses[0]
    client = WitnessClient()
    client.add_checkpoint(w.url, 0, [], signed(log_signer, 100))
    forked = MerkleTree.from_entries([*ENTRIES[:99], b"rewritten history", *ENTRIES[100:200]])
    note = signed(log_signer, 200, forked.root())
    with pytest.raises(WitnessRejected) as refused:
        client.add_checkpoint(w.url, 100, forked.consistency_proof(100, 200), note)
    assert refused.value.status == 422
    assert "not consistent" in refused.value.message
    assert list((w.state / "evidence").iterdir()), "the refused, validly signed checkpoint is kept as evidence"
    with pytest.raises(WitnessRejected, match="422"):
        client.add_checkpoint(w.url, 100, [], signed(log_signer, 100, forked.root(100)))
    # the honest continuation is still accepted
    client.add_checkpoint(w.url, 100, TREE.consistency_proof(100, 200), signed(log_signer, 200))


def test_refusals_use_the_status_codes_of_the_spec(witnesses, log_signer, tmp_path):
    url = witnesses[0].url
    client = WitnessClient()
    stranger = Signer.generate("unknown.test/log")
    impostor = Signer.generate(log_signer.name)
    cases = [
        (0, [], Checkpoint(stranger.name, 1, TREE.root(1)).sign(stranger), 404),
        (0, [], signed(impostor, 1), 403),
        (0, [], signed(log_signer, 1).replace("\n1\n", "\n2\n"), 403),
        (5, [], signed(log_signer, 3), 400),
        (0, [], signed(log_signer, 0, TREE.root(1)), 422),
        (0, [TREE.root(1)], signed(log_signer, 1), 422),
        (0, [], "not a note\n", 400),
    ]
    for old, proof, note, status in cases:
        with pytest.raises(WitnessRejected) as refused:
            client.add_checkpoint(url, old, proof, note)
        assert refused.value.status == status, (note, refused.value)
    for body in [b"", b"old 01\n\n", b"old 1\nnot base64\n\n", b"\xff\n", b"old 0\n" + b"A" * 100]:
        request = urllib.request.Request(url + "/add-checkpoint", data=body, method="POST")  # noqa: S310 - local test server
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - local test server
        e.value.close()
        assert e.value.code == 400


def test_the_monitoring_endpoint_serves_the_latest_cosigned_checkpoint(witnesses, log_signer):
    import hashlib

    w = witnesses[0]
    WitnessClient().add_checkpoint(w.url, 0, [], signed(log_signer, 5))
    origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
    with urllib.request.urlopen(f"{w.url}/{origin_hash}/checkpoint", timeout=5) as response:  # noqa: S310 - local test server
        note = response.read().decode()
    assert verify_note(note, [log_signer.verifier, w.signer.verifier]).verified_names == [ORIGIN, w.signer.name]


def test_generate_key_prints_a_secret_key_and_its_vkey(capsys):
    assert main(["generate-key", "--name", "witness.example.org/w9"]) == 0
    skey, vkey = capsys.readouterr().out.split()
    assert CosignatureSigner.from_skey(skey).vkey == vkey


def test_request_bodies_round_trip():
    proof = TREE.consistency_proof(3, 7)
    note = signed(Signer(ORIGIN, LOG_SEED), 7)
    parsed = parse_add_checkpoint_request(format_add_checkpoint_request(3, proof, note))
    assert (parsed.old_size, list(parsed.proof), parsed.checkpoint_note) == (3, proof, note)
    with pytest.raises(RequestError, match="63"):
        parse_add_checkpoint_request(
            format_add_checkpoint_request(3, [], note).replace(
                b"\n\n", b"\n" + b"".join([base64.b64encode(proof[0]) + b"\n"] * 64) + b"\n", 1
            )
        )


_pieces = st.sampled_from(
    [
        b"old ",
        b"0",
        b"1",
        b"12",
        b"\n",
        b" ",
        base64.b64encode(EMPTY_ROOT),
        b"origin.test/log",
        b"\xe2\x80\x94",
        b"=",
        b"\xff",
    ]
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(_pieces, max_size=14).map(b"".join))
def test_fuzzed_request_bodies_raise_only_request_error(body):
    with contextlib.suppress(RequestError):
        parse_add_checkpoint_request(body)


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(_pieces, max_size=14).map(b"".join))
def test_fuzzed_requests_get_a_4xx_answer_never_an_exception(tmp_path_factory, body):
    service = _fuzz_service(tmp_path_factory)
    assert 400 <= service.add_checkpoint(body).status < 500


_SERVICE: list[WitnessService] = []


def _fuzz_service(factory) -> WitnessService:
    if not _SERVICE:
        signer = CosignatureSigner("fuzz.test", WITNESS_SEEDS[0])
        _SERVICE.append(WitnessService(signer, [Signer(ORIGIN, LOG_SEED).verifier], StateStore(factory.mktemp("fz"))))
    return _SERVICE[0]


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(_pieces, max_size=10).map(b"".join))
def test_fuzzed_witness_responses_raise_only_witness_unavailable(payload):
    from custodywatch_log.witness import WitnessUnavailable

    note = Checkpoint(ORIGIN, 0, EMPTY_ROOT).sign(Signer(ORIGIN, LOG_SEED))
    verifier = CosignatureSigner("fuzz.test", WITNESS_SEEDS[0]).verifier
    for client in (WitnessClient(), WitnessClient(verifiers=[verifier])):
        with contextlib.suppress(WitnessUnavailable):
            client._cosignatures(payload, note)
