"""The workspace's pages: inbox filters and query count, clear refusals, hostile input."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.models import Complaint, ComplaintEvent, EventKind, Statement
from complaints.services import handling
from complaints.workspace_testing import make_complaint, unlock_client

pytestmark = pytest.mark.django_db
HYPOTHESIS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def listed(client: Client, **query: str) -> set[str]:
    page = client.get(reverse("complaints:inbox"), query).content.decode()
    return set(re.findall(r'data-complaint="([0-9a-f-]+)"', page))


def test_the_inbox_filters_by_status_priority_facility_region_overdue_and_assignee(workspace, time_machine):
    p = workspace.personas
    time_machine.move_to("2026-11-02 08:00Z", tick=False)
    old_urgent, _ = make_complaint(facility=p.colony, recipients=[workspace.npm], category="torture")
    time_machine.move_to("2026-11-20 08:00Z", tick=False)
    school, _ = make_complaint(facility=p.special_school, recipients=[workspace.npm])
    mine, _ = make_complaint(facility=p.other_colony, recipients=[workspace.npm])
    handling.assign(complaint=mine, to=p.npm_monitor, by=p.npm_monitor)
    handling.change_status(complaint=mine, to="acknowledged", by=p.npm_monitor)
    client = Client()
    client.force_login(p.npm_monitor)

    everything = {str(c.pk) for c in (old_urgent, school, mine)}
    assert listed(client) == everything
    assert listed(client, status="acknowledged") == {str(mine.pk)}
    assert listed(client, priority="urgent") == {str(old_urgent.pk)}
    assert listed(client, facility=p.special_school.code) == {str(school.pk)}
    assert listed(client, region=p.other_region.code) == {str(school.pk), str(mine.pk)}
    assert listed(client, overdue="on") == {str(old_urgent.pk)}
    assert listed(client, mine="on") == {str(mine.pk)}
    # A filter value that is no choice is reported, not a 500, and the others still apply.
    response = client.get(reverse("complaints:inbox"), {"status": "buried", "priority": "urgent"})
    assert response.status_code == 200
    assert set(re.findall(r'data-complaint="([0-9a-f-]+)"', response.content.decode())) == {str(old_urgent.pk)}


def test_the_inbox_needs_a_bounded_number_of_queries(workspace):
    for _i in range(3):
        make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm])
    client = unlock_client(Client(), workspace.personas.npm_monitor, [workspace.npm_identity])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("complaints:inbox"))
    for _i in range(20):
        make_complaint(facility=workspace.personas.other_colony, recipients=[workspace.npm])
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("complaints:inbox")).status_code == 200
    assert len(many) == len(few) <= 12


def test_a_refused_status_change_is_explained_on_the_page(workspace):
    complaint = workspace.complaint()
    client = unlock_client(Client(), workspace.personas.npm_monitor, [workspace.npm_identity])
    response = client.post(reverse("complaints:status", args=[complaint.pk]), {"status": "resolved"})
    assert response.status_code == 400
    assert "cannot become" in response.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).status == "received"


def test_a_locked_page_asks_to_unlock_and_logs_no_opening(workspace):
    complaint = workspace.complaint(text="Hidden until unlocked")
    client = Client()
    client.force_login(workspace.personas.npm_monitor)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "Hidden until unlocked" not in page
    assert reverse("complaints:unlock") in page
    assert not ComplaintEvent.objects.filter(kind=EventKind.OPENED).exists()


def test_a_malformed_complaint_id_is_not_found(workspace):
    client = Client()
    client.force_login(workspace.personas.npm_monitor)
    assert client.get("/complaints/not-a-uuid/").status_code == 404
    assert client.get("/complaints/00000000-0000-0000-0000-000000000000/").status_code == 404


@HYPOTHESIS
@given(text=st.text(max_size=300), kind=st.sampled_from(["reply", "note"]))
def test_any_reply_or_note_text_is_sealed_or_refused_with_a_message_never_a_500(workspace, text, kind):
    complaint = Complaint.objects.first() or workspace.complaint()
    if not complaint.reply_recipient:
        import pyrage

        complaint.reply_recipient = str(pyrage.x25519.Identity.generate().to_public())
        complaint.save(update_fields=["reply_recipient"])
    client = unlock_client(Client(), workspace.personas.npm_monitor, [workspace.npm_identity])
    before = Statement.objects.count()
    response = client.post(reverse(f"complaints:{kind}", args=[complaint.pk]), {f"{kind}-text": text})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert Statement.objects.count() == before
        assert 'class="error-text"' in response.content.decode()
    else:
        assert Statement.objects.count() == before + 1


@HYPOTHESIS
@given(fields=st.fixed_dictionaries({}, optional={
    "facility": st.one_of(st.text(max_size=8), st.integers(-5, 10**6).map(str)),
    "channel": st.sampled_from(["letter", "visit", "terminal", "", "web"]),
    "category": st.sampled_from(["torture", "health", "x", ""]),
    "text": st.text(max_size=200),
    "anonymous": st.sampled_from(["on", ""]),
    "name": st.text(max_size=50),
    "reprisal_risk": st.sampled_from(["none", "high", "?"]),
    "language": st.sampled_from(["kk", "ru", "de"]),
    "with_receipt": st.sampled_from(["", ""]),
}))
def test_any_registration_form_registers_one_sealed_complaint_or_says_what_is_wrong(workspace, fields):
    client = Client()
    client.force_login(workspace.personas.npm_monitor)
    before = Complaint.objects.count()
    response = client.post(reverse("complaints:register"), fields)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert Complaint.objects.count() == before
        assert 'role="alert"' in response.content.decode()
    else:
        assert Complaint.objects.count() == before + 1
        created = Complaint.objects.order_by("-received_at").first()
        text = fields.get("text", "").strip()
        if len(text) > 12:
            assert text.encode() not in bytes(created.sealed)


@HYPOTHESIS
@given(query=st.dictionaries(st.sampled_from(["status", "priority", "facility", "region", "overdue", "mine", "open",
                                               "page"]), st.text(max_size=20), max_size=5))
def test_any_inbox_query_answers_200(workspace, query):
    client = Client()
    client.force_login(workspace.personas.npm_monitor)
    assert client.get(reverse("complaints:inbox"), query).status_code == 200
