"""tlog-proof bundles: build, verify offline with a quorum, reject tampering, fuzz the parser."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import make_entries

from custodywatch_log.checkpoint import Checkpoint
from custodywatch_log.merkle import MerkleTree, leaf_hash
from custodywatch_log.policy import Policy
from custodywatch_log.proof import HEADER, ProofBundle, ProofBundleError, verify_proof_bundle

ENTRIES = make_entries(50)
TREE = MerkleTree.from_entries(ENTRIES)


@pytest.fixture
def bundle(log_signer, witness_signers) -> str:
    body = Checkpoint(log_signer.name, 50, TREE.root()).format()
    note = body + "\n" + log_signer.signature_line(body) + witness_signers[0].signature_line(body)
    return ProofBundle.build(17, TREE.inclusion_proof(17), note, entry=ENTRIES[17]).format()


def test_a_bundle_verifies_offline_with_the_entry_in_its_extra_line(bundle, log_signer, witness_signers):
    assert bundle.startswith(HEADER + "\nextra ")
    policy = Policy.k_of_n([], [witness_signers[0].verifier], 1)
    verified = verify_proof_bundle(bundle, [log_signer.vkey], policy)
    assert verified.leaf_hash == leaf_hash(ENTRIES[17])
    assert verified.quorum.cosigned == (witness_signers[0].name,)
    assert ProofBundle.parse(bundle).format() == bundle


def test_the_entry_given_out_of_band_wins_over_extra(bundle, log_signer):
    verify_proof_bundle(bundle, [log_signer.vkey], entry=ENTRIES[17])
    with pytest.raises(ProofBundleError, match="inclusion"):
        verify_proof_bundle(bundle, [log_signer.vkey], entry=ENTRIES[18])
    verify_proof_bundle(bundle, [log_signer.vkey], entry_leaf_hash=leaf_hash(ENTRIES[17]))


def test_tampered_bundles_fail_at_the_right_step(bundle, log_signer, witness_signers):
    policy = Policy.k_of_n([], [w.verifier for w in witness_signers[:2]], 2)
    with pytest.raises(ProofBundleError, match="quorum not met"):
        verify_proof_bundle(bundle, [log_signer.vkey], policy)
    with pytest.raises(ProofBundleError, match="inclusion"):
        verify_proof_bundle(bundle.replace("index 17", "index 16"), [log_signer.vkey])
    wrong_extra = bundle.replace(base64.b64encode(ENTRIES[17]).decode(), base64.b64encode(b"forged").decode())
    with pytest.raises(ProofBundleError, match="inclusion"):
        verify_proof_bundle(wrong_extra, [log_signer.vkey])
    with pytest.raises(ProofBundleError, match="checkpoint"):
        verify_proof_bundle(bundle.replace("\n50\n", "\n51\n"), [log_signer.vkey])
    with pytest.raises(ProofBundleError, match="checkpoint"):
        verify_proof_bundle(bundle, [witness_signers[1].verifier])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("c2sp.org/tlog-proof@v2\nindex 1\n\nx\n", "first line"),
        (HEADER + "\nindex 01\n\nx\n", "leading zeroes"),
        (HEADER + "\nextra !!\nindex 1\n\nx\n", "base64"),
        (HEADER + "\nindex 1\nAAAA\n\nx\n", "32-byte"),
        (HEADER + "\n\nx\n", "index"),
        (HEADER + "\nindex 1\n", "empty line"),
        (HEADER + "\nindex 1\n\nnot a checkpoint\n", "malformed"),
    ],
)
def test_malformed_bundles_are_rejected(text, message):
    with pytest.raises(ProofBundleError, match=message):
        ProofBundle.parse(text)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(st.sampled_from([HEADER, "extra AA==", "index 3", "index x", "A" * 43 + "=", "", "o", "1"]), max_size=8)
)
def test_fuzzed_bundles_raise_only_proof_bundle_error(lines):
    with contextlib.suppress(ProofBundleError):
        ProofBundle.parse("\n".join(lines) + "\n")
