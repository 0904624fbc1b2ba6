"""Witness quorum policies: the tlog-policy example, k-of-n, evaluation of real cosignatures, fuzzing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custodywatch_log.checkpoint import Checkpoint
from custodywatch_log.merkle import EMPTY_ROOT
from custodywatch_log.note import CosignatureSigner, NoteError
from custodywatch_log.policy import Policy, PolicyError, evaluate, parse_policy


def _cosigners(prefix: str, n: int) -> list[CosignatureSigner]:
    return [CosignatureSigner(f"{prefix}{i}.test", bytes([ord(prefix[0]), i]) * 16) for i in range(n)]


X = _cosigners("x", 3)
Y = _cosigners("y", 3)


def _two_level_policy(log_vkey: str) -> str:
    lines = [f"log {log_vkey}", ""]
    lines += [f"witness X{i} {w.vkey}" for i, w in enumerate(X)]
    lines += ["group X-witnesses 2 X0 X1 X2", "  # comment", "\t"]
    lines += [f"witness Y{i} {w.vkey} https://y{i}.test/" for i, w in enumerate(Y)]
    lines += ["group Y-witnesses any Y0 Y1 Y2", "group X-and-Y all X-witnesses Y-witnesses", "quorum X-and-Y"]
    return "\n".join(lines) + "\n"


def _note(log_signer, cosigners) -> str:
    body = Checkpoint(log_signer.name, 0, EMPTY_ROOT).format()
    return body + "\n" + log_signer.signature_line(body) + "".join(w.signature_line(body) for w in cosigners)


def test_the_spec_example_policy_needs_two_x_and_one_y(log_signer):
    policy = parse_policy(_two_level_policy(log_signer.vkey))
    assert policy.groups["X-witnesses"].threshold == 2
    assert policy.witnesses["Y1"].url == "https://y1.test/"
    assert not evaluate(_note(log_signer, X), policy).satisfied
    assert not evaluate(_note(log_signer, [X[0], Y[0], Y[1]]), policy).satisfied
    result = evaluate(_note(log_signer, [X[0], X[2], Y[1]]), policy)
    assert result.satisfied
    assert result.cosigned == ("X0", "X2", "Y1")
    assert "met" in result.explain()


def test_unknown_cosignatures_do_not_count(log_signer):
    policy = Policy.k_of_n([log_signer.verifier], [w.verifier for w in X], 2)
    stranger = _cosigners("z", 2)
    assert not evaluate(_note(log_signer, [X[0], *stranger]), policy).satisfied
    assert evaluate(_note(log_signer, [X[0], X[1]]), policy).satisfied


def test_a_bad_cosignature_from_a_known_witness_rejects_the_checkpoint(log_signer):
    policy = Policy.k_of_n([log_signer.verifier], [X[0].verifier], 1)
    note = _note(log_signer, [X[0]])
    tampered = note[:-6] + ("A" if note[-6] != "A" else "B") + note[-5:]
    with pytest.raises(NoteError, match="does not verify"):
        evaluate(tampered, policy)


def test_quorum_none_and_zero_need_no_witness(log_signer):
    assert evaluate(_note(log_signer, []), parse_policy(f"log {log_signer.vkey}\nquorum none\n")).satisfied
    assert evaluate(_note(log_signer, []), Policy.k_of_n([log_signer.verifier], [], 0)).satisfied


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no quorum"),
        ("quorum none\nquorum none\n", "exactly one"),
        ("quorum W\n", "defined"),
        ("frobnicate\nquorum none\n", "unknown keyword"),
        (f"witness none {X[0].vkey}\nquorum none\n", "reserved"),
        (f"witness A {X[0].vkey}\nwitness B {X[0].vkey}\nquorum A\n", "duplicate key"),
        (f"witness A {X[0].vkey}\nwitness A {X[1].vkey}\nquorum A\n", "already defined"),
        (f"witness A {X[0].vkey}\ngroup G 2 A\nquorum G\n", "larger than"),
        (f"witness A {X[0].vkey}\ngroup G 0 A\nquorum G\n", "threshold"),
        (f"witness A {X[0].vkey}\ngroup G any A A\nquorum G\n", "twice"),
        (f"witness A {X[0].vkey}\ngroup G any B\nquorum G\n", "not defined"),
        ("witness A notakey\nquorum A\n", "policy line 1"),
        (f"log {X[0].vkey}\nquorum none\n", "signature type"),
        (f"witness A {X[0].vkey}\x0b\nquorum A\n", "control character"),
    ],
)
def test_malformed_policies_name_the_line(text, message):
    with pytest.raises(PolicyError, match=message):
        parse_policy(text)


_words = st.sampled_from(["log", "witness", "group", "quorum", "none", "any", "all", "2", "A", "B", "#", X[0].vkey])


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.lists(_words, max_size=5).map(" ".join), max_size=6))
def test_fuzzed_policies_raise_only_policy_error(lines):
    with contextlib.suppress(PolicyError):
        parse_policy("\n".join(lines))
