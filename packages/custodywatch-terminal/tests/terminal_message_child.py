"""The agent as a separate process that queues a follow-up message and is killed before sending it.

Usage: python terminal_message_child.py STATE_DIR. Files two complaints and delivers them, then
adds a message to the second with its receipt code (the lookups are answered, the message is
only queued) and prints ``queued <seq> <locator> <code>``; then it waits to be killed.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from terminal_support import FORM, NOW, fast_derive

from custodywatch_terminal.agent import Agent


def main() -> None:
    agent = Agent(Path(sys.argv[1]), clock=lambda: NOW, derive=fast_derive)
    first = agent.file_complaint({**FORM, "text": "the first complaint"})
    second = agent.file_complaint({**FORM, "text": "the second complaint"})
    while agent.outbox.pending_count():
        agent.sender.tick()
    # Its two lookups are asked and answered here; the message itself waits in the outbox.
    seq = agent.add_message(second.receipt.digits, text="a message after the second complaint")
    print("filed", first.receipt.locator, flush=True)
    print("queued", seq, second.receipt.locator, second.receipt.digits.replace(" ", ""), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
