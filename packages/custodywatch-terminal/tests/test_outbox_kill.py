"""SIGKILL the agent while it files and sends: after a restart nothing is lost and nothing doubled."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from terminal_fake_server import FakeServer, serve_http
from terminal_support import Bodies, make_terminal, open_agent

from custodywatch_terminal.sender import Outcome

CHILD = Path(__file__).with_name("terminal_kill_child.py")


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_an_agent_killed_mid_write_loses_and_doubles_nothing(tmp_path):
    bodies = Bodies.generate()
    server = FakeServer(bodies.routing_list())
    state = tmp_path / "terminal"
    filed: list[str] = []
    with serve_http(server) as url:
        make_terminal(state, server, bodies, server_url=url)
        for round_ in range(3):  # killed three times, at a different point each time
            child = subprocess.Popen([sys.executable, str(CHILD), str(state)], stdout=subprocess.PIPE,  # noqa: S603
                                     stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
            stop_after = random.randint(8, 25)
            for line in child.stdout:
                filed.append(line.split()[1].decode())
                stop_after -= 1
                if stop_after == 0:
                    break
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
            child.stdout.close()
            assert child.returncode == -signal.SIGKILL, f"round {round_}: the child ended on its own"

    agent, _ = open_agent(state, server)
    try:
        assert agent.outbox.integrity() == []
        for _ in range(len(filed) + 20):
            if agent.sender.tick() is not Outcome.DELIVERED:
                break
            if agent.outbox.pending_count() == 0:
                break
        assert agent.outbox.pending() == []
    finally:
        agent.close()
    # Every complaint a child was told was filed arrived, each exactly once, in one unbroken chain.
    assert set(filed) <= set(server.complaints)
    assert len(filed) == len(set(filed))
    assert server.tree.size == len(server.complaints)
    assert [r for r in server.refusals if r["code"] in ("fork", "gap", "chain")] == []
    (terminal,) = server.terminals.values()
    assert sorted(terminal.records) == list(range(1, terminal.last_seq + 1))
