"""The police system's API (idempotent by record id) and the notifications a new alert makes."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
import time_machine
from django.core import mail

from accounts.testing import ApiClient, error_fields
from custody import iin
from custody.models import Alert, Detention, Notification, RegisterImport
from custody.tasks import notify_alerts
from custody.testing import MINOR_BIRTH, row
from facilities.factories import UserFactory

pytestmark = pytest.mark.django_db


def _body(**values):
    data = row(**values)
    data.pop("record_id")
    data.pop("facility")
    return data


def test_put_creates_then_the_same_body_changes_nothing(police, police_officer):
    api = ApiClient(police_officer)
    path = f"/custody/facilities/{police.pk}/records/R-7"
    body = {**_body(), "placements": [{"cell": "K-1", "from": "2026-03-02T11:00:00+05:00"}]}
    first = api.send("put", path, json.dumps(body))
    assert first.status_code == 201, first.content
    assert first.json()["outcome"] == "created"
    assert first.json()["ledger_index"] is not None
    again = api.send("put", path, json.dumps(body))
    assert again.status_code == 200
    assert again.json()["outcome"] == "unchanged"
    assert RegisterImport.objects.count() == 1
    assert Detention.objects.get().placements.count() == 1
    assert body["iin"] not in first.content.decode()


def test_put_refuses_bad_fields_by_name(police, police_officer):
    api = ApiClient(police_officer)
    body = _body(iin="123", released_at="2026-03-01T00:00:00+05:00", transferred_at=None)
    response = api.send("put", f"/custody/facilities/{police.pk}/records/R-7", json.dumps(body))
    assert response.status_code == 422
    assert error_fields(response) == {"iin", "released_at"}
    assert not Detention.objects.exists()


def test_put_outside_the_mandate_is_404_and_without_the_capability_403(police, other_police, police_officer,
                                                                       personas):
    body = json.dumps(_body())
    assert ApiClient(police_officer).send("put", f"/custody/facilities/{other_police.pk}/records/R-1",
                                          body).status_code == 404
    assert ApiClient(personas.prosecutor).send("put", f"/custody/facilities/{police.pk}/records/R-1",
                                               body).status_code == 403


def test_an_alert_about_a_child_notifies_the_prosecutor_and_the_ombudsman_without_personal_data(
        police, police_officer, personas):
    personas.prosecutor.email = "prosecutor@example.kz"
    personas.prosecutor.save()
    ombudsman = UserFactory(username="ombudsman.mail", organisation=personas.ombudsman_monitor.organisation,
                            email="children@example.kz")
    minor = _body(iin=iin.make(MINOR_BIRTH, "male", serial=4),
                  court_sanction_at="03.03.2026 12:00", family_notified_at="02.03.2026 11:00")
    response = ApiClient(police_officer).send("put", f"/custody/facilities/{police.pk}/records/M-1",
                                              json.dumps(minor))
    assert response.status_code == 201
    alerts = set(Alert.objects.values_list("rule", flat=True))
    assert "minor_sanction_24h" in alerts
    result = notify_alerts.call()
    assert result["alerts"] == len(alerts)
    bodies = {n.organisation.kind for n in Notification.objects.select_related("organisation")}
    assert bodies == {"prosecutor", "childrens_ombudsman"}
    assert {tuple(m.to) for m in mail.outbox} == {("prosecutor@example.kz",), ("children@example.kz",)}
    for message in mail.outbox:
        assert "TDC-1" in message.body
        assert minor["iin"] not in message.body
        assert "M-1" not in message.body
    assert notify_alerts.call()["alerts"] == 0  # run again: nothing twice
    assert ombudsman.organisation_id == personas.ombudsman_monitor.organisation_id


def test_a_digest_the_mail_server_refused_is_sent_on_the_next_run_and_only_once(
        police, police_officer, personas, settings):
    personas.prosecutor.email = "prosecutor@example.kz"
    personas.prosecutor.save()
    late = _body(court_sanction_at="05.03.2026 12:00", transferred_at="05.03.2026 13:00")
    ApiClient(police_officer).send("put", f"/custody/facilities/{police.pk}/records/A-1", json.dumps(late))
    with socket.socket() as probe:  # a real SMTP connection to a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    with pytest.raises(ConnectionRefusedError):
        notify_alerts.call()
    # The alerts are in the app already; the mail is still owed.
    assert Notification.objects.filter(organisation__kind="prosecutor").exists()
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notify_alerts.call()["emails"] == 1
    assert [m.to for m in mail.outbox] == [["prosecutor@example.kz"]]
    assert "TDC-1" in mail.outbox[0].body
    assert notify_alerts.call()["emails"] == 0  # sent once
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_an_adult_alert_goes_to_the_prosecutor_only(police, police_officer, personas):
    late = _body(court_sanction_at="05.03.2026 12:00", transferred_at="05.03.2026 13:00")
    ApiClient(police_officer).send("put", f"/custody/facilities/{police.pk}/records/A-1", json.dumps(late))
    notify_alerts.call()
    assert set(Notification.objects.values_list("organisation__kind", flat=True)) == {"prosecutor"}


def test_alerts_api_lists_the_mandate_only(police, police_officer, personas):
    late = _body(court_sanction_at="05.03.2026 12:00", transferred_at="05.03.2026 13:00")
    ApiClient(police_officer).send("put", f"/custody/facilities/{police.pk}/records/A-1", json.dumps(late))
    listed = ApiClient(personas.npm_monitor).get("/custody/alerts").json()
    assert {a["rule"] for a in listed} == {"adult_sanction_48h", "court_sanction_late"}
    assert listed[0]["evidence"][0]["record_id"] == "A-1"
    assert ApiClient(personas.ombudsman_monitor).get("/custody/alerts").json() == []  # an adult
    assert ApiClient(police_officer).get("/custody/alerts").status_code == 403


def test_an_event_updates_one_moment_and_the_alerts_follow(police, police_officer):
    api = ApiClient(police_officer)
    held = _body(court_sanction_at=None, court_decision=None, transferred_at=None)
    with time_machine.travel(dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC), tick=False):
        assert api.send("put", f"/custody/facilities/{police.pk}/records/H-1", json.dumps(held)).status_code == 201
        assert not Alert.objects.exists()  # 29 hours held: within the term
    events = f"/custody/facilities/{police.pk}/records/H-1/events"
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.UTC), tick=False):
        late = api.post(events, {"moment": "court_sanction_at", "at": "2026-03-04T12:00:00+05:00"})
        assert late.status_code == 200, late.content
        assert set(Alert.objects.values_list("rule", flat=True)) == {"adult_sanction_48h", "court_sanction_late"}
        again = api.post(events, {"moment": "court_sanction_at", "at": "2026-03-04T07:00:00Z"})
        assert again.json()["outcome"] == "unchanged"  # the same moment in another offset
        before = api.post(events, {"moment": "released_at", "at": "2026-03-01T12:00:00+05:00"})
        assert before.status_code == 422
        assert error_fields(before) == {"at"}
        unknown = api.post(f"/custody/facilities/{police.pk}/records/NOPE/events",
                           {"moment": "released_at", "at": "2026-03-04T12:00:00+05:00"})
        assert unknown.status_code == 404


def test_the_risk_factor_counts_open_alerts_and_knows_when_nothing_was_reported(police, other_police,
                                                                                police_officer):
    from custody.selectors import risk_factor

    assert risk_factor(other_police)["known"] is False
    late = _body(court_sanction_at="05.03.2026 12:00", transferred_at="05.03.2026 13:00")
    with time_machine.travel(dt.datetime(2026, 3, 6, tzinfo=dt.UTC), tick=False):
        ApiClient(police_officer).send("put", f"/custody/facilities/{police.pk}/records/A-1", json.dumps(late))
        factor = risk_factor(police)
    assert factor["known"] is True
    assert factor["counts"] == {"critical": 1, "high": 1}
    assert factor["score"] == 5


def test_the_commands_import_a_file_and_load_a_simulated_week(police, personas, tmp_path):
    from django.core.management import call_command

    from custody.models import Detention, Enrolment
    from custody.testing import csv_bytes, row

    upload = tmp_path / "tdc.csv"
    upload.write_bytes(csv_bytes([row("R-1")]))
    call_command("import_custody_register", str(upload), "--user", personas.npm_monitor.username, verbosity=0)
    assert Detention.objects.filter(record_id="R-1").exists()
    call_command("load_custody_demo", "--centres", "1", "--per-day", "2", verbosity=0)
    assert Detention.objects.count() == 1 + 14
    reports = set(Enrolment.objects.values_list("facility__code", "programme", "month", "enrolled"))
    assert {code for code, *_rest in reports} == {personas.colony.code, personas.other_colony.code}
    call_command("load_custody_demo", "--centres", "1", "--per-day", "2", verbosity=0)  # make demo, run again
    assert Detention.objects.count() == 1 + 14
    assert set(Enrolment.objects.values_list("facility__code", "programme", "month", "enrolled")) == reports
