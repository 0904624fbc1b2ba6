"""The in-app list of suppression alarms: oversight monitors and analysts within their mandate,
never a facility officer, an operator's user or an administrator of people."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from complaints.alarms import raise_alarm
from complaints.models import AlarmKind

pytestmark = pytest.mark.django_db
URL = "/complaints/alarms/"

EXPECTED = {  # persona -> sees the list (and which facilities' alarms)
    "npm_monitor": {"LA-155/1", "AK-159/2"},
    "analyst": {"LA-155/1", "AK-159/2"},
    "pmc_member": {"LA-155/1"},  # Almaty region only
    "facility_officer": None,
    "outsider": None,
    "oversight_admin": None,
}


@pytest.fixture
def alarms(personas):
    raise_alarm(kind=AlarmKind.SEQUENCE_GAP, facility=personas.colony, key="a", evidence={"expected": 2})
    raise_alarm(kind=AlarmKind.FACILITY_SILENT, facility=personas.other_colony, key="b", evidence={"observed": 0})


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_who_sees_the_alarm_list_and_which_alarms(personas, alarms, persona):
    client = Client()
    client.force_login(getattr(personas, persona))
    response = client.get(URL)
    nav = client.get(reverse("accounts:account")).content.decode()  # any page carries the navigation
    expected = EXPECTED[persona]
    if expected is None:
        assert response.status_code == 403
        assert URL not in nav
        return
    assert response.status_code == 200
    page = response.content.decode()
    for code in ("LA-155/1", "AK-159/2"):
        assert (code in page) == (code in expected)
    assert URL in nav


def test_the_list_asks_for_a_log_in_first(client):
    assert client.get(URL).status_code == 302
