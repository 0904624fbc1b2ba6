"""The kiosk pages over the real agent (no browser): file, see the receipt delivered, read the reply."""

from __future__ import annotations

import http.client
import json
import re
import threading
from urllib.parse import urlencode

import pytest
from terminal_fake_server import FakeServer
from terminal_support import Bodies, make_terminal, open_agent

from custodywatch_terminal.kiosk.server import KioskServer
from custodywatch_terminal.sealing import Complaint, open_sealed


@pytest.fixture
def kiosk_and_agent(tmp_path):
    bodies = Bodies.generate()
    server = FakeServer(bodies.routing_list())
    make_terminal(tmp_path / "t", server, bodies)
    agent, _ = open_agent(tmp_path / "t", server)
    kiosk = KioskServer(agent, port=0)
    thread = threading.Thread(target=kiosk.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield kiosk, agent, server, bodies
    kiosk.shutdown()
    kiosk.server_close()
    agent.close()


def request(kiosk, method: str, path: str, fields: dict | None = None) -> tuple[int, str]:
    host = f"127.0.0.1:{kiosk.server_address[1]}"
    connection = http.client.HTTPConnection(host, timeout=30)
    body = urlencode(fields).encode() if fields is not None else None
    headers = {"Host": host, "Origin": f"http://{host}"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    text = response.read().decode("utf-8")
    connection.close()
    return response.status, text


def test_a_complaint_filed_on_the_kiosk_is_sealed_delivered_and_followed_up(kiosk_and_agent):
    kiosk, agent, server, bodies = kiosk_and_agent
    status, page = request(kiosk, "POST", "/ru/complaint", {
        "category": "conditions", "text": "Нет горячей воды уже месяц.", "anonymous": "1",
        "reprisal_risk": "none"})
    assert status == 200, page
    (locator,) = set(re.findall(r"/delivery/(\d{8})", page)) or set(re.findall(r'data-locator="(\d{8})"', page))
    grouped = re.search(r"\d{4} \d{4} \d{4} \d{4} \d{4} \d", page).group(0)
    assert json.loads(request(kiosk, "GET", f"/delivery/{locator}?lang=ru")[1])["delivered"] is False
    agent.sender.tick()
    assert json.loads(request(kiosk, "GET", f"/delivery/{locator}?lang=ru")[1])["delivered"] is True
    complaint = open_sealed(server.complaints[locator].sealed, [bodies.npm])
    assert isinstance(complaint, Complaint)
    assert (complaint.text, complaint.language) == ("Нет горячей воды уже месяц.", "ru")
    server.reply(locator, "Проверим на визите.")
    status, page = request(kiosk, "POST", "/ru/follow-up", {"code": grouped})
    assert status == 200, page
    assert "Проверим на визите." in page


def test_a_refused_field_comes_back_to_the_form(kiosk_and_agent):
    kiosk, agent, _, _ = kiosk_and_agent
    status, page = request(kiosk, "POST", "/en/complaint", {"category": "health", "text": "  ", "anonymous": "1"})
    assert status == 400
    assert 'name="text"' in page  # the form again, with its message
    assert agent.outbox.head() == (0, None)
