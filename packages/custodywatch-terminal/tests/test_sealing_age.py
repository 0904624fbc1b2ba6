"""Sealing: who may open a complaint, decided by the routing rules, and checked with Debian's `age`."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from pyrage import x25519
from terminal_support import Bodies

from custodywatch_protocol.routing import RoutingList
from custodywatch_terminal.sealing import (
    Category,
    Complaint,
    Message,
    PlaintextError,
    Priority,
    open_sealed,
    pad,
    parse_plaintext,
    priority_of,
    seal,
    seal_complaint,
)

FILED = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def bodies() -> Bodies:
    return Bodies.generate()


@pytest.fixture(scope="module")
def keys(bodies) -> dict[str, x25519.Identity]:
    return {"npm": bodies.npm, "ombudsman": bodies.ombudsman, "prosecutor": bodies.prosecutor,
            "recovery": bodies.recovery, "outsider": x25519.Identity.generate()}


@pytest.fixture(scope="module")
def routing_list(bodies) -> RoutingList:
    return bodies.routing_list()


def age_binary() -> str:
    path = shutil.which("age")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the age command is not installed; CI requires the age interoperability test")
        pytest.skip("the age command is not installed")
    return path


def age_decrypt(ciphertext: bytes, identity: x25519.Identity, tmp_path) -> subprocess.CompletedProcess[bytes]:
    key_file = tmp_path / "key.txt"
    key_file.write_text(f"# created for a test\n{identity}\n")
    key_file.chmod(0o600)
    sealed = tmp_path / "complaint.age"
    sealed.write_bytes(ciphertext)
    return subprocess.run([age_binary(), "-d", "-i", str(key_file), str(sealed)],  # noqa: S603
                          capture_output=True, timeout=30, check=False)


def complaint(**overrides) -> Complaint:
    return Complaint(**{"category": "conditions", "text": "Зимой нет отопления.", "filed_at": FILED,
                        "language": "ru", **overrides})


NPM, CHILDREN, PROSECUTOR = "npm-kz", "ombudsman-kz", "prosecutor-kz"


@pytest.mark.parametrize(("overrides", "holds_children", "organisations", "priority"), [
    ({}, False, [NPM], Priority.STANDARD),
    ({"minor": True}, False, [NPM, CHILDREN], Priority.STANDARD),
    ({}, True, [NPM, CHILDREN], Priority.STANDARD),
    ({"category": Category.TORTURE}, False, [NPM, PROSECUTOR], Priority.URGENT),
    ({"category": Category.TORTURE, "minor": True}, False, [NPM, CHILDREN, PROSECUTOR], Priority.URGENT),
    ({"urgent_danger": True}, False, [NPM], Priority.URGENT),
    ({"category": Category.REPRISAL}, False, [NPM], Priority.STANDARD),
])
def test_routing_rules(routing_list, overrides, holds_children, organisations, priority):
    c = complaint(**overrides)
    sealed = seal_complaint(c, routing=routing_list, facility_holds_children=holds_children)
    assert (list(sealed.recipients), sealed.priority, priority_of(c)) == (organisations, priority, priority)


def test_debians_age_opens_a_sealed_complaint_with_each_recipients_key(keys, routing_list, tmp_path):
    c = complaint(category="torture", minor=True, anonymous=False, name="Ерлан")
    sealed = seal_complaint(c, routing=routing_list, facility_holds_children=False)
    assert sealed.recipients == ("npm-kz", "ombudsman-kz", "prosecutor-kz")
    assert sealed.priority is Priority.URGENT
    for name in ("npm", "ombudsman", "prosecutor", "recovery"):
        done = age_decrypt(sealed.ciphertext, keys[name], tmp_path)
        assert done.returncode == 0, done.stderr
        assert parse_plaintext(done.stdout) == c
        assert len(done.stdout) == sealed.bucket == 4096


def test_a_key_that_is_not_a_recipient_cannot_open_it(keys, routing_list, tmp_path):
    sealed = seal_complaint(complaint(), routing=routing_list, facility_holds_children=False)
    assert sealed.recipients == ("npm-kz",)
    # The prosecutor is not entitled to a conditions complaint, the outsider (a facility) never.
    for name in ("prosecutor", "ombudsman", "outsider"):
        done = age_decrypt(sealed.ciphertext, keys[name], tmp_path)
        assert done.returncode != 0
        assert b"no identity matched" in done.stderr
        with pytest.raises(PlaintextError) as caught:
            open_sealed(sealed.ciphertext, [keys[name]])
        assert caught.value.code == "not_a_recipient"
    assert open_sealed(sealed.ciphertext, [keys["npm"]]) == complaint()


def test_a_complaint_sealed_with_age_is_read_by_pyrage_and_back(keys, tmp_path):
    """The other direction: what the age command seals, the terminal opens."""
    message = Message(text="Меня перевели.", filed_at=FILED)
    plain = tmp_path / "message.json"
    plain.write_bytes(pad(message.to_json()))
    out = subprocess.run([age_binary(), "-r", str(keys["npm"].to_public()), str(plain)],  # noqa: S603
                         capture_output=True, timeout=30, check=True).stdout
    assert open_sealed(out, [str(keys["npm"])]) == message


def payload(ciphertext: bytes) -> bytes:
    """The age payload after the header (whose length varies with rage's random grease stanzas)."""
    end = ciphertext.index(b"\n---")
    return ciphertext[ciphertext.index(b"\n", end + 1) + 1:]


def test_sealed_sizes_depend_only_on_the_bucket(keys):
    npm = str(keys["npm"].to_public())
    short = seal(complaint(text="a"), [npm])
    long = seal(complaint(text="b" * 3500), [npm])
    assert len(payload(short.ciphertext)) == len(payload(long.ciphertext)) == 16 + 4096 + 16
    assert len(payload(seal(complaint(text="c" * 5000), [npm]).ciphertext)) == 16 + 16384 + 16
    assert short.ciphertext != seal(complaint(text="a"), [npm]).ciphertext  # fresh file key each time


def test_a_malformed_public_key_is_refused(keys):
    with pytest.raises(PlaintextError) as caught:
        seal(complaint(), ["age1notakey"])
    assert caught.value.field == "recipients"
