"""The agent as the kiosk uses it: file, get the receipt and its ledger index, follow up, add a message."""

from __future__ import annotations

import pytest
from terminal_fake_server import FakeServer
from terminal_support import FORM, Bodies, make_terminal, open_agent

from custodywatch_protocol import terminal as p
from custodywatch_terminal import receipts
from custodywatch_terminal.agent import FollowUpError, NotReady, State
from custodywatch_terminal.receipts import Receipt, parse
from custodywatch_terminal.sealing import Complaint, Message, PlaintextError, open_sealed
from custodywatch_terminal.sender import Outcome


@pytest.fixture(scope="module")
def bodies():
    return Bodies.generate()


@pytest.fixture
def server(bodies):
    return FakeServer(bodies.routing_list())


@pytest.fixture
def terminal(tmp_path, server, bodies):
    make_terminal(tmp_path / "t1", server, bodies)
    agent, transport = open_agent(tmp_path / "t1", server)
    yield agent, transport
    agent.close()


def test_a_complaint_is_sealed_stored_delivered_and_its_receipt_gets_a_ledger_index(terminal, server, bodies):
    agent, transport = terminal
    filed = agent.file_complaint(FORM)
    assert filed.ledger_index is None
    assert agent.status().state is State.WAITING_FOR_NETWORK  # nothing has been sent yet
    assert agent.sender.tick() is Outcome.DELIVERED
    filed = agent.receipt_status(filed)
    assert filed.delivered
    assert agent.status().state is State.DELIVERED
    assert agent.status().delivered == {filed.receipt.locator: filed.ledger_index}
    stored = server.complaints[filed.receipt.locator]
    assert server.tree.size == 1
    assert filed.ledger_index == 0
    assert stored.record["recipients"] == ["npm-kz"]
    assert stored.record["priority"] == "standard"
    complaint = open_sealed(stored.sealed, [bodies.npm])
    assert isinstance(complaint, Complaint)
    assert complaint.text == FORM["text"]
    open_sealed(stored.sealed, [bodies.recovery])
    with pytest.raises(PlaintextError):
        open_sealed(stored.sealed, [bodies.prosecutor])
    assert {len(packet) for packet in transport.sent} == {p.PACKET_SIZE}


def test_nothing_readable_reaches_the_terminals_disk_and_nothing_delivered_stays(terminal, tmp_path):
    agent, _ = terminal
    canary = "CANARY-7f3a9 надзиратель Серик бил меня"
    filed = agent.file_complaint({**FORM, "text": canary, "anonymous": False, "name": "Ерлан Канарейкин"})

    def disk() -> bytes:
        return b"".join(f.read_bytes() for f in (tmp_path / "t1").iterdir())
    assert filed.receipt.locator.encode() in disk()  # the waiting record names its locator
    for secret in (canary, "CANARY", "Канарейкин", filed.receipt.secret, filed.receipt.digits):
        assert secret.encode() not in disk()
    agent.sender.tick()
    agent.sender.tick()  # a heartbeat after it
    # Delivered, the complaint leaves no trace: not its record, not its number, not its locator.
    assert agent.outbox.pending() == []
    assert [s.kind for s in map(agent.outbox.get, range(1, 3)) if s] == ["heartbeat"]
    assert filed.receipt.locator.encode() not in disk()


def test_complaints_filed_while_the_network_is_cut_are_delivered_when_it_returns(terminal, server):
    agent, transport = terminal
    transport.down = True
    filed = [agent.file_complaint({**FORM, "text": f"жалоба {i}"}) for i in range(3)]
    for _ in range(5):
        assert agent.sender.tick() is Outcome.DOWN
    status = agent.status()
    assert (status.state, status.waiting) == (State.WAITING_FOR_NETWORK, 3)
    assert agent.outbox.pending_count("heartbeat") == 0  # no heartbeats pile up behind a cut
    transport.down = False
    assert [agent.sender.tick() for _ in range(3)] == [Outcome.DELIVERED] * 3
    assert sorted(server.complaints) == sorted(f.receipt.locator for f in filed)
    assert [agent.receipt_status(f).ledger_index for f in filed] == [0, 1, 2]
    assert agent.sender.tick() is Outcome.DELIVERED  # then a heartbeat, as on any idle tick
    assert agent.outbox.pending() == []


def test_the_complainant_reads_the_reply_and_adds_a_message_with_the_code(terminal, server, bodies):
    agent, _ = terminal
    filed = agent.file_complaint({**FORM, "category": "torture"})
    agent.sender.tick()
    server.reply(filed.receipt.locator, "Мы приедем в колонию в четверг.")
    thread = agent.follow_up(filed.receipt.grouped)
    assert thread.status == "received"
    assert thread.ledger_index == agent.receipt_status(filed).ledger_index == 0
    assert [(i.kind, i.text, i.by_organisation) for i in thread.entries] == [
        ("reply", "Мы приедем в колонию в четверг.", "npm-kz")]
    seq = agent.add_message(filed.receipt.digits, text="Спасибо, жду.")
    assert agent.sender.wait_for(seq, timeout=10).message == {"status": "ok"}
    (locator, sealed), = server.messages
    assert locator == filed.receipt.locator
    for key in (bodies.npm, bodies.prosecutor, bodies.recovery):
        assert open_sealed(sealed, [key]) == Message(text="Спасибо, жду.", filed_at=agent.clock())
    thread = agent.follow_up(filed.receipt.digits)
    assert [(i.kind, i.readable) for i in thread.entries] == [("reply", True), ("message", False)]
    assert thread.entries[1].text == ""  # the complainant's own message is sealed to the bodies


def test_a_wrong_code_reads_nothing(terminal):
    agent, _ = terminal
    filed = agent.file_complaint(FORM)
    agent.sender.tick()
    secret = "0" * 12 if filed.receipt.secret != "0" * 12 else "1" * 12
    wrong = Receipt(filed.receipt.locator, secret)
    assert parse(wrong.digits) == wrong  # a well-formed code, just not this complaint's
    with pytest.raises(FollowUpError) as caught:
        agent.follow_up(wrong.digits)
    assert caught.value.code == "unknown"


def test_a_bad_form_is_refused_naming_the_field_and_stores_nothing(terminal):
    agent, _ = terminal
    with pytest.raises(PlaintextError) as caught:
        agent.file_complaint({**FORM, "text": "x" * 10_001})
    assert caught.value.field == "text"
    with pytest.raises(PlaintextError) as caught:
        agent.file_complaint({**FORM, "mood": "bad"})
    assert caught.value.field == "mood"
    assert agent.outbox.head() == (0, None)


def test_a_voice_recording_travels_in_chunks_of_the_same_packet_size(terminal, server, bodies):
    agent, transport = terminal
    voice = bytes(range(256)) * 400  # 100 KiB: the 256 KiB bucket, 22 chunks
    filed = agent.file_complaint({**FORM, "text": "", "voice": voice})
    outcomes = [agent.sender.tick() for _ in range(30)]
    assert outcomes.index(Outcome.DELIVERED) == 22  # 22 chunks, then the record
    complaint = open_sealed(server.complaints[filed.receipt.locator].sealed, [bodies.npm])
    assert complaint.voice == voice
    assert {len(packet) for packet in transport.sent} == {p.PACKET_SIZE}


def test_a_terminal_without_a_routing_list_takes_the_first_from_the_server(tmp_path, server, bodies):
    make_terminal(tmp_path / "t2", server, bodies, with_routing=False)
    agent, _ = open_agent(tmp_path / "t2", server)
    try:
        assert agent.status().state is State.NOT_READY
        with pytest.raises(NotReady):
            agent.file_complaint(FORM)
        agent.sender.tick()  # a heartbeat; the answer carries the routing list
        assert agent.status().routing_version == 1
        agent.file_complaint(FORM)
    finally:
        agent.close()


def test_minors_and_childrens_facilities_go_to_the_childrens_commissioner(tmp_path, server, bodies):
    make_terminal(tmp_path / "school", server, bodies, holds_children=True)
    agent, _ = open_agent(tmp_path / "school", server)
    try:
        filed = agent.file_complaint(FORM)
        agent.sender.tick()
        assert server.complaints[filed.receipt.locator].record["recipients"] == ["npm-kz", "ombudsman-kz"]
    finally:
        agent.close()


def test_with_the_real_argon2id_parameters_the_code_still_opens_the_thread(tmp_path, server, bodies):
    """The one agent test that pays for the OWASP-strength derivation (the default)."""
    make_terminal(tmp_path / "real", server, bodies)
    agent, _ = open_agent(tmp_path / "real", server)
    agent.derive = receipts.derive
    try:
        filed = agent.file_complaint(FORM)
        agent.sender.tick()
        server.reply(filed.receipt.locator, "Получено.")
        assert [e.text for e in agent.follow_up(filed.receipt.digits).entries] == ["Получено."]
        digest = server.complaints[filed.receipt.locator].record["lookup_digest"]
        salt = bytes.fromhex(server.complaints[filed.receipt.locator].record["lookup_salt"])
        assert receipts.derive(filed.receipt.secret, salt).lookup_digest == digest
    finally:
        agent.close()
