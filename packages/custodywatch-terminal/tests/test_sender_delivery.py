"""The sender: only verified acknowledgements count, lost answers are re-sent idempotently,
routing lists are taken only when signed, current and newer, and real HTTP works the same."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from terminal_fake_server import FakeServer, serve_http
from terminal_support import FORM, ISSUED, NOW, Bodies, fast_derive, make_terminal, open_agent

from custodywatch_protocol import terminal as p
from custodywatch_protocol.routing import RoutingError, sign_routing_list
from custodywatch_terminal.agent import Agent, FollowUpError, State
from custodywatch_terminal.sender import Outcome
from custodywatch_terminal.transport import HttpTransport, TransportDown


@pytest.fixture(scope="module")
def bodies():
    return Bodies.generate()


@pytest.fixture
def server(bodies):
    return FakeServer(bodies.routing_list())


@pytest.fixture
def agent(tmp_path, server, bodies):
    make_terminal(tmp_path / "t", server, bodies)
    agent, _ = open_agent(tmp_path / "t", server)
    yield agent
    agent.close()


def test_an_acknowledgement_signed_with_another_key_is_not_taken(agent, server):
    genuine = server.ack_key
    server.ack_key = Ed25519PrivateKey.generate()  # a server impersonated by the facility's network
    agent.file_complaint(FORM)
    assert agent.sender.tick() is Outcome.BAD_ANSWER
    assert agent.outbox.pending_count("complaint") == 1
    server.ack_key = genuine
    assert agent.sender.tick() is Outcome.DELIVERED  # the real server re-acknowledges the same record
    assert agent.outbox.pending() == []
    assert server.tree.size == 1


class LyingServer(FakeServer):
    """Signs acknowledgements whose inclusion proof does not lead to the root it names."""

    lie = True

    def _proof(self, state, record):
        proof = super()._proof(state, record)
        if not self.lie:
            return proof
        return p.LedgerProof(proof.index, proof.size, bytes(32), proof.proof, proof.entry, proof.salt)


def test_an_acknowledgement_whose_proof_fails_keeps_the_complaint(tmp_path, bodies):
    server = LyingServer(bodies.routing_list())
    make_terminal(tmp_path / "t", server, bodies)
    agent, _ = open_agent(tmp_path / "t", server)
    try:
        filed = agent.file_complaint(FORM)
        assert agent.sender.tick() is Outcome.BAD_ANSWER
        assert agent.receipt_status(filed).ledger_index is None
        server.lie = False
        assert agent.sender.tick() is Outcome.DELIVERED
        assert agent.receipt_status(filed).ledger_index == 0
    finally:
        agent.close()


def test_a_lost_answer_means_the_same_record_again_and_one_complaint_on_the_server(tmp_path, server, bodies):
    make_terminal(tmp_path / "t", server, bodies)
    agent, transport = open_agent(tmp_path / "t", server)
    answered = []

    def drop_first_answer(packet: bytes) -> bytes:
        answer = server.handle(packet)
        if not answered:
            answered.append(answer)
            raise TransportDown("the answer was lost")
        return answer
    transport.handler = drop_first_answer
    try:
        filed = agent.file_complaint(FORM)
        assert agent.sender.tick() is Outcome.DOWN
        assert len(server.complaints) == 1  # the server has it; the terminal does not know yet
        assert agent.sender.tick() is Outcome.DELIVERED
        assert agent.receipt_status(filed).ledger_index == 0
        assert (len(server.complaints), server.tree.size) == (1, 1)
    finally:
        agent.close()


def test_routing_lists_from_the_server_are_taken_only_if_signed_current_and_newer(agent, server, bodies):
    server.routing = bodies.routing_list(version=3)
    agent.sender.tick()
    assert agent.status().routing_version == 3
    server.routing = bodies.routing_list(version=2)  # a rollback
    agent.sender.tick()
    assert agent.status().routing_version == 3
    assert "rolled back" in str(agent.routing.last_refusal)
    stranger = Bodies.generate()
    server.routing = stranger.routing_list(version=9)  # signed by someone else
    agent.sender.tick()
    assert agent.status().routing_version == 3
    assert agent.routing.last_refusal.field == "signature"
    server.routing = bodies.routing_list(version=10, issued=ISSUED - timedelta(days=90), days=30)  # expired
    agent.sender.tick()
    assert agent.routing.last_refusal.field == "expires_at"
    with pytest.raises(RoutingError, match="not signed"):
        agent.routing.offer(bodies.routing_list(version=11).body, b"")
    assert agent.status().routing_version == 3


def test_a_held_list_that_expires_still_seals_and_says_so(tmp_path, server, bodies):
    make_terminal(tmp_path / "t", server, bodies)
    agent, _ = open_agent(tmp_path / "t", server, clock=lambda: ISSUED + timedelta(days=61))
    server.routing = None  # the network keeps the new list away
    try:
        agent.file_complaint(FORM)
        assert agent.status().routing_expired
    finally:
        agent.close()


def test_a_routing_list_edited_on_the_disk_is_not_used(agent, bodies):
    forged = sign_routing_list(Ed25519PrivateKey.generate(), version=99, issued_at=ISSUED,
                               expires_at=ISSUED + timedelta(days=30), recipients=bodies.routing_list().recipients,
                               recovery=str(bodies.recovery.to_public()))
    agent.outbox.set_state("routing_list", (
        '{"body": "%s", "sig": "%s"}' % (forged.body.hex(), forged.signature.hex())).encode())  # noqa: UP031
    with pytest.raises(RoutingError):
        agent.file_complaint(FORM)


@pytest.fixture
def http_server(server):
    with serve_http(server) as url:
        yield url


def test_over_real_http_on_a_running_schedule(tmp_path, server, bodies, http_server):
    make_terminal(tmp_path / "t", server, bodies, server_url=http_server, schedule_seconds=0.01)
    agent = Agent(tmp_path / "t", clock=lambda: NOW, derive=fast_derive, wait_seconds=20)
    try:
        agent.start()  # the schedule runs in its thread; follow_up waits for its answers
        filed = agent.file_complaint(FORM)
        # the lookups wait behind the complaint in the chain: when they are answered, it is delivered
        assert agent.follow_up(filed.receipt.digits).entries == ()
        assert agent.receipt_status(filed).delivered
        server.reply(filed.receipt.locator, "Ответ")
        assert [i.text for i in agent.follow_up(filed.receipt.digits).entries] == ["Ответ"]
        assert agent.status().state is State.DELIVERED
    finally:
        agent.close()


def test_no_server_listening_is_a_network_outage():
    with pytest.raises(TransportDown):
        HttpTransport("http://127.0.0.1:9", timeout=2).exchange(b"x" * p.PACKET_SIZE)


def test_a_refused_complaint_stays_and_status_says_why_even_in_another_process(tmp_path, server, bodies):
    make_terminal(tmp_path / "t", server, bodies)
    agent, _ = open_agent(tmp_path / "t", server)
    try:
        filed = agent.file_complaint(FORM)
        server.complaints[filed.receipt.locator] = object()  # the locator is already taken on the server
        assert agent.sender.tick() is Outcome.REFUSED
        assert agent.outbox.pending_count("complaint") == 1
    finally:
        agent.close()
    other, _ = open_agent(tmp_path / "t", server)  # as `custodywatch-terminal status` sees it
    try:
        status = other.status()
        assert (status.refused["code"], status.refused["seq"]) == ("locator_taken", "1")
        assert status.last_contact is not None
    finally:
        other.close()


# A full-size answer (16 KiB) is more than Hypothesis draws byte by byte: it comes from a drawn seed.
FULL_SIZE = st.integers(min_value=0, max_value=2**64 - 1).map(
    lambda seed: random.Random(seed).randbytes(p.RESPONSE_SIZE))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=st.one_of(st.binary(max_size=64), FULL_SIZE))
def test_a_hostile_answer_changes_nothing(agent, answer):
    if agent.outbox.pending_count("complaint") == 0:
        agent.file_complaint(FORM)
    before = agent.outbox.pending()
    agent.sender.transport.handler = lambda packet: answer
    assert agent.sender.tick() is Outcome.BAD_ANSWER
    assert agent.outbox.pending() == before


def test_a_follow_up_while_the_network_is_cut_says_so_at_once(tmp_path, server, bodies):
    make_terminal(tmp_path / "t", server, bodies, schedule_seconds=0.01)
    agent, transport = open_agent(tmp_path / "t", server)
    agent.wait_seconds = 600  # were it to wait for the timeout, the test would hang
    try:
        filed = agent.file_complaint(FORM)
        transport.down = True
        agent.start()
        with pytest.raises(FollowUpError) as caught:
            agent.follow_up(filed.receipt.digits)
        assert caught.value.code == "no_answer"
        assert agent.status().state is State.WAITING_FOR_NETWORK
    finally:
        agent.close()


def test_a_taken_locator_is_drawn_again_and_the_chain_signed_again(tmp_path, server, bodies):
    make_terminal(tmp_path / "t", server, bodies)
    agent, _ = open_agent(tmp_path / "t", server)
    try:
        filed = agent.file_complaint(FORM)
        agent.sender.append("heartbeat", at="2026-11-04T00:00:00Z", queued=1)  # a record after it
        taken = filed.receipt.locator
        server.complaints[taken] = object()  # another terminal's complaint holds that locator
        assert agent.sender.tick() is Outcome.REFUSED
        assert agent.sender.tick() is Outcome.DELIVERED
        assert agent.sender.tick() is Outcome.DELIVERED  # the heartbeat, chained to the new signature
        corrected = agent.receipt_status(filed)
        assert corrected.receipt.locator != taken
        assert corrected.receipt.secret == filed.receipt.secret
        assert corrected.delivered
        assert [r["code"] for r in server.refusals] == ["locator_taken"]
        server.reply(corrected.receipt.locator, "Принято.")
        assert [e.text for e in agent.follow_up(corrected.receipt.digits).entries] == ["Принято."]
    finally:
        agent.close()


def test_the_last_contact_is_kept_for_other_processes_about_once_a_minute(tmp_path, server, bodies):
    make_terminal(tmp_path / "t", server, bodies)
    now = [NOW]
    agent, _ = open_agent(tmp_path / "t", server, clock=lambda: now[0])
    try:
        agent.sender.tick()
        now[0] = NOW + timedelta(seconds=30)
        agent.sender.tick()
        assert agent.sender.saved_contact() == NOW  # not written on every tick
        now[0] = NOW + timedelta(seconds=61)
        agent.sender.tick()
        assert agent.sender.saved_contact() == NOW + timedelta(seconds=61)
    finally:
        agent.close()


class FakeTime:
    """A monotonic clock that moves only when the schedule waits or a packet takes time."""

    def __init__(self, ticks: int) -> None:
        self.now = 1000.0
        self.left = ticks
        self.started: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def is_set(self) -> bool:
        return self.left <= 0

    def wait(self, timeout: float) -> bool:
        self.now += timeout
        return False


def test_packets_go_out_on_a_fixed_grid_whatever_the_answer_time(tmp_path, server, bodies):
    make_terminal(tmp_path / "t", server, bodies, schedule_seconds=10)
    agent, transport = open_agent(tmp_path / "t", server)
    clock = FakeTime(ticks=8)
    delays = iter([0.2, 3.0, 9.5, 0.1, 27.0, 0.4, 0.0, 1.0])  # one answer takes almost three ticks

    def slow(packet: bytes) -> bytes:
        clock.started.append(clock.now)
        clock.left -= 1
        clock.now += next(delays)
        return server.handle(packet)
    transport.handler = slow
    try:
        agent.sender.run(clock, monotonic=clock.monotonic)
    finally:
        agent.close()
    offsets = [round(t - 1000.0, 6) for t in clock.started]
    # On the 10-second grid; the ticks the 27-second answer covered are skipped, not sent in a burst.
    assert offsets == [0, 10, 20, 30, 40, 70, 80, 90]
    assert {len(x) for x in transport.sent} == {p.PACKET_SIZE}
