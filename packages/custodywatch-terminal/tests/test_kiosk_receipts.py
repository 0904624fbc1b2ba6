"""Receipt codes: the Damm check digit, grouping, parsing as typed, and the Argon2id derivation."""

from __future__ import annotations

import hashlib
import random

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from custodywatch_terminal import receipts
from custodywatch_terminal.receipts import Receipt, ReceiptError, damm_digit, derive, parse

KNOWN_TOKEN = "57e281ff6ebb95316010bcd90f4672beebee2c548f02471157ded214b0169180"
KNOWN_RECIPIENT = "age12ck4tlrv7a6yjmxp7akhefaxcrc77v9tkeme22kud43hfadk5yns785ym2"

SAMPLE = [receipts.new_receipt() for _ in range(40)] + [Receipt("00000000", "000000000000"),
                                                       Receipt("99999999", "999999999999")]


def test_codes_are_shown_in_groups_of_four_with_the_check_digit_last():
    receipt = Receipt("12345678", "901234567890")
    assert receipt.digits == "12345678901234567890" + damm_digit("12345678901234567890")
    assert receipt.grouped == "1234 5678 9012 3456 7890 " + receipt.digits[-1]
    assert parse(receipt.grouped) == receipt


def test_damm_matches_the_published_example():
    assert damm_digit("572") == "4"  # Damm's worked example (Wikipedia, "Damm algorithm")


def test_every_single_digit_error_is_caught():
    for receipt in SAMPLE:
        code = receipt.digits
        for i, original in enumerate(code):
            for wrong in "0123456789":
                if wrong == original:
                    continue
                with pytest.raises(ReceiptError) as caught:
                    parse(code[:i] + wrong + code[i + 1:])
                assert caught.value.reason == "check"


def test_every_adjacent_transposition_is_caught():
    swaps = 0
    for receipt in SAMPLE:
        code = receipt.digits
        for i in range(len(code) - 1):
            if code[i] == code[i + 1]:
                continue
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            with pytest.raises(ReceiptError) as caught:
                parse(swapped)
            assert caught.value.reason == "check"
            swaps += 1
    assert swaps > 500


def test_parsing_says_precisely_what_is_wrong():
    code = receipts.new_receipt().digits
    with pytest.raises(ReceiptError, match=r"character 6 \('x'\) is not a digit") as bad:
        parse(code[:5] + "x" + code[5:])
    assert (bad.value.reason, bad.value.position, bad.value.character) == ("character", 6, "x")
    with pytest.raises(ReceiptError, match="has 20 digits; a receipt code has 21") as short:
        parse(code[:-1])
    assert short.value.count == 20
    with pytest.raises(ReceiptError) as empty:
        parse(" - ")
    assert empty.value.reason == "empty"
    # Arabic-Indic and full-width digits are not taken for ASCII ones
    with pytest.raises(ReceiptError) as other:
        parse(code[:-1] + "\u0663")
    assert other.value.reason == "character"


@given(st.sampled_from(SAMPLE), st.lists(st.sampled_from([" ", "-", "\u00a0", "  ", "\u2013"]), max_size=21))
@settings(max_examples=200, deadline=None)
def test_spaces_and_dashes_anywhere_are_tolerated(receipt, separators):
    code = receipt.digits
    typed = "".join(ch + (separators[i] if i < len(separators) else "") for i, ch in enumerate(code))
    assert parse(typed) == receipt


@given(st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_any_text_is_either_a_receipt_or_a_precise_error(text):
    outcome: Receipt | ReceiptError
    try:
        outcome = parse(text)
    except ReceiptError as error:
        outcome = error
    if isinstance(outcome, ReceiptError):
        assert outcome.reason in {"empty", "character", "length", "check"}
        assert str(outcome)
    else:
        assert parse(outcome.digits) == outcome


def test_the_secret_is_not_in_the_representation():
    receipt = Receipt("12345678", "901234567890")
    assert "901234567890" not in repr(receipt)
    assert "901234567890" not in str(receipt)


def test_derivation_uses_owasp_argon2id_and_separates_token_and_identity():
    assert receipts.ARGON2_MEMORY_KIB >= 19 * 1024
    assert receipts.ARGON2_TIME_COST >= 2
    salt = bytes(range(16))
    first = derive("901234567890", salt)
    assert len(first.lookup_token) == 32
    assert derive("901234567890", salt).lookup_token == first.lookup_token
    assert derive("901234567890", bytes(16)).lookup_token != first.lookup_token
    assert derive("901234567891", salt).lookup_token != first.lookup_token
    assert first.lookup_digest == hashlib.sha256(first.lookup_token).hexdigest()
    # a fixed vector: the relatives' browser form must derive exactly these
    assert first.lookup_token.hex() == KNOWN_TOKEN
    assert first.reply_recipient == KNOWN_RECIPIENT
    # the same derivation, computed independently, gives the same bytes
    from argon2.low_level import Type, hash_secret_raw
    raw = hash_secret_raw(b"901234567890", salt, time_cost=2, memory_cost=19456, parallelism=1,
                          hash_len=64, type=Type.ID)
    assert raw[:32] == first.lookup_token
    assert first.reply_recipient == _age_recipient(raw[32:])


def test_the_reply_identity_is_a_working_age_identity():
    derived = derive("000000000001", bytes(16))
    identity_text = str(derived.reply_identity)
    assert identity_text.startswith("AGE-SECRET-KEY-1")
    assert str(pyrage.x25519.Identity.from_str(identity_text)) == identity_text
    recipient = pyrage.x25519.Recipient.from_str(derived.reply_recipient)
    sealed = pyrage.encrypt(b"reply", [recipient])
    assert pyrage.decrypt(sealed, [derived.reply_identity]) == b"reply"


def test_identities_built_from_random_scalars_match_an_independent_x25519():
    rng = random.Random(8)
    for _ in range(20):
        scalar = rng.randbytes(32)
        identity = receipts.x25519_identity(scalar)
        assert str(identity.to_public()) == _age_recipient(scalar)


def _age_recipient(scalar: bytes) -> str:
    public = X25519PrivateKey.from_private_bytes(scalar).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return receipts.bech32_encode("age", public)
