"""The standards catalogue: loaded whole, translated, versioned, and national rules as data."""

from __future__ import annotations

import shutil
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from facilities.models import FacilityType
from visits import services
from visits.models import Answer, Indicator, IndicatorOrigin
from visits.standards import CATALOGUE_TYPE_OF, DIRECTORY, CatalogueError, checklist, load_catalogue


def test_the_catalogue_has_119_indicators_in_15_themes_each_in_three_languages(catalogue):
    international = catalogue.indicators.filter(origin=IndicatorOrigin.INTERNATIONAL)
    assert international.count() == 119
    assert catalogue.themes.count() == 15
    for indicator in catalogue.indicators.all():
        assert indicator.question_en, indicator.code
        assert indicator.question_kk, indicator.code
        assert indicator.question_ru, indicator.code
        assert indicator.question_kk != indicator.question_en
        assert indicator.question_ru != indicator.question_kk
    for theme in catalogue.themes.all():
        assert theme.label_kk
        assert theme.label_ru
    assert catalogue.indicators.filter(origin=IndicatorOrigin.NATIONAL).exists()
    space = catalogue.indicators.get(code="SPACE-06")
    with translation.override("ru"):
        assert space.question.startswith("Как вы оцениваете")
        assert space.option_label("adequate") == "надлежащее"
    with translation.override("kk"):
        assert catalogue.indicators.get(code="SPACE-01").unit_label == "адамға шаққанда м²"


def test_unconfirmed_references_are_marked(catalogue):
    adm01 = catalogue.indicators.get(code="ADM-01")
    assert adm01.has_unconfirmed_reference
    assert [r["instrument"] for r in adm01.unconfirmed_references] == ["Body of Principles (A/RES/43/173)"]


def test_loading_twice_is_one_version(db):
    first = load_catalogue()
    out = StringIO()
    call_command("load_standards", stdout=out)
    assert not load_catalogue().created
    assert first.created
    assert "nothing changed" in out.getvalue()
    assert Indicator.objects.count() == first.catalogue.indicators.count()


def test_every_registry_type_has_a_checklist(catalogue):
    assert set(CATALOGUE_TYPE_OF) == set(FacilityType.values)
    for facility_type in FacilityType.values:
        assert checklist(catalogue, facility_type).exists(), facility_type
    crisis = set(checklist(catalogue, FacilityType.CRISIS_CENTRE).values_list("code", flat=True))
    assert "ADM-07" in crisis
    assert "ADM-07" not in set(checklist(catalogue, FacilityType.COLONY_MEDIUM).values_list("code", flat=True))


def _copy(tmp_path):
    target = tmp_path / "standards"
    shutil.copytree(DIRECTORY, target)
    return target


def test_a_national_rule_is_added_as_data_and_a_new_version_leaves_old_answers_alone(visit, personas, tmp_path):
    services.record_arrival(visit=visit, by=personas.npm_monitor, at=timezone.now())
    old = services.save_answer(visit=visit, by=personas.npm_monitor, indicator="NAT-03", value="yes").answer
    directory = _copy(tmp_path)
    national = yaml.safe_load((directory / "national.yaml").read_text(encoding="utf-8"))
    rule = dict(national["rules"][2], id="NAT-99", question="Are telephone hours at least two a week?",
                question_kk="Телефон уақыты аптасына кемінде екі ме?",
                question_ru="Не менее двух часов звонков в неделю?")  # noqa: RUF001 (Russian text)
    national["rules"].append(rule)
    national["rules"][2]["threshold"] = {"expected": "no"}  # a later version judges NAT-03 the other way
    (directory / "national.yaml").write_text(yaml.safe_dump(national, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="new version"):
        load_catalogue(directory=directory)
    national["catalogue"]["version"] = "2026.2"
    (directory / "national.yaml").write_text(yaml.safe_dump(national, allow_unicode=True), encoding="utf-8")
    newer = load_catalogue(directory=directory)
    assert newer.created
    assert newer.catalogue.indicators.filter(code="NAT-99").exists()
    old.refresh_from_db()
    assert old.indicator.catalogue == visit.catalogue
    assert old.compliance == "met"
    assert Answer.objects.get().indicator.threshold == {"expected": "yes"}


def test_a_broken_catalogue_is_refused_with_the_place_and_the_reason(db, tmp_path):
    directory = _copy(tmp_path)
    translations = yaml.safe_load((directory / "indicators.kk-ru.yaml").read_text(encoding="utf-8"))
    del translations["indicators"]["HLT-03"]["question"]["kk"]
    (directory / "indicators.kk-ru.yaml").write_text(yaml.safe_dump(translations, allow_unicode=True),
                                                     encoding="utf-8")
    with pytest.raises(CommandError, match="HLT-03: the kk translation is missing"):
        call_command("load_standards", directory=directory)
    assert not Indicator.objects.exists()


def test_every_indicator_has_kazakh_and_russian_text_for_every_translatable_field(catalogue):
    """Questions, compliance conditions (the "standard" beside each finding), options, units, themes."""
    missing = []
    for indicator in catalogue.indicators.select_related("theme"):
        fields = [("question", indicator.question_en)]
        if indicator.compliant_if_en:
            fields.append(("compliant_if", indicator.compliant_if_en))
        for field, english in fields:
            for language in ("kk", "ru"):
                text = getattr(indicator, f"{field}_{language}")
                if not text.strip() or text == english:
                    missing.append(f"{indicator.code} {field} {language}")
        for option in indicator.options:
            missing += [f"{indicator.code} option {option['value']} {lang}" for lang in ("kk", "ru")
                        if not option.get(f"label_{lang}") or option[f"label_{lang}"] == option["value"]]
        if indicator.unit:
            missing += [f"{indicator.code} unit {lang}" for lang in ("kk", "ru")
                        if not indicator.unit_labels.get(lang) or indicator.unit_labels[lang] == indicator.unit]
    for theme in catalogue.themes.all():
        missing += [f"theme {theme.key} {lang}" for lang in ("kk", "ru")
                    if not getattr(theme, f"label_{lang}") or getattr(theme, f"label_{lang}") == theme.label_en]
    assert missing == []
    space = catalogue.indicators.get(code="SPACE-01")
    with translation.override("kk"):
        assert space.compliant_if == "Санитариялық торапты есептемегенде адамға кемінде 4 м²"
    with translation.override("ru"):
        assert space.compliant_if == "Не менее 4 м² на человека без учёта санитарного узла"  # noqa: RUF001


def test_a_catalogue_without_a_translated_compliance_condition_is_refused(db, tmp_path):
    directory = tmp_path / "standards"
    shutil.copytree(DIRECTORY, directory)
    translations = yaml.safe_load((directory / "indicators.kk-ru.yaml").read_text(encoding="utf-8"))
    del translations["indicators"]["SPACE-01"]["compliant_if"]["ru"]
    (directory / "indicators.kk-ru.yaml").write_text(yaml.safe_dump(translations, allow_unicode=True),
                                                      encoding="utf-8")
    with pytest.raises(CatalogueError, match="SPACE-01 compliant_if: the ru translation is missing"):
        load_catalogue(directory=directory)
