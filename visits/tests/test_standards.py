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
