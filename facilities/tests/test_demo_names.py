"""The demo country shows no English on a Kazakh or Russian page: unit names and addresses exist in
the three languages, and the pages pick the reader's."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation

from facilities import services
from facilities.demo import names
from facilities.demo.generator import generate
from facilities.models import Unit, UnitKind

LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def country():
    return generate()


def test_every_demo_unit_is_named_in_kazakh_and_russian_without_latin_letters(country):
    for facility in country.facilities:
        for unit in facility.units:
            written = names.unit_names(unit.name)
            assert written.en == unit.name
            assert not LATIN.search(written.kk), written.kk
            assert not LATIN.search(written.ru), written.ru


def test_every_demo_address_is_written_in_kazakh_and_russian(country):
    for facility in country.facilities:
        assert facility.address
        assert facility.address_kk
        assert facility.address_ru
        assert not LATIN.search(facility.address_kk), facility.address_kk
        assert not LATIN.search(facility.address_ru), facility.address_ru


def test_a_unit_shows_its_name_in_the_readers_language_until_the_name_changes(personas):
    unit = services.add_unit(facility=personas.colony, by=personas.npm_monitor, code="C001", name="Cell 1",
                             kind=UnitKind.CELL, capacity=4, living_space_m2=Decimal("16.0"))
    Unit.objects.filter(pk=unit.pk).update(name_kk="Камера № 1", name_ru="Камера № 1")
    unit.refresh_from_db()
    with translation.override("kk"):
        assert unit.local_name == "Камера № 1"

    services.update_unit(unit=unit, by=personas.npm_monitor, name="Cell 1 (renovated)")

    unit.refresh_from_db()
    with translation.override("kk"):
        assert unit.local_name == "Cell 1 (renovated)"
