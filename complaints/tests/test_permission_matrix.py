"""docs/permissions/complaints.md, checked cell by cell against real requests.

Every row is a persona (the root `personas` fixture, plus a server superuser without a key), every
column a page or operation; a complaint's text and its complainant's name carry markers, so a leak
is easy to spot in any answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyrage
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import OrganisationKind
from complaints.models import Alert, AlertKind, Channel, Complaint, ComplaintEvent, EventKind, Statement
from complaints.services.events import ACCESS_KIND, subject_of
from complaints.workspace_testing import PASSPHRASE, make_complaint, unlock_client
from facilities.factories import UserFactory
from ledger import interface as ledger
from lib.testing.matrix import assert_document_matches, read_matrix

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "permissions" / "complaints.md"
COLUMNS, MATRIX = read_matrix(DOCUMENT, first_column="Inbox")
TEXT = "MarkerComplaintText"
NAME = "MarkerComplainantName"
OTHER_TEXT = "MarkerOtherOrganisationText"
OUTSIDE_TEXT = "MarkerOutsideMandateText"

# Written out here, independently of the code: which recipient organisation each persona belongs
# to (None: none), and where its complaints are (a facility in its mandate).
RECIPIENT = {"npm_monitor": "npm", "analyst": "npm", "ombudsman_monitor": "ombudsman", "prosecutor": "prosecutor"}
HOME = {"ombudsman": "special_school", "npm": "colony", "prosecutor": "colony"}
# The facilities (of colony, special school) within each persona's mandate that hold a terminal alarm.
ALARMS_IN_MANDATE = {"npm_monitor": {"colony", "special_school"}, "analyst": {"colony", "special_school"},
                     "prosecutor": {"colony", "special_school"}, "ombudsman_monitor": {"special_school"},
                     "pmc_member": {"colony"}}
PERSONAS = ("npm_monitor", "analyst", "ombudsman_monitor", "prosecutor", "pmc_member", "facility_officer",
            "outsider", "oversight_admin", "superuser")


class World:
    def __init__(self, workspace: Any, name: str) -> None:
        self.ws = workspace
        self.personas = workspace.personas
        self.name = name
        if name == "superuser":
            self.user = UserFactory(username="root.server", is_superuser=True, is_staff=True, organisation=None)
        else:
            self.user = getattr(self.personas, name)
        self.org_key = RECIPIENT.get(name)
        organisation = getattr(workspace, self.org_key) if self.org_key else workspace.npm
        home = getattr(self.personas, HOME[self.org_key] if self.org_key else "colony")
        self.identity = getattr(workspace, f"{self.org_key}_identity") if self.org_key else workspace.npm_identity
        self.own, _ = make_complaint(facility=home, recipients=[organisation], text=TEXT, name=NAME)
        self.own.reply_recipient = str(pyrage.x25519.Identity.generate().to_public())
        self.own.save(update_fields=["reply_recipient"])
        other = workspace.ombudsman if self.org_key == "npm" else workspace.npm
        self.other, _ = make_complaint(facility=self.personas.special_school, recipients=[other], text=OTHER_TEXT)
        self.outside = None
        if self.org_key == "ombudsman":
            self.outside, _ = make_complaint(facility=self.personas.colony, recipients=[workspace.ombudsman],
                                             text=OUTSIDE_TEXT)

    def browser(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client

    def unlocked(self) -> Client:
        return unlock_client(Client(), self.user, [self.identity])


def text_of(response: Any) -> str:
    return response.content.decode(errors="replace")


def assert_no_content(response: Any) -> None:
    body = text_of(response)
    for marker in (TEXT, NAME, OTHER_TEXT, OUTSIDE_TEXT):
        assert marker not in body, marker


def refused(response: Any, *statuses: int) -> None:
    assert response.status_code in (statuses or (403,)), response.status_code
    assert_no_content(response)


def events(world: World, kind: str) -> int:
    return ComplaintEvent.objects.filter(actor=world.user, kind=kind).count()


# --- One check per column ------------------------------------------------------------------------


def check_inbox(world: World, cell: str) -> None:
    response = world.unlocked().get(reverse("complaints:inbox"))
    if cell == "own organisation":
        assert response.status_code == 200
        body = text_of(response)
        assert str(world.own.pk) in body
        assert str(world.other.pk) not in body
        if world.outside is not None:
            assert str(world.outside.pk) not in body
        assert_no_content(response)  # the list never decrypts
    else:
        assert cell == "no"
        refused(response)
        assert str(world.own.pk) not in text_of(response)


def check_own(world: World, cell: str) -> None:
    response = world.unlocked().get(reverse("complaints:detail", args=[world.own.pk]))
    if cell == "yes":
        assert response.status_code == 200
        assert TEXT in text_of(response)
        assert NAME not in text_of(response)  # until "show identity"
        event = ComplaintEvent.objects.get(actor=world.user, kind=EventKind.OPENED, complaint=world.own)
        assert ledger.indices_of(kind=ACCESS_KIND, subjects=[subject_of(event)])  # logged
    else:
        assert cell == "no"
        refused(response)
        assert not ComplaintEvent.objects.filter(kind=EventKind.OPENED).exists()


def check_other(world: World, cell: str) -> None:
    response = world.unlocked().get(reverse("complaints:detail", args=[world.other.pk]))
    if cell == "404":
        refused(response, 404)
    else:
        assert cell == "no"
        refused(response)


def check_outside(world: World, cell: str) -> None:
    if cell == "—":
        assert world.outside is None
        for key in ("colony", "other_colony", "special_school"):
            complaint, _ = make_complaint(facility=getattr(world.personas, key),
                                          recipients=[getattr(world.ws, world.org_key)])
            assert world.unlocked().get(reverse("complaints:detail", args=[complaint.pk])).status_code == 200
        return
    target = world.outside or world.own
    response = world.unlocked().get(reverse("complaints:detail", args=[target.pk]))
    if cell == "404":
        assert world.outside is not None
        refused(response, 404)
    else:
        assert cell == "no"
        refused(response)


def check_without_key(world: World, cell: str) -> None:
    assert cell == "no", "content is never shown without the unlocked key"
    response = world.browser().get(reverse("complaints:detail", args=[world.own.pk]))
    assert response.status_code in (200, 403)
    assert_no_content(response)
    assert not ComplaintEvent.objects.filter(kind=EventKind.OPENED).exists()


def check_identity(world: World, cell: str) -> None:
    response = world.unlocked().post(reverse("complaints:identity", args=[world.own.pk]))
    if cell == "yes":
        assert response.status_code == 200
        assert NAME in text_of(response)
        assert events(world, EventKind.IDENTITY_SHOWN) == 1
    else:
        assert cell == "no"
        refused(response)
        assert not ComplaintEvent.objects.filter(kind=EventKind.IDENTITY_SHOWN).exists()


def check_handle(world: World, cell: str) -> None:
    client = world.unlocked()
    pk = world.own.pk
    responses = [
        client.post(reverse("complaints:status", args=[pk]), {"status": "acknowledged"}),
        client.post(reverse("complaints:assign", args=[pk]), {"assigned_to": world.user.pk}),
        client.post(reverse("complaints:reply", args=[pk]), {"reply-text": "We will come."}),
        client.post(reverse("complaints:note", args=[pk]), {"note-text": "Call the lawyer."}),
        client.post(reverse("complaints:classify", args=[pk]), {"category": "health"}),
        client.post(reverse("complaints:escalate", args=[pk])),
    ]
    complaint = Complaint.objects.select_related("handling").get(pk=pk)
    if cell == "yes":
        assert [r.status_code for r in responses] == [302] * 6
        assert complaint.status == "acknowledged"
        assert complaint.handling.escalation_level == 1
        assert complaint.assigned_to == world.user
        assert sorted(complaint.statements.values_list("kind", flat=True)) == ["note", "reply"]
        assert complaint.handling.category == "health"
    else:
        assert cell == "no"
        for response in responses:
            refused(response)
        assert (complaint.status, complaint.assigned_to_id) == ("received", None)
        assert not Statement.objects.exists()
        assert not hasattr(complaint, "handling") or not complaint.handling.category


def check_register(world: World, cell: str) -> None:
    client = world.browser()
    facility = world.personas.special_school if world.org_key == "ombudsman" else world.personas.colony
    before = Complaint.objects.count()
    opened = client.get(reverse("complaints:register"))
    saved = client.post(reverse("complaints:register"), {
        "facility": facility.pk, "channel": Channel.VISIT, "category": "health", "text": "Registered " + TEXT,
        "anonymous": "on", "reprisal_risk": "unknown", "language": "kk"})
    if cell == "yes":
        assert (opened.status_code, saved.status_code) == (200, 200)
        created = Complaint.objects.exclude(pk__in=[world.own.pk, world.other.pk]).get(channel=Channel.VISIT)
        assert world.user.organisation in created.recipients.all()
        assert TEXT.encode() not in bytes(created.sealed)
    else:
        assert cell == "no"
        refused(opened)
        refused(saved)
        assert Complaint.objects.count() == before


def check_unlock(world: World, cell: str) -> None:
    client = world.browser()
    opened = client.get(reverse("complaints:unlock"))
    unlocked = client.post(reverse("complaints:unlock"), {"passphrase": PASSPHRASE})
    if cell == "yes":
        assert (opened.status_code, unlocked.status_code) == (200, 302)
        assert TEXT in text_of(client.get(reverse("complaints:detail", args=[world.own.pk])))
        assert client.post(reverse("complaints:lock")).status_code == 302
        assert TEXT not in text_of(client.get(reverse("complaints:detail", args=[world.own.pk])))
    else:
        assert cell == "no"
        refused(opened)
        refused(unlocked)
        assert not ComplaintEvent.objects.filter(kind=EventKind.KEY_UNLOCKED).exists()


def check_statistics(world: World, cell: str) -> None:
    response = world.browser().get(reverse("complaints:statistics"))
    if cell == "yes":
        assert response.status_code == 200
        body = text_of(response)
        assert "fewer than 5" in body
        if world.name == "pmc_member":  # its region's facilities only
            assert world.personas.special_school.code not in body
            assert world.personas.colony.code in body
        assert_no_content(response)
    else:
        assert cell == "no"
        refused(response)


def check_facility_counts(world: World, cell: str) -> None:
    client = world.browser()
    colony, other = world.personas.colony, world.personas.other_colony
    own = client.get(reverse("complaints:facility-counts", args=[colony.pk]))
    elsewhere = client.get(reverse("complaints:facility-counts", args=[other.pk]))
    if cell == "own facility":
        assert own.status_code == 200
        assert world.user.facility == colony
        assert "fewer than 5" in text_of(own)
        assert_no_content(own)
        assert str(world.own.pk) not in text_of(own)
        refused(elsewhere, 404)
    elif cell == "404":
        refused(own, 404)
        refused(elsewhere, 404)
    else:
        assert cell == "no"
        refused(own)
        refused(elsewhere)


def check_alerts(world: World, cell: str) -> None:
    assert cell == "yes"
    Alert.objects.create(recipient=world.personas.npm_monitor, kind=AlertKind.OVERDUE, complaint=world.own,
                         facility=world.own.facility, created_at=world.own.received_at)
    response = world.browser().get(reverse("complaints:alerts"))
    assert response.status_code == 200
    assert ("data-alert" in text_of(response)) == (world.name == "npm_monitor")
    assert_no_content(response)


def check_alarm_list(world: World, cell: str) -> None:
    from complaints.alarms import raise_alarm
    from complaints.models import AlarmKind

    for name in ("colony", "special_school"):
        raise_alarm(kind=AlarmKind.SEQUENCE_GAP, facility=getattr(world.personas, name), key=name,
                    evidence={"expected": 2, "got": 5})
    response = world.browser().get(reverse("complaint_alarms:list"))
    if cell == "yes":
        assert response.status_code == 200
        shown = {name for name in ("colony", "special_school")
                 if f">{getattr(world.personas, name).code}<" in text_of(response)}
        assert shown == ALARMS_IN_MANDATE[world.name]
        assert_no_content(response)
    else:
        assert cell == "no"
        refused(response)
        for name in ("colony", "special_school"):
            assert getattr(world.personas, name).code not in text_of(response)


CHECKS: dict[str, Callable[[World, str], None]] = {
    "Inbox": check_inbox,
    "Complaint sealed to own organisation": check_own,
    "Complaint sealed to another organisation": check_other,
    "Complaint outside mandate": check_outside,
    "Content without the unlocked key": check_without_key,
    "Show identity": check_identity,
    "Handle": check_handle,
    "Register letter or visit complaint": check_register,
    "Unlock key": check_unlock,
    "Statistics": check_statistics,
    "Facility's own counts": check_facility_counts,
    "Alerts": check_alerts,
    "Alarm list": check_alarm_list,
}


def test_the_document_covers_every_persona_and_only_known_columns_and_values():
    assert_document_matches(MATRIX, COLUMNS, personas=PERSONAS, checks=CHECKS)


def test_the_recipient_organisations_are_the_ones_the_matrix_names(workspace):
    assert workspace.npm.kind == OrganisationKind.NPM
    assert workspace.ombudsman.kind == OrganisationKind.CHILDRENS_OMBUDSMAN
    assert workspace.prosecutor.kind == OrganisationKind.PROSECUTOR


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "column", "cell"), [
    pytest.param(persona, column, cell, id=f"{persona}-{column}")
    for persona, row in MATRIX.items() for column, cell in row.items()
])
def test_cell(workspace, persona, column, cell):
    CHECKS[column](World(workspace, persona), cell)
