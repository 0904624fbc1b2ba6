"""The custodywatch-terminal command: init, configure with the server's setup, status."""

from __future__ import annotations

import base64
import json
import signal
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from terminal_fake_server import FakeServer, serve_http
from terminal_support import Bodies, make_terminal

from custodywatch_terminal.__main__ import main
from custodywatch_terminal.device import load_keys, public_hex


def test_init_configure_and_status(tmp_path, capsys):
    bodies = Bodies.generate()
    routing = bodies.routing_list(version=4, issued=datetime.now(UTC).replace(microsecond=0))
    server = FakeServer(routing)
    state = tmp_path / "state"
    assert main(["--state", str(state), "init", "--server", "https://oversight.example", "--facility", "LA-155/1"]) == 0
    printed = capsys.readouterr().out
    keys = load_keys(state)
    assert public_hex(keys.device) in printed
    assert public_hex(keys.transport) in printed
    assert stat.S_IMODE(state.stat().st_mode) == 0o700

    setup = {"terminal": "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e", "endpoint": "/api/v1/complaints/terminal/packet",
             "server_transport_key": public_hex(server.transport_key), "server_ack_key": public_hex(server.ack_key),
             "routing_key": public_hex(bodies.routing), "schedule_seconds": 30, "facility": "LA-155/1",
             "facility_holds_children": False, "packet_size": 16384}
    (tmp_path / "setup.json").write_text(json.dumps(setup))
    (tmp_path / "routing.json").write_text(json.dumps({"body": base64.b64encode(routing.body).decode(),
                                                      "sig": base64.b64encode(routing.signature).decode()}))
    assert main(["--state", str(state), "configure", "--setup", str(tmp_path / "setup.json"),
                 "--routing-list", str(tmp_path / "routing.json")]) == 0
    assert "every 30 s" in capsys.readouterr().out
    assert main(["--state", str(state), "status"]) == 0
    out = capsys.readouterr().out
    assert "routing list:      version 4" in out
    assert "waiting:           0" in out
    assert "outbox:            intact" in out


def test_a_setup_for_another_facility_or_a_forged_routing_list_is_refused(tmp_path, capsys):
    bodies = Bodies.generate()
    server = FakeServer()
    state = tmp_path / "state"
    main(["--state", str(state), "init", "--server", "https://oversight.example", "--facility", "LA-155/1"])
    setup = {"terminal": "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e",
             "server_transport_key": public_hex(server.transport_key), "server_ack_key": public_hex(server.ack_key),
             "routing_key": public_hex(bodies.routing), "facility": "AK-159/12"}
    (tmp_path / "setup.json").write_text(json.dumps(setup))
    assert main(["--state", str(state), "configure", "--setup", str(tmp_path / "setup.json")]) == 2
    assert "this terminal was made for 'LA-155/1'" in capsys.readouterr().err
    setup["facility"] = "LA-155/1"
    (tmp_path / "setup.json").write_text(json.dumps(setup))
    stranger = Bodies.generate().routing_list()
    (tmp_path / "routing.json").write_text(json.dumps({"body": base64.b64encode(stranger.body).decode(),
                                                      "sig": base64.b64encode(stranger.signature).decode()}))
    assert main(["--state", str(state), "configure", "--setup", str(tmp_path / "setup.json"),
                 "--routing-list", str(tmp_path / "routing.json")]) == 2
    assert "signature" in capsys.readouterr().err
    assert main(["--state", str(state), "status"]) == 2  # not configured: says so, no traceback
    assert "init" in capsys.readouterr().err
    assert main(["--state", str(state), "init", "--server", "https://x.example", "--facility", "LA-155/1"]) == 2
    assert "already has its keys" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_run_sends_on_its_schedule_and_stops_cleanly_on_sigterm(tmp_path):
    bodies = Bodies.generate()
    server = FakeServer(bodies.routing_list())
    heard = threading.Event()
    handle = server.handle

    def listen(packet: bytes) -> bytes:
        answer = handle(packet)
        if any(t.last_seq >= 3 for t in server.terminals.values()):
            heard.set()
        return answer
    server.handle = listen
    state = tmp_path / "state"
    with serve_http(server) as url:
        make_terminal(state, server, bodies, server_url=url, schedule_seconds=0.05)
        child = subprocess.Popen([sys.executable, "-m", "custodywatch_terminal", "--state", str(state), "run",  # noqa: S603
                                  "--no-kiosk"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert heard.wait(30), "the agent sent nothing"
        finally:
            child.send_signal(signal.SIGTERM)
            _, err = child.communicate(timeout=30)
    assert child.returncode == 0, err
    (terminal,) = server.terminals.values()
    assert terminal.last_seq >= 3  # heartbeats, each acknowledged before the next
    assert server.refusals == []
