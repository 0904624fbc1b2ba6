"""Any bytes a terminal's packet may carry after decryption: a clear refusal or a correct intake, never a 500."""

from __future__ import annotations

import hashlib
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.ingest.intake import IntakeError, receive_packet
from complaints.models import Complaint
from custodywatch_protocol import terminal as protocol

pytestmark = pytest.mark.django_db


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.integers(0, 1600), st.integers(0, 255)), min_size=1, max_size=3))
def test_a_packet_with_changed_inner_bytes_is_refused_precisely_or_taken_intact(sim, changes):
    pending = sim.complaint(b"sealed complaint " * 20)
    sim.tx += 1
    plain = bytearray(protocol._plaintext(protocol.TYPE_RECORD, sim.tx, pending.record.body, pending.record.signature,
                                          b"", pending.blob))
    for at, value in changes:
        plain[at] = value
    plain[1:9] = struct.pack(">Q", sim.tx)  # keep the counter fresh: what is tested is the content
    packet = _encrypt(sim, bytes(plain))
    answer, error = _answer(packet)
    if error is None:
        assert len(answer) == protocol.RESPONSE_SIZE
    else:
        assert error.field
        assert 400 <= error.status < 500
    for complaint in Complaint.objects.all():  # whatever was taken is exactly what was signed
        assert hashlib.sha256(bytes(complaint.sealed)).hexdigest() == complaint.sealed_sha256
    sim.pending.clear()
    sim.seq = max(sim.seq, Complaint.objects.count())


def _answer(packet: bytes) -> tuple[bytes | None, IntakeError | None]:
    try:
        return receive_packet(packet), None
    except IntakeError as exc:  # the one exception the endpoint turns into a 4xx
        return None, exc


def _encrypt(sim, plain: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    eph = X25519PrivateKey.generate()
    eph_pub, server_pub = protocol.raw_public(eph.public_key()), protocol.raw_public(sim.server_transport)
    key = protocol._hkdf(eph.exchange(sim.server_transport), eph_pub + server_pub, protocol.PACKET_INFO)
    header = protocol.PACKET_MAGIC + protocol.terminal_id_bytes(sim.terminal) + eph_pub
    return header + ChaCha20Poly1305(key).encrypt(bytes(12), plain, header)
