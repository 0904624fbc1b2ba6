"""The agent as a separate process filing and sending complaints until it is killed (for the kill test).

Usage: python terminal_kill_child.py STATE_DIR. Prints "filed <locator>" once file_complaint has
returned, that is once the complaint is durably in the outbox.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from terminal_support import FORM, NOW, fast_derive

from custodywatch_terminal.agent import Agent


def main() -> None:
    agent = Agent(Path(sys.argv[1]), clock=lambda: NOW, derive=fast_derive)
    i = 0
    while True:
        filed = agent.file_complaint({**FORM, "text": f"complaint {i}"})
        print("filed", filed.receipt.locator, flush=True)
        if i % 2:
            agent.sender.tick()
        i += 1


if __name__ == "__main__":
    main()
