"""SIGKILL the agent after it took a follow-up message and before it sent it: after a restart the
message is delivered once, to the complaint whose receipt code was typed, and the lookup token
that proves the code never lay readable on the disk."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from terminal_fake_server import FakeServer, serve_http
from terminal_support import Bodies, fast_derive, make_terminal, open_agent

from custodywatch_terminal.outbox import OUTBOX_FILE
from custodywatch_terminal.sealing import Message, open_sealed
from custodywatch_terminal.sender import Outcome
from custodywatch_terminal.transport import TransportDown

CHILD = Path(__file__).with_name("terminal_message_child.py")


def _disk(state: Path) -> bytes:
    return b"".join(p.read_bytes() for p in state.iterdir() if p.name.startswith(OUTBOX_FILE))


@pytest.mark.slow
@pytest.mark.sqlite_only
@pytest.mark.parametrize("answer_lost", [False, True], ids=["not-sent", "answer-lost"])
def test_a_message_queued_before_a_kill_is_delivered_once_to_its_complaint(tmp_path, answer_lost):
    bodies = Bodies.generate()
    server = FakeServer(bodies.routing_list())
    state = tmp_path / "terminal"
    with serve_http(server) as url:
        make_terminal(state, server, bodies, server_url=url)
        child = subprocess.Popen([sys.executable, str(CHILD), str(state)], stdout=subprocess.PIPE,  # noqa: S603
                                 stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            first = child.stdout.readline().split()
            queued = child.stdout.readline().split()
            assert queued[:1] == [b"queued"], child.stderr.read().decode()[-2000:]
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
            child.stdout.close()
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    seq, locator, code = int(queued[1]), queued[2].decode(), queued[3].decode()
    other = first[1].decode()
    assert server.messages == []  # taken, not sent

    # On the disk the message waits with its token sealed to the server: not the token, not the code.
    token = fast_derive(code[8:20], bytes.fromhex(server.complaints[locator].record["lookup_salt"])).lookup_token
    assert hashlib.sha256(token).hexdigest() == server.complaints[locator].record["lookup_digest"]
    disk = _disk(state)
    assert token not in disk
    assert token.hex().encode() not in disk
    assert code.encode() not in disk

    agent, transport = open_agent(state, server)
    try:
        (waiting,) = agent.outbox.pending()
        assert (waiting.seq, waiting.kind) == (seq, "message")
        assert waiting.secret
        if answer_lost:  # the server takes it, the answer never comes back: the agent sends it again
            handle = transport.handler

            def lose(packet: bytes) -> bytes:
                handle(packet)
                transport.handler = handle
                raise TransportDown("the answer was lost")
            transport.handler = lose
            assert agent.sender.tick() is Outcome.DOWN
            assert len(server.messages) == 1
        assert agent.sender.tick() is Outcome.DELIVERED
        ack_ledger = agent.sender.delivered[seq]
        for _ in range(3):  # heartbeats after it: nothing is sent twice
            agent.sender.tick()
        assert agent.outbox.pending() == []
        assert token not in _disk(state)
    finally:
        agent.close()

    (delivered,) = server.messages
    assert delivered[0] == locator
    assert [kind for kind, _ in server.complaints[locator].thread] == ["message"]
    assert server.complaints[other].thread == []
    message = open_sealed(delivered[1], [bodies.npm])
    assert isinstance(message, Message)
    assert message.text == "a message after the second complaint"
    assert ack_ledger is not None
    assert server.tree.size == 3
