"""Codes are found whatever keyboard they were typed on, and sort as people count."""

# Cyrillic look-alikes of Latin letters are what these tests are about.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from facilities import search, selectors, services
from facilities.demo.generator import generate
from facilities.factories import FacilityFactory
from facilities.models import Facility


@pytest.mark.parametrize(("typed", "code"), [
    ("ЛА-155", "LA-155/1"),       # transliterated on a Russian keyboard
    ("АК-159", "AK-159/2"),       # Cyrillic letters that look like the Latin ones
    ("ак-159/2", "AK-159/2"),     # lower case
    ("AK–159", "AK-159/2"),       # an en dash from a word processor
    ("la 155", "LA-155/1"),       # a space instead of the dash
    ("LA-155", "LA-155/1"),
])
def test_a_code_typed_in_cyrillic_or_latin_letters_finds_the_facility(personas, typed, code):
    found = selectors.filter_facilities(Facility.objects.all(), selectors.FacilityFilter(q=typed))

    assert [f.code for f in found] == [code]


def test_the_list_page_finds_a_code_typed_in_cyrillic(client, personas):
    client.force_login(personas.npm_monitor)

    response = client.get(reverse("facilities:list"), {"q": "ЛА-155"})

    assert "LA-155/1" in response.content.decode()
    assert "AK-159/2" not in response.content.decode()


def test_codes_sort_naturally(personas):
    for code in ("AK-159/11", "AK-159/6", "AK-159/100", "AK-158/20"):
        FacilityFactory(code=code)

    codes = [f.code for f in Facility.objects.filter(code__startswith="AK-15")]

    assert codes == ["AK-158/20", "AK-159/2", "AK-159/6", "AK-159/11", "AK-159/100"]


def test_the_services_keep_the_keys_when_the_code_changes(personas):
    facility = services.update_facility(facility=personas.colony, by=personas.npm_monitor, code="ЛА-155/7")

    assert (facility.search_key, facility.sort_key) == ("LA155/7", "LA00000155/00000007")
    assert Facility.objects.get(pk=facility.pk).search_key == "LA155/7"


def test_changing_an_address_drops_its_outdated_translations(personas):
    Facility.objects.filter(pk=personas.colony.pk).update(address="1 Abay Avenue", address_ru="проспект Абая, 1")
    colony = Facility.objects.get(pk=personas.colony.pk)

    services.update_facility(facility=colony, by=personas.npm_monitor, address="5 Steppe Street")

    colony.refresh_from_db()
    with translation.override("ru"):
        assert colony.local_address == "5 Steppe Street"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_search_examples_find_something_in_the_demo_country(language):
    country = generate()
    with translation.override(language):
        code, word = search.search_examples()
        placeholder = search.search_placeholder()
    names = [getattr(f, f"name_{language}") for f in country.facilities]

    assert code in {f.code for f in country.facilities}
    assert any(word in name for name in names), word
    assert code in placeholder
    assert word in placeholder


@given(st.text(max_size=40))
def test_keys_are_total_and_bounded(text):
    assert len(search.search_key(text)) <= search.SEARCH_KEY_LENGTH
    assert len(search.sort_key(text)) <= search.SORT_KEY_LENGTH
    assert search.search_key(search.search_key(text)) == search.search_key(text)
