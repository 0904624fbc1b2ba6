from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from facilities.factories import FacilityFactory
from facilities.services import record_population_snapshot

ON = dt.date(2026, 10, 1)


@pytest.mark.django_db
def test_crisis_centre_residents_are_not_counted_as_people_deprived_of_liberty(client, personas):
    record_population_snapshot(facility=personas.colony, by=None, date=ON, total=400, women=0)
    shelter = FacilityFactory(code="CC-01", type="crisis_centre", design_capacity=30, operational_capacity=30,
                              region=personas.region)
    record_population_snapshot(facility=shelter, by=None, date=ON, total=25, women=12,
                               mothers_with_children=9, children_with_mothers=13)
    client.force_login(personas.npm_monitor)

    response = client.get(reverse("facilities:overview"))

    assert response.context["people"]["total"] == 400
    assert response.context["people"]["mothers_with_children"] is None  # the colony did not report it
    crisis = {row["status"]: row for row in response.context["legal_statuses"]}["crisis_resident"]
    assert (crisis["facilities"], crisis["people"]) == (1, 25)
    assert "Residents of crisis centres (not detained)" in response.content.decode()

