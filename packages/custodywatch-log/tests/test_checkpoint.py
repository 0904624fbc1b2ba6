"""Checkpoint bodies: the C2SP example, strict parsing, signing and opening, fuzzing."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custodywatch_log.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from custodywatch_log.merkle import EMPTY_ROOT
from custodywatch_log.note import NoteError, Signer

SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def test_the_spec_example_round_trips():
    cp = Checkpoint.parse(SPEC_BODY)
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert cp.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert cp.format() == SPEC_BODY


def test_extension_lines_are_kept():
    text = SPEC_BODY + "ext one\next two\n"
    assert Checkpoint.parse(text).extensions == ("ext one", "ext two")
    assert Checkpoint.parse(text).format() == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\n1\n", "needs origin"),
        ("a\n1\n" + "A" * 43 + "=", "newline"),
        ("\n1\n" + "A" * 43 + "=\n", "line 1 is empty"),
        ("a\n01\n" + "A" * 43 + "=\n", "leading zeroes"),
        ("a\n-1\n" + "A" * 43 + "=\n", "not a decimal"),
        ("a\n1 \n" + "A" * 43 + "=\n", "not a decimal"),
        ("a\n\u0661\n" + "A" * 43 + "=\n", "not a decimal"),  # Arabic-Indic digit one
        ("a\n99999999999999999999\n" + "A" * 43 + "=\n", "larger"),
        ("a\n1\nAAAA\n", "32"),
        ("a\n1\n" + "A" * 43 + "=\n\n", "empty"),
        ("a\n1\n" + "A" * 42 + "B=\n", "canonical"),
    ],
)
def test_malformed_checkpoints_are_rejected(text, message):
    with pytest.raises(CheckpointError, match=message):
        Checkpoint.parse(text)


def test_open_checkpoint_requires_the_log_key_named_as_the_origin(log_signer):
    note = Checkpoint(log_signer.name, 0, EMPTY_ROOT).sign(log_signer)
    assert open_checkpoint(note, [log_signer.verifier]).checkpoint.size == 0
    stranger = Signer.generate("other.test/log")
    with pytest.raises(CheckpointError, match="not signed by a trusted log key"):
        open_checkpoint(
            Checkpoint("other.test/log", 0, EMPTY_ROOT).sign(stranger), [log_signer.verifier], [stranger.verifier]
        )
    misnamed = Checkpoint("pretend.test/log", 0, EMPTY_ROOT).sign(log_signer)
    with pytest.raises(CheckpointError, match=r"pretend\.test/log"):
        open_checkpoint(misnamed, [log_signer.verifier])
    with pytest.raises(NoteError):
        open_checkpoint(note, [stranger.verifier])


_lines = st.lists(
    st.one_of(
        st.sampled_from(["example.org/log", "0", "7", "012", "-3", "", "x y", "AAAA"]),
        st.binary(min_size=32, max_size=32).map(lambda b: base64.b64encode(b).decode()),
        st.text(max_size=12),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None, database=None)
@given(_lines, st.booleans())
def test_fuzzed_checkpoints_raise_only_checkpoint_error(lines, final_newline):
    text = "\n".join(lines) + ("\n" if final_newline else "")
    try:
        cp = Checkpoint.parse(text)
    except CheckpointError:
        return
    assert cp.format() == text
