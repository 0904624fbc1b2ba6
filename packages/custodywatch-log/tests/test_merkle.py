"""RFC 9162 tree: proofs round-trip for every small size, plans, incremental storage helpers, pymerkle."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree
from support import make_entries

from custodywatch_log import merkle
from custodywatch_log.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 70
ENTRIES = make_entries(MAX_SIZE)
TREE = MerkleTree.from_entries(ENTRIES)


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 section 2.1.1 defines it, recursively."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def test_hashes_use_the_rfc_9162_prefixes():
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert leaf_hash(b"a") == hashlib.sha256(b"\x00a").digest()
    assert node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()


@pytest.mark.parametrize("size", range(MAX_SIZE + 1))
def test_every_root_and_proof_round_trips(size):
    leaves = [TREE.leaf_hash(i) for i in range(size)]
    root = reference_root(leaves)
    assert root_from_leaf_hashes(leaves) == root
    assert TREE.root(size) == root
    assert merkle.fold_subtrees(merkle.root_subtrees(size), TREE.subtrees) == root
    for index in range(size):
        proof = TREE.inclusion_proof(index, size)
        assert proof == merkle.inclusion_proof(index, size, leaves)
        verify_inclusion(leaves[index], index, size, proof, root)
        assert merkle.root_from_inclusion_proof(leaves[index], index, size, proof) == root
    for old in range(1, size + 1):
        proof = TREE.consistency_proof(old, size)
        assert proof == merkle.consistency_proof(old, size, leaves)
        verify_consistency(old, size, TREE.root(old), root, proof)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 31, 64, 65, 70])
def test_any_changed_proof_element_is_rejected(size):
    root = TREE.root(size)
    for index in range(size):
        proof = TREE.inclusion_proof(index, size)
        for i in range(len(proof)):
            bad = [*proof]
            bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
            with pytest.raises(ProofError):
                verify_inclusion(TREE.leaf_hash(index), index, size, bad, root)
        with pytest.raises(ProofError):
            verify_inclusion(TREE.leaf_hash(index), index, size, [*proof, root], root)
    for old in range(1, size):
        proof = TREE.consistency_proof(old, size)
        for i in range(len(proof)):
            bad = [*proof]
            bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
            with pytest.raises(ProofError):
                verify_consistency(old, size, TREE.root(old), root, bad)
        with pytest.raises(ProofError):
            verify_consistency(old, size, TREE.root(old), root, proof[:-1])


def test_empty_tree_and_out_of_range_indexes_are_explicit():
    empty = MerkleTree()
    assert empty.root() == EMPTY_ROOT
    assert merkle.root_subtrees(0) == []
    with pytest.raises(ValueError, match="not in a tree of size 0"):
        merkle.inclusion_proof_plan(0, 0)
    with pytest.raises(ValueError, match="not in a tree of size 5"):
        merkle.inclusion_proof_plan(5, 5)
    with pytest.raises(ProofError, match="empty tree"):
        verify_inclusion(EMPTY_ROOT, 0, 0, [], EMPTY_ROOT)
    with pytest.raises(ProofError, match="outside a tree of size 3"):
        verify_inclusion(TREE.leaf_hash(0), 3, 3, [], TREE.root(3))
    with pytest.raises(ProofError, match="smaller than old tree size"):
        verify_consistency(5, 4, TREE.root(5), TREE.root(4), [])
    assert merkle.consistency_proof_plan(0, 9) == []
    assert merkle.consistency_proof_plan(9, 9) == []
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [], allow_empty_old=True)


def test_equal_sizes_with_different_roots_is_reported_as_a_fork():
    with pytest.raises(ProofError, match="forked"):
        verify_consistency(5, 5, TREE.root(5), TREE.root(6), [])


def test_plans_name_only_complete_subtrees_and_one_query_suffices():
    size = 1_000_003
    plan = merkle.inclusion_proof_plan(123_456, size)
    cplan = merkle.consistency_proof_plan(777_777, size)
    for element in [*plan, *cplan]:
        for level, index in element:
            assert (index + 1) << level <= size
    assert len(plan) == 20
    assert sum(map(len, plan)) < 40


def test_range_subtrees_refuses_ranges_that_are_not_tree_nodes():
    assert merkle.range_subtrees(8, 13) == [(2, 2), (0, 12)]
    with pytest.raises(ValueError, match="not a node"):
        merkle.range_subtrees(2, 5)
    with pytest.raises(ValueError, match="empty"):
        merkle.range_subtrees(4, 4)


def test_storage_helpers_compute_exactly_the_new_complete_subtrees():
    tree = MerkleTree()
    for old, new in [(0, 1), (1, 5), (5, 8), (8, 8), (8, 33), (33, 70)]:
        frontier = {st: tree.subtrees[st] for st in merkle.root_subtrees(old)}
        hashes = merkle.new_subtree_hashes(old, frontier, [TREE.leaf_hash(i) for i in range(old, new)])
        assert list(hashes) == merkle.completed_subtrees(old, new)
        for i in range(old, new):
            tree.append_leaf_hash(TREE.leaf_hash(i))
        assert hashes == {st: tree.subtrees[st] for st in hashes}
        assert len(tree.subtrees) == len(merkle.completed_subtrees(0, new))


def test_tree_refuses_sizes_it_does_not_have():
    with pytest.raises(ValueError, match="outside"):
        TREE.root(MAX_SIZE + 1)
    with pytest.raises(ValueError, match="32"):
        MerkleTree().append_leaf_hash(b"short")
    with pytest.raises(KeyError):
        TREE.subtrees[(7, 0)]


@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=150), st.data())
def test_roots_and_inclusion_proofs_match_pymerkle(entries, data):
    ours = MerkleTree.from_entries(entries)
    theirs = InmemoryTree(algorithm="sha256")  # security mode = RFC 9162 0x00/0x01 prefixes
    for e in entries:
        theirs.append_entry(e)
    size = data.draw(st.integers(1, len(entries)), label="size")
    assert ours.root(size) == theirs.get_root(size)
    index = data.draw(st.integers(0, size - 1), label="index")
    path = theirs.prove_inclusion(index + 1, size).path  # pymerkle counts from 1, path[0] is the leaf
    assert path[0] == ours.leaf_hash(index)
    assert ours.inclusion_proof(index, size) == list(path[1:])
    old = data.draw(st.integers(1, size), label="old")
    verify_consistency(old, size, theirs.get_root(old), theirs.get_root(size), ours.consistency_proof(old, size))
