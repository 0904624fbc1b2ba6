"""Signed notes: the C2SP example, signing, trust rules, key strings, cosignatures, and fuzzing."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import LOG_SEED, ORIGIN

from custodywatch_log.note import (
    CosignatureSigner,
    CosignatureVerifier,
    NoteError,
    NoteSignature,
    Signer,
    UnverifiedNoteError,
    Verifier,
    add_signature_lines,
    compute_key_id,
    open_note,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    verify_note,
)

SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_PUBLIC_KEY = base64.b64decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")[1:]
SPEC_NOTE = (
    "This is an example message.\n\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_the_spec_example_verifies():
    verifier = parse_verifier_key(SPEC_VKEY)
    assert verifier.vkey == SPEC_VKEY
    assert open_note(SPEC_NOTE, [verifier]) == ("This is an example message.\n", ["example.com/foo"])
    assert parse_note(SPEC_NOTE).format() == SPEC_NOTE


def test_a_changed_text_does_not_verify():
    verifier = parse_verifier_key(SPEC_VKEY)
    with pytest.raises(UnverifiedNoteError, match="does not verify"):
        open_note(SPEC_NOTE.replace("example", "exemple", 1), [verifier])


def test_sign_and_open_round_trip_with_unknown_signatures_ignored(log_signer):
    other = Signer.generate("someone.else/key")
    note = sign_note("line one\n\nline three\n", [other, log_signer])
    text, names = open_note(note, [log_signer.verifier])
    assert text == "line one\n\nline three\n"
    assert names == [log_signer.name]


def test_same_name_different_key_is_ignored_not_trusted(log_signer):
    impostor = Signer.generate(log_signer.name)
    with pytest.raises(UnverifiedNoteError, match="no signature from a trusted key"):
        open_note(sign_note("x\n", impostor), [log_signer.verifier])


def test_a_failing_signature_from_a_known_key_rejects_the_whole_note(log_signer):
    good = sign_note("x\n", log_signer)
    forged = good.replace("x\n\n", "y\n\n", 1)
    second = Signer.generate("b.test/k")
    both = add_signature_lines(forged, [second.signature_line("y\n")])
    with pytest.raises(UnverifiedNoteError, match=log_signer.name):
        open_note(both, [log_signer.verifier, second.verifier])


def test_key_ids_follow_the_spec(log_signer):
    import hashlib

    expected = hashlib.sha256(log_signer.name.encode() + b"\n\x01" + log_signer.public_key).digest()[:4]
    assert log_signer.key_id == expected == compute_key_id(log_signer.name, 1, log_signer.public_key)
    assert log_signer.vkey.startswith(f"{log_signer.name}+{expected.hex()}+A")
    assert parse_signer_key(log_signer.skey).vkey == log_signer.vkey
    assert log_signer.skey.startswith("PRIVATE+KEY+")


def test_cosignatures_are_timestamped_and_bound_to_the_checkpoint(witness_signers):
    w = witness_signers[0]
    body = "origin.test\n3\n" + "A" * 43 + "=\n"
    line = w.signature_line(body, timestamp=1_679_315_147)
    sig = parse_note(body + "\n" + line).signatures[0]
    assert len(sig.signature) == 72
    assert CosignatureVerifier.timestamp(sig.signature) == 1_679_315_147
    vkey = w.vkey
    assert vkey.split("+")[2].startswith("B")  # type byte 0x04
    verifier = parse_verifier_key(vkey)
    assert isinstance(verifier, CosignatureVerifier)
    assert verify_note(body + "\n" + line, [verifier]).verified_names == [w.name]
    # the same Ed25519 key as a plain note key has another key id, so it cannot be confused
    assert Verifier(w.name, w.public_key).key_id != verifier.key_id
    with pytest.raises(UnverifiedNoteError):
        verify_note(body.replace("3", "4") + "\n" + line, [verifier])


def test_a_cosigner_refuses_a_zero_timestamp(witness_signers):
    with pytest.raises(NoteError, match="timestamp"):
        witness_signers[0].sign_at(b"x\n", 0)


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("no newline", "does not end with a newline"),
        ("text\n— a AAAAAAAA\n", "no blank line"),
        ("text\n\n", "no signature lines"),
        ("text\n\n- a AAAAAAAA\n", "em dash"),
        ("text\n\n— a\n", "no space"),
        ("text\n\n— a+b AAAAAAAA\n", "plus sign"),
        ("text\n\n—  AAAAAAAA\n", "key name is empty"),
        ("text\n\n— a AAAA\n", "too short"),
        ("text\n\n— a AAAAAAB=\n", "canonical"),
        ("text\n\n— a AAAAAAAA \n", "base64"),
        ("te\txt\n\n— a AAAAAAAA\n", "control character"),
        ("text\r\n\n— a AAAAAAAA\n", "control character"),
    ],
)
def test_malformed_notes_are_rejected_with_a_precise_message(note, message):
    with pytest.raises(NoteError, match=message):
        parse_note(note)


def test_invalid_utf8_and_too_many_signatures_are_rejected(log_signer):
    with pytest.raises(NoteError, match="UTF-8"):
        parse_note(b"\xff\n\n")
    many = sign_note("x\n", [log_signer] * 101)
    with pytest.raises(NoteError, match="more than the limit"):
        parse_note(many)
    assert len(parse_note(sign_note("x\n", [log_signer] * 16)).signatures) == 16


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        ("a+530d903a", "3 parts"),
        ("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "hex"),
        ("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "declares key id"),
        # the spec key relabelled as a cosignature key keeps its old key id, which no longer matches
        ("example.com/foo+530d903a+" + base64.b64encode(b"\x04" + SPEC_PUBLIC_KEY).decode(), "declares key id"),
        ("example.com/foo+530d903a+CekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "unsupported"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", "base64"),
        ("example.com/foo+530d903a+AQ==", "expected 32"),
    ],
)
def test_malformed_verifier_keys_are_rejected(vkey, message):
    with pytest.raises(NoteError, match=message):
        parse_verifier_key(vkey)


def test_key_types_are_not_interchangeable(log_signer, witness_signers):
    with pytest.raises(NoteError, match="signature type"):
        CosignatureVerifier.from_vkey(log_signer.vkey)
    with pytest.raises(NoteError, match="signature type"):
        Verifier.from_vkey(witness_signers[0].vkey)
    with pytest.raises(NoteError, match="signature type"):
        CosignatureSigner.from_skey(log_signer.skey)


_note_chars = st.sampled_from(["a", "b", " ", "\n", "—", "+", "=", "/", "A", "0", "\t", "é", "\x00"])


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(st.text(_note_chars, max_size=80), st.binary(max_size=80)))
def test_fuzzed_notes_raise_only_note_error(data):
    try:
        note = parse_note(data)
    except NoteError:
        return
    assert parse_note(note.format()) == note


@settings(max_examples=200, deadline=None, database=None)
@given(st.data())
def test_mutated_signed_notes_never_verify_or_crash(data):
    log_signer = Signer(ORIGIN, LOG_SEED)
    note = sign_note("origin\n1\nabc\n", log_signer)
    pos = data.draw(st.integers(0, len(note) - 1))
    char = data.draw(st.sampled_from(["a", "\n", " ", "—", "+", "", "Z"]))
    mutated = note[:pos] + char + note[pos + 1 :]
    if mutated == note:
        return
    with pytest.raises(NoteError):
        open_note(mutated, [log_signer.verifier])


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(st.sampled_from("ab+/=0123456789fPRIVATEKY AB"), max_size=70))
def test_fuzzed_keys_raise_only_note_error(text):
    for parse in (parse_verifier_key, parse_signer_key):
        with contextlib.suppress(NoteError):
            parse(text)


@settings(max_examples=200, deadline=None, database=None)
@given(st.binary(max_size=100))
def test_fuzzed_cosignatures_from_a_known_witness_never_verify(sig):
    witness = CosignatureSigner("w.test", b"\x05" * 32)
    body = "origin.test\n1\n" + "A" * 43 + "=\n"
    line = NoteSignature(witness.name, witness.key_id, sig).line()
    with pytest.raises(NoteError):  # malformed (empty) or failing: never accepted, never another error
        verify_note(body + "\n" + line, [witness.verifier])
