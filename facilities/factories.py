"""Test factories shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from accounts.models import Organisation, OrganisationKind, Role, User
from facilities import search
from facilities.models import Facility, FacilityType, PopulationSnapshot, Region, Unit, UnitKind

TEST_PASSWORD = "correct horse battery staple"  # noqa: S105 (test personas only)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:02d}")
    name_en = factory.Sequence(lambda n: f"Region {n}")
    name_ru = factory.Sequence(lambda n: f"Область {n}")
    name_kk = factory.Sequence(lambda n: f"{n} облысы")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org-{n}")
    kind = OrganisationKind.NPM
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    name_ru = factory.Sequence(lambda n: f"Организация {n}")
    name_kk = factory.Sequence(lambda n: f"Ұйым {n}")


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    code = factory.Sequence(lambda n: f"F-{n:04d}")
    name_en = factory.Sequence(lambda n: f"Colony No. {n}")
    name_ru = factory.Sequence(lambda n: f"Колония № {n}")
    name_kk = factory.Sequence(lambda n: f"№ {n} колония")
    type = FacilityType.COLONY_MEDIUM
    region = factory.SubFactory(RegionFactory)
    operator = factory.SubFactory(
        OrganisationFactory, code="penal-committee", kind=OrganisationKind.OPERATOR
    )
    design_capacity = 500
    operational_capacity = 500
    # What the registry services derive from the code (facilities/search.py).
    search_key = factory.LazyAttribute(lambda o: search.search_key(o.code))
    sort_key = factory.LazyAttribute(lambda o: search.sort_key(o.code))


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    facility = factory.SubFactory(FacilityFactory)
    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = UnitKind.BARRACKS
    capacity = 60
    living_space_m2 = Decimal("240.0")


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PopulationSnapshot

    facility = factory.SubFactory(FacilityFactory)
    date = dt.date(2026, 10, 1)
    total = 400


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.MONITOR
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
