"""The inbox reads its own rows: paged by index, the page's complaints by id, copies kept in step."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import selectors
from complaints.models import Complaint, ComplaintRecipient
from complaints.models.recipient import COPIED, inbox_drift
from complaints.services import escalation, handling
from complaints.services.registration import register_complaint
from complaints.views import workspace as workspace_views
from complaints.workspace_testing import make_complaint, unlock_client

pytestmark = pytest.mark.django_db

FILTERS = [{}, {"status": "received"}, {"open": "on", "priority": "urgent"}, {"overdue": "on"}, {"mine": "on"},
           {"facility": "LA-155/1"}, {"region": "KZ-35"}]


def listed(response) -> list[str]:
    return re.findall(r'data-complaint="([0-9a-f-]+)"', response.content.decode())


def test_each_filter_and_page_of_the_inbox_costs_the_same_few_queries_however_many_complaints(
        workspace, monkeypatch):
    monkeypatch.setattr(workspace_views, "PAGE_SIZE", 3)
    p = workspace.personas
    weeks_ago = timezone.now() - dt.timedelta(weeks=3)  # every one overdue
    client = unlock_client(Client(), p.npm_monitor, [workspace.npm_identity])

    def counts() -> list[int]:
        found = []
        for query in FILTERS:
            for page in ("1", "2"):
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(reverse("complaints:inbox"), {**query, "page": page}).status_code == 200
                found.append(len(queries))
        return found

    for facility in (p.colony, p.other_colony):
        make_complaint(facility=facility, recipients=[workspace.npm], category="torture", received_at=weeks_ago)
    few = counts()
    for facility in (p.colony, p.other_colony, p.special_school) * 4:
        complaint, _ = make_complaint(facility=facility, recipients=[workspace.npm, workspace.prosecutor],
                                      category="torture", received_at=weeks_ago)
        handling.assign(complaint=complaint, to=p.npm_monitor, by=p.npm_monitor)
    many = counts()

    # With two complaints, some pages are empty (and their rows need no query).
    assert many == [max(few)] * len(many)
    assert max(many) <= 12


def test_the_pages_of_the_inbox_hold_every_complaint_once_newest_first(workspace, monkeypatch, time_machine):
    monkeypatch.setattr(workspace_views, "PAGE_SIZE", 2)
    time_machine.move_to("2026-11-20 08:00Z", tick=False)
    made = [workspace.complaint() for _i in range(5)]  # one instant: the order falls back to the row
    client = unlock_client(Client(), workspace.personas.npm_monitor, [workspace.npm_identity])

    pages = [listed(client.get(reverse("complaints:inbox"), {"page": n})) for n in (1, 2, 3)]

    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(pk for page in pages for pk in page) == sorted(str(c.pk) for c in made)


def test_a_complaint_is_in_the_inbox_only_within_the_mandate_and_for_its_recipients(workspace):
    p = workspace.personas
    school = workspace.complaint(facility=p.special_school, recipients=[workspace.npm, workspace.ombudsman])
    colony = workspace.complaint(facility=p.colony, recipients=[workspace.npm, workspace.ombudsman])
    prosecutor_only = workspace.complaint(facility=p.colony, recipients=[workspace.prosecutor])

    def inbox(user) -> set:
        return set(selectors.inbox_for(user).values_list("complaint_id", flat=True))

    assert inbox(p.npm_monitor) == {school.pk, colony.pk}
    assert inbox(p.ombudsman_monitor) == {school.pk}  # the colony lies outside the children's mandate
    assert inbox(p.prosecutor) == {prosecutor_only.pk}
    for nobody in (p.facility_officer, p.outsider, p.oversight_admin, p.pmc_member):
        assert inbox(nobody) == set()
    for user in (p.npm_monitor, p.ombudsman_monitor, p.prosecutor):
        assert inbox(user) == set(selectors.complaints_for(user).values_list("pk", flat=True))


def test_every_change_of_a_copied_column_reaches_the_inbox_rows_in_its_transaction(workspace, time_machine):
    p = workspace.personas
    time_machine.move_to("2026-11-02 08:00Z", tick=False)
    registered = register_complaint(by=p.npm_monitor, facility=p.colony, channel="letter", category="torture",
                                    text="Beaten in the yard.").complaint
    made = workspace.complaint(recipients=[workspace.npm, workspace.prosecutor])
    assert inbox_drift().count() == 0

    handling.change_status(complaint=made, to="acknowledged", by=p.npm_monitor)
    handling.assign(complaint=made, to=p.npm_monitor, by=p.npm_monitor)
    handling.assign(complaint=registered, to=p.npm_monitor, by=p.npm_monitor)
    handling.assign(complaint=registered, to=None, by=p.npm_monitor)
    Complaint.objects.filter(pk=registered.pk).update(acknowledge_by=None)
    ComplaintRecipient.objects.filter(complaint=registered).update(acknowledge_by=None)
    assert escalation.fill_deadlines() == 1

    assert inbox_drift().count() == 0
    rows = ComplaintRecipient.objects.filter(complaint=made)
    assert sorted(rows.values_list("organisation_id", "status", "assigned_to_id")) == sorted(
        (org.pk, "acknowledged", p.npm_monitor.pk) for org in (workspace.npm, workspace.prosecutor))
    assert None not in set(ComplaintRecipient.objects.filter(complaint=registered).values_list("acknowledge_by",
                                                                                             flat=True))


@pytest.mark.parametrize("name", COPIED)
def test_a_row_whose_copy_disagrees_with_its_complaint_is_found(workspace, name):
    p = workspace.personas
    made = workspace.complaint()
    other = {"facility_id": p.other_colony.pk, "received_at": made.received_at.replace(year=2020),
             "priority": "urgent" if made.priority == "standard" else "standard", "status": "resolved",
             "acknowledge_by": None, "assigned_to_id": p.npm_monitor.pk}[name]
    ComplaintRecipient.objects.filter(complaint=made).update(**{name: other})

    assert list(inbox_drift().values_list("complaint_id", flat=True)) == [made.pk]
