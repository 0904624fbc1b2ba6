"""The standards catalogue as product data (visits/standards/*.yaml), and the one mapping from the
registry's facility types to the catalogue's.

Three files make one catalogue version:

- `indicators.yaml`: the international indicators (questions in English, thresholds, severity,
  references with `confirmed`), as written for this product;
- `indicators.kk-ru.yaml`: the Kazakh and Russian wording of every theme, question, compliance
  condition, answer option and unit, keyed by indicator id (loading refuses an indicator without it);
- `national.yaml`: national rules (custody time limits, parcels, telephone hours, long visits...)
  in the same shape as an indicator, with their own three languages; a rule is added here as
  data, with no change to the code.

`load_catalogue` turns them into a CatalogueVersion with its themes and indicators. Loading the
same files again changes nothing; loading changed files needs a new version label, and the new
version gets new rows, so answers given under an earlier version keep their own indicator.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from facilities.models import FacilityType
from visits.models import AnswerType, CatalogueVersion, Indicator, IndicatorOrigin, Severity, Theme

DIRECTORY = Path(__file__).resolve().parent / "standards"
FILES = ("indicators.yaml", "indicators.kk-ru.yaml", "national.yaml")

# The catalogue's facility types.
CATALOGUE_TYPES = ("prison", "pretrial", "police_custody", "children_closed", "crisis_centre")

# The registry's facility types as the catalogue names them: the one place this mapping is made.
CATALOGUE_TYPE_OF: dict[str, str] = {
    **{t: "prison" for t in FacilityType.colonies()},
    FacilityType.PRETRIAL: "pretrial",
    FacilityType.POLICE_TDC: "police_custody",
    FacilityType.SPECIAL_RECEPTION: "police_custody",
    FacilityType.SPECIAL_SCHOOL: "children_closed",
    FacilityType.CRISIS_CENTRE: "crisis_centre",
}
assert set(CATALOGUE_TYPE_OF) == set(FacilityType.values), "every registry type maps to a catalogue type"

OPERATORS = ("==", ">=", "<=", ">", "<")
LANGUAGES = ("kk", "ru")


class CatalogueError(ValidationError):
    """The files do not make a catalogue; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class Loaded:
    catalogue: CatalogueVersion
    created: bool


def catalogue_type(facility_type: str) -> str:
    return CATALOGUE_TYPE_OF[facility_type]


def current_catalogue() -> CatalogueVersion | None:
    """The latest catalogue loaded: the one new visits are recorded under."""
    return CatalogueVersion.objects.order_by("-loaded_at", "-id").first()


def checklist(catalogue: CatalogueVersion, facility_type: str):  # -> QuerySet[Indicator]
    """The indicators of `catalogue` that apply to a facility of the registry's `facility_type`."""
    wanted = catalogue_type(facility_type)
    ids = [pk for pk, types in catalogue.indicators.values_list("pk", "facility_types") if wanted in types]
    return (Indicator.objects.filter(pk__in=ids).select_related("theme").order_by("theme__position", "position"))


def _read(directory: Path) -> tuple[dict[str, Any], str]:
    digest = hashlib.sha256()
    documents: dict[str, Any] = {}
    for name in FILES:
        path = directory / name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise CatalogueError(f"{name}: file missing") from None
        digest.update(name.encode() + b"\0" + raw + b"\0")
        try:
            documents[name] = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
        except yaml.YAMLError as error:
            raise CatalogueError(f"{name}: not valid YAML ({error})") from None
        if not isinstance(documents[name], dict):
            raise CatalogueError(f"{name}: expected a mapping at the top")
    return documents, digest.hexdigest()


def _need(mapping: Any, key: str, where: str) -> Any:
    if not isinstance(mapping, dict) or mapping.get(key) in (None, ""):
        raise CatalogueError(f"{where}: {key} is missing")
    return mapping[key]


def _translated(translations: dict[str, Any], key: str, where: str) -> dict[str, str]:
    entry = translations.get(key)
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: no Kazakh and Russian translation")
    out = {}
    for language in LANGUAGES:
        text = entry.get(language)
        if not isinstance(text, str) or not text.strip():
            raise CatalogueError(f"{where}: the {language} translation is missing")
        out[language] = text.strip()
    return out


def _check_threshold(item: dict[str, Any], where: str) -> None:
    answer_type, threshold = item["answer_type"], item.get("threshold")
    if not isinstance(threshold, dict):
        raise CatalogueError(f"{where}: threshold must be a mapping")
    if answer_type == AnswerType.YES_NO:
        if threshold.get("expected") not in ("yes", "no"):
            raise CatalogueError(f"{where}: a yes/no threshold expects 'yes' or 'no'")
    elif answer_type == AnswerType.CHOICE:
        options = item.get("options") or []
        compliant = threshold.get("compliant_options") or []
        if not options or not compliant or not set(compliant) <= set(options):
            raise CatalogueError(f"{where}: compliant_options must be some of the options")
    else:
        if threshold.get("operator") not in OPERATORS:
            raise CatalogueError(f"{where}: operator must be one of {', '.join(OPERATORS)}")
        value = threshold.get("value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise CatalogueError(f"{where}: threshold value must be a number or null")


def _indicator_rows(item: dict[str, Any], *, where: str, theme_keys: set[str],
                    texts: dict[str, dict[str, str]]) -> dict[str, Any]:
    for key in ("id", "theme", "facility_types", "question", "answer_type", "severity_if_not_met"):
        _need(item, key, where)
    if item["theme"] not in theme_keys:
        raise CatalogueError(f"{where}: theme {item['theme']!r} is not a theme of the catalogue")
    if item["answer_type"] not in AnswerType.values:
        raise CatalogueError(f"{where}: answer_type {item['answer_type']!r} is not one of {AnswerType.values}")
    if item["severity_if_not_met"] not in Severity.values:
        raise CatalogueError(f"{where}: severity {item['severity_if_not_met']!r} is not one of {Severity.values}")
    types = item["facility_types"]
    if not isinstance(types, list) or not types or not set(types) <= set(CATALOGUE_TYPES):
        raise CatalogueError(f"{where}: facility_types must be some of {', '.join(CATALOGUE_TYPES)}")
    _check_threshold(item, where)
    references = []
    for number, reference in enumerate(item.get("references") or [], 1):
        if not isinstance(reference, dict) or not reference.get("instrument"):
            raise CatalogueError(f"{where}: reference {number} names no instrument")
        references.append({
            "instrument": str(reference["instrument"]), "provision": str(reference.get("provision", "")),
            "note": str(reference.get("note", "")), "confirmed": reference.get("confirmed") is True,
        })
    if not references:
        raise CatalogueError(f"{where}: an indicator needs at least one reference")
    return {
        "code": item["id"], "facility_types": list(types),
        "question_en": item["question"].strip(), "question_kk": texts["question"]["kk"],
        "question_ru": texts["question"]["ru"],
        "compliant_if_en": str(item.get("compliant_if", "")).strip(),
        "compliant_if_kk": texts.get("compliant_if", {}).get("kk", ""),
        "compliant_if_ru": texts.get("compliant_if", {}).get("ru", ""),
        "answer_type": item["answer_type"], "unit": str(item.get("unit", "") or ""),
        "threshold": item["threshold"], "severity": item["severity_if_not_met"],
        "escalation": str(item.get("escalation", "") or ""), "method": list(item.get("method") or []),
        "references": references, "kz_context": str(item.get("kz_context", "") or ""),
    }


def _options(item: dict[str, Any], labels: dict[str, Any], where: str) -> list[dict[str, str]]:
    options = []
    for value in item.get("options") or []:
        label = labels.get(value)
        if not isinstance(label, dict) or not all(label.get(k) for k in ("en", "kk", "ru")):
            raise CatalogueError(f"{where}: option {value!r} has no label in en, kk and ru")
        options.append({"value": value, "label_en": label["en"], "label_kk": label["kk"], "label_ru": label["ru"]})
    return options


def _unit_labels(unit: str, units: dict[str, Any], where: str) -> dict[str, str]:
    if not unit:
        return {}
    labels = units.get(unit)
    if not isinstance(labels, dict) or not all(labels.get(k) for k in ("en", "kk", "ru")):
        raise CatalogueError(f"{where}: unit {unit!r} has no label in en, kk and ru (indicators.kk-ru.yaml units)")
    return {k: labels[k] for k in ("en", "kk", "ru")}


def parse(directory: Path = DIRECTORY) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], str]:
    """(catalogue header, themes, indicators) as rows to create, and the files' digest.

    Raises CatalogueError naming what is wrong; nothing is written here.
    """
    documents, digest = _read(directory)
    international, translations, national = (documents[name] for name in FILES)
    header = _need(international, "catalogue", "indicators.yaml")
    national_header = _need(national, "catalogue", "national.yaml")
    version = "{}+national.{}".format(_need(header, "version", "indicators.yaml catalogue"),
                                      _need(national_header, "version", "national.yaml catalogue"))
    theme_texts = translations.get("themes") or {}
    themes = []
    for position, theme in enumerate(_need(international, "themes", "indicators.yaml"), 1):
        where = f"indicators.yaml theme {position}"
        key = _need(theme, "key", where)
        texts = _translated(theme_texts, key, f"indicators.kk-ru.yaml themes.{key}")
        themes.append({"key": key, "id_prefix": _need(theme, "id_prefix", where), "position": position,
                       "label_en": _need(theme, "label", where), "label_kk": texts["kk"], "label_ru": texts["ru"]})
    theme_keys = {t["key"] for t in themes}
    option_labels = translations.get("options") or {}
    units = translations.get("units") or {}
    indicator_texts = translations.get("indicators") or {}
    rows, seen = [], set()
    sources = [("indicators.yaml", IndicatorOrigin.INTERNATIONAL, item) for item in
               _need(international, "indicators", "indicators.yaml")]
    sources += [("national.yaml", IndicatorOrigin.NATIONAL, item) for item in national.get("rules") or []]
    for position, (name, origin, item) in enumerate(sources, 1):
        where = f"{name} {item.get('id', f'entry {position}') if isinstance(item, dict) else f'entry {position}'}"
        if not isinstance(item, dict):
            raise CatalogueError(f"{where}: expected a mapping")
        if origin == IndicatorOrigin.NATIONAL:
            # A national rule carries its own translations: question_kk, question_ru, compliant_if_kk...
            texts = {"question": _translated({"q": {k: item.get(f"question_{k}") for k in LANGUAGES}}, "q", where),
                     "compliant_if": {k: str(item.get(f"compliant_if_{k}", "")) for k in LANGUAGES}}
            labels = {**option_labels, **(item.get("option_labels") or {})}
        else:
            entry = indicator_texts.get(item.get("id"))
            texts = {"question": _translated(entry or {}, "question", f"indicators.kk-ru.yaml {item.get('id')}")}
            if str(item.get("compliant_if", "") or "").strip():
                # The compliance condition is shown beside every finding: it is read in the reader's language.
                texts["compliant_if"] = _translated(entry or {}, "compliant_if",
                                                    f"indicators.kk-ru.yaml {item.get('id')} compliant_if")
            labels = option_labels
        row = _indicator_rows(item, where=where, theme_keys=theme_keys, texts=texts)
        if row["code"] in seen:
            raise CatalogueError(f"{where}: the id {row['code']} is used twice")
        seen.add(row["code"])
        row.update(origin=origin, position=position, theme=item["theme"], options=_options(item, labels, where),
                   unit_labels=_unit_labels(row["unit"], units, where))
        rows.append(row)
    catalogue = {"version": version, "name": str(header.get("name", "")), "note": str(header.get("note", ""))}
    return catalogue, themes, rows, digest


@transaction.atomic
def load_catalogue(*, directory: Path = DIRECTORY) -> Loaded:
    """Load the catalogue files as a version; the same files twice are one version.

    Raises CatalogueError if the files are malformed, or if they changed but kept the version
    label of one already loaded (answers were given under it: give the new files a new version).
    """
    header, themes, rows, digest = parse(directory)
    existing = CatalogueVersion.objects.select_for_update().filter(version=header["version"]).first()
    if existing is not None:
        if existing.digest != digest:
            raise CatalogueError(
                f"version {header['version']} is already loaded from different files; answers may have been "
                "given under it, so give the changed catalogue (indicators.yaml or national.yaml) a new version")
        return Loaded(existing, created=False)
    catalogue = CatalogueVersion.objects.create(digest=digest, **header)
    by_key = {t["key"]: Theme.objects.create(catalogue=catalogue, **t) for t in themes}
    Indicator.objects.bulk_create(
        Indicator(catalogue=catalogue, **{**row, "theme": by_key[row["theme"]]}) for row in rows
    )
    return Loaded(catalogue, created=True)
