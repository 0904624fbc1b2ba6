"""The kiosk served in a thread in front of a real terminal agent, which talks to the fake server
in memory (the schedule does not run by itself: a test ticks it when it wants a delivery)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from terminal_fake_server import FakeServer
from terminal_support import Bodies, make_terminal, open_agent

from custodywatch_terminal.agent import Agent
from custodywatch_terminal.kiosk.server import KioskServer, Settings
from custodywatch_terminal.sealing import Complaint, open_sealed


@dataclass
class Kiosk:
    url: str
    server: KioskServer
    agent: Agent
    fake: FakeServer
    bodies: Bodies

    def filed(self) -> list[Complaint]:
        """The complaints the server received, opened with the NPM's key (what an officer reads)."""
        return [open_sealed(c.sealed, [self.bodies.npm]) for c in self.fake.complaints.values()]

    def deliver(self) -> None:
        """Ticks of the terminal's schedule until nothing waits (a recording travels in chunks)."""
        for _ in range(100):
            if not self.agent.outbox.pending(limit=1):
                return
            self.agent.sender.tick()
        raise AssertionError("the outbox did not empty")


def run_kiosk(state_dir: Path, *, idle_seconds: int = 90) -> Iterator[Kiosk]:
    bodies = Bodies.generate()
    fake = FakeServer(bodies.routing_list())
    make_terminal(state_dir, fake, bodies)
    agent, _ = open_agent(state_dir, fake)
    server = KioskServer(agent, port=0, settings=Settings(idle_seconds=idle_seconds, warn_seconds=20))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Kiosk(f"http://127.0.0.1:{server.server_address[1]}", server, agent, fake, bodies)
    finally:
        server.shutdown()
        server.server_close()
        agent.close()
