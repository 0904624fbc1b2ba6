"""The rule file's texts (title, legal basis) are each required in every language, or refused by name."""

# ruff: noqa: RUF001 - the Kazakh and Russian citations are Cyrillic on purpose.

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from custody.rules import catalogue
from custody.rules.catalogue import LANGUAGES, RuleSetError

TEXT = catalogue.DEFAULT_FILE.read_text(encoding="utf-8")
RULES = catalogue.parse(TEXT)
BASE = next(rule for rule in yaml.safe_load(TEXT)["rules"] if rule["code"] == "woman_with_men")
NOT_A_TEXT = (None, "", "   ", "\n\t", 0, 12, 1.5, True, [], ["text"], {"en": "text"})


def one_rule(**fields) -> str:
    rule = {**BASE, **fields}
    for name, value in fields.items():
        if value is ...:
            del rule[name]
    return yaml.safe_dump({"jurisdiction": "KZ", "rules": [rule]}, allow_unicode=True)


def test_the_rule_file_has_every_legal_basis_in_every_language():
    for rule in RULES.rules:
        assert set(rule.legal_basis) == set(LANGUAGES)
        assert all(rule.legal_basis[lang].strip() for lang in LANGUAGES)
        assert len({rule.legal_basis[lang] for lang in LANGUAGES}) == 3, f"{rule.code} is not translated"


def test_every_translation_of_a_basis_cites_the_same_numbers_as_the_english():
    for rule in RULES.rules:
        english = sorted(re.findall(r"\d+", rule.legal_basis["en"]))
        for lang in ("ru", "kk"):
            assert sorted(re.findall(r"\d+", rule.legal_basis[lang])) == english, (rule.code, lang)


def test_the_russian_and_kazakh_bases_cite_the_codes_in_their_own_language():
    for rule in RULES.rules:
        for lang, marks in (("ru", ("УПК РК", "КоАП РК", "Закон от 30 марта 1999 года № 353-I")),
                            ("kk", ("ҚР ҚПК", "ҚР ӘҚБтК", "1999 жылғы 30 наурыздағы № 353-I"))):
            basis = rule.legal_basis[lang]
            assert any(mark in basis for mark in marks), (rule.code, lang)
            assert "Code" not in basis, (rule.code, lang)
            assert "Law No." not in basis, (rule.code, lang)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_rule_gives_its_basis_and_title_in_the_language_asked(language):
    rule = RULES.by_code["adult_sanction_48h"]
    assert rule.basis_in(language) == rule.legal_basis[language]
    assert rule.title_in(language) == rule.title[language]


@pytest.mark.parametrize("language", ["", "de", "kk-kz", "RU"])
def test_another_or_regional_language_reads_its_own_text_or_english(language):
    rule = RULES.by_code["adult_sanction_48h"]
    expected = {"kk-kz": "kk", "RU": "ru"}.get(language, "en")
    assert rule.basis_in(language) == rule.legal_basis[expected]
    assert rule.title_in(language) == rule.title[expected]


def test_the_basis_as_one_text_is_refused_naming_the_rule_and_the_languages():
    with pytest.raises(RuleSetError, match=r"^rule woman_with_men: legal_basis must be a map of en, ru, kk to texts$"):
        catalogue.parse(one_rule(legal_basis="Law No. 353-I of 30 March 1999, art. 32(2)(1)"))


@pytest.mark.parametrize("field", ["legal_basis", "title"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("value", [..., *NOT_A_TEXT[:5]])
def test_a_missing_or_empty_language_is_refused_naming_the_rule_and_the_language(field, language, value):
    texts = {**BASE[field], language: value}
    if value is ...:
        del texts[language]
    with pytest.raises(RuleSetError, match=rf"^rule woman_with_men: {field} has no {language} text"):
        catalogue.parse(one_rule(**{field: texts}))


@pytest.mark.parametrize("field", ["legal_basis", "title"])
@pytest.mark.parametrize("value", [..., None, "", ["en", "ru", "kk"], 7])
def test_a_missing_or_malformed_map_is_refused(field, value):
    with pytest.raises(RuleSetError, match=rf"^rule woman_with_men: {field} must be a map"):
        catalogue.parse(one_rule(**{field: value}))


def test_basis_confirmed_is_still_required():
    with pytest.raises(RuleSetError, match="rule woman_with_men: basis_confirmed"):
        catalogue.parse(one_rule(basis_confirmed="yes"))


languages = st.sampled_from(LANGUAGES)
texts = st.dictionaries(
    st.one_of(languages, st.sampled_from(["kz", "EN", "", "ru-RU"]), st.integers(0, 3)),
    st.one_of(st.text(max_size=20), st.sampled_from(NOT_A_TEXT), st.integers()),
    max_size=6,
)


def _first_missing(value) -> str | None:
    if not isinstance(value, dict):
        return "map"
    for lang in LANGUAGES:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            return lang
    return None


@settings(max_examples=150, deadline=None)
@given(title=st.one_of(texts, st.text(max_size=5)), basis=st.one_of(texts, st.text(max_size=5), st.none()))
def test_any_language_map_is_either_read_whole_or_refused_naming_what_is_missing(title, basis):
    text = one_rule(title=title, legal_basis=basis)
    expected = [(field, missing) for field, missing in (("title", _first_missing(title)),
                                                        ("legal_basis", _first_missing(basis))) if missing]
    if not expected:
        rule = catalogue.parse(text).rules[0]
        assert rule.title == {lang: title[lang] for lang in LANGUAGES}
        assert rule.legal_basis == {lang: basis[lang] for lang in LANGUAGES}
        return
    field, missing = expected[0]
    with pytest.raises(RuleSetError) as refused:
        catalogue.parse(text)
    message = str(refused.value)
    assert message.startswith(f"rule woman_with_men: {field} ")
    assert ("must be a map" if missing == "map" else f"has no {missing} text") in message
