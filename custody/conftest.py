"""Fixtures of the custody tests: the pseudonym key, police centres with cells, their officer."""

from __future__ import annotations

import pytest

from accounts.models import OrganisationKind, Role
from facilities.factories import FacilityFactory, OrganisationFactory, UnitFactory, UserFactory
from facilities.models import UnitKind


@pytest.fixture(autouse=True)
def _person_key(settings):
    settings.CUSTODY_PERSON_KEY = "custody-test-person-key-not-secret-0123456789"


@pytest.fixture
def police(personas):
    """A police temporary detention centre in Almaty (the PMC's region) with four cells."""
    police_operator = OrganisationFactory(code="police-almaty", kind=OrganisationKind.OPERATOR)
    centre = FacilityFactory(code="TDC-1", type="police_tdc", region=personas.region, operator=police_operator,
                             design_capacity=40, operational_capacity=40, name_en="Almaty police centre")
    for n in range(1, 5):
        UnitFactory(facility=centre, code=f"K-{n}", name=f"Cell {n}", kind=UnitKind.CELL, capacity=4)
    return centre


@pytest.fixture
def other_police(personas):
    """A police centre in Karaganda (outside the PMC's region)."""
    centre = FacilityFactory(code="TDC-2", type="police_tdc", region=personas.other_region,
                             design_capacity=20, operational_capacity=20)
    UnitFactory(facility=centre, code="K-1", name="Cell 1", kind=UnitKind.CELL, capacity=4)
    return centre


@pytest.fixture
def police_officer(police):
    return UserFactory(username="officer.tdc1", organisation=police.operator, role=Role.FACILITY_OFFICER,
                       facility=police)


@pytest.fixture(scope="session")
def age_identities():
    """One age identity per oversight body, as each body would hold its own."""
    from pyrage import x25519

    return {kind: x25519.Identity.generate() for kind in ("npm", "prosecutor", "childrens_ombudsman")}


def give_organisation_key(organisation, identity):
    """The organisation's active age key, as ``complaints.keys.create_organisation_key`` leaves it
    (without its passphrase ciphertext, which sealing never reads and scrypt makes slow)."""
    from django.utils import timezone

    from complaints.models.handling import OrganisationKey

    return OrganisationKey.objects.create(organisation=organisation, public_key=str(identity.to_public()),
                                          encrypted_identity=b"", created_at=timezone.now())


@pytest.fixture(autouse=True)
def _sealing_keys(request, settings, age_identities):
    """Each oversight body of the personas holds its own organisation key; no recovery key."""
    settings.CUSTODY_SEALING_RECIPIENTS = []
    if "personas" not in request.fixturenames:
        return
    personas = request.getfixturevalue("personas")
    for user in (personas.npm_monitor, personas.prosecutor, personas.ombudsman_monitor):
        give_organisation_key(user.organisation, age_identities[user.organisation.kind])
