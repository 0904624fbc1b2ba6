from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from facilities.services import record_population_snapshot
from lib.factories import FacilityFactory

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

    assert response.context["figures"]["total"] == 400
    assert response.context["figures"]["mothers_with_children"] == 0
    assert response.context["crisis"]["facilities"] == 1
    assert response.context["crisis"]["total"] == 25
    assert "Crisis centres (shown apart)" in response.content.decode()

