"""Sealed packet secrets: what a terminal keeps on its disk opens only on the server, and only with
the record it was sealed for."""

from __future__ import annotations

import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from protocol_support import TERMINAL, Keys

from custodywatch_protocol import terminal as p

BLOB = b"age ciphertext of a message" * 20


@pytest.fixture(scope="module")
def keys():
    return Keys()


def _message(keys, *, seq=5, prev="a" * 64, locator="12345678", blob=BLOB):
    return p.sign_record(keys.device, kind="message", terminal=TERMINAL, seq=seq, prev=prev, locator=locator,
                         blob=p.Blob.of(blob), bucket=4096)


def _opened_secret(keys, record, secret):
    packet, _ = p.seal_packet(record, tx=9, server_key=keys.server.public_key(), transport_key=keys.transport,
                              secret=secret, data=BLOB)
    return p.open_packet(packet, server_key=keys.server).secret


def test_a_sealed_token_opens_on_the_server_as_the_token_itself(keys):
    token = secrets.token_bytes(32)
    record = _message(keys)
    sealed = p.seal_secret(token, server_key=keys.server.public_key(), record=record)
    assert len(sealed) == p.SEALED_SECRET_SIZE
    assert token not in sealed
    assert _opened_secret(keys, record, sealed) == token
    assert _opened_secret(keys, record, token) == token  # a raw token (older terminals) is as before


def test_a_sealed_token_survives_re_signing_with_another_prev(keys):
    token = secrets.token_bytes(32)
    sealed = p.seal_secret(token, server_key=keys.server.public_key(), record=_message(keys, prev="a" * 64))
    assert _opened_secret(keys, _message(keys, prev="b" * 64), sealed) == token


@pytest.mark.parametrize("other", [{"seq": 6}, {"locator": "87654321"}, {"blob": BLOB + b"!"}],
                         ids=["another-seq", "another-locator", "another-blob"])
def test_a_sealed_token_proves_nothing_with_another_record(keys, other):
    sealed = p.seal_secret(secrets.token_bytes(32), server_key=keys.server.public_key(), record=_message(keys))
    record = _message(keys, **other)
    assert p.open_secret(sealed, server_key=keys.server, record=record) == b""
    if "blob" not in other:
        assert _opened_secret(keys, record, sealed) == b""


def test_a_sealed_token_opens_only_with_the_servers_key(keys):
    record = _message(keys)
    sealed = p.seal_secret(secrets.token_bytes(32), server_key=keys.server.public_key(), record=record)
    assert p.open_secret(sealed, server_key=X25519PrivateKey.generate(), record=record) == b""


def test_only_a_lookup_token_can_be_sealed(keys):
    with pytest.raises(p.ProtocolError) as refused:
        p.seal_secret(b"short", server_key=keys.server.public_key(), record=_message(keys))
    assert refused.value.field == "secret"


@settings(max_examples=60, deadline=None)
@given(position=st.integers(0, p.SEALED_SECRET_SIZE - 1), flip=st.integers(1, 255))
def test_a_sealed_token_with_any_byte_changed_proves_nothing(keys, position, flip):
    token = secrets.token_bytes(32)
    record = _message(keys)
    sealed = bytearray(p.seal_secret(token, server_key=keys.server.public_key(), record=record))
    sealed[position] ^= flip
    assert p.open_secret(bytes(sealed), server_key=keys.server, record=record) == b""
