"""What a register row must be: one definition used by the file import, the API and the tests.

``clean_record(raw, now=)`` takes the raw values of one detention (strings from a CSV cell, values
from an XLSX cell, or JSON) and returns the model's fields, or raises ``RowInvalid`` with every
field that is wrong and why. The IIN is turned into its pseudonym here and dropped: nothing after
this function sees it, and no error message repeats it.

Times: an ISO 8601 time with an offset (``2026-03-02T10:15:00+06:00``, ``...Z``) is taken as given
and stored in UTC; a time without an offset (``02.03.2026 10:15``, or an XLSX date-time cell) is
Kazakhstan time, UTC+5, the single time zone since 1 March 2024; before that date the regions kept
UTC+5 or UTC+6, so a time without an offset is refused there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from custody import iin
from custody.conf import KAZAKHSTAN, SINGLE_ZONE_SINCE, person_key
from custody.grounds import GROUNDS_OF_BASIS, CellException, TermGround
from custody.models.register import (
    MOMENTS,
    CourtDecision,
    LawyerKind,
    LegalBasis,
    MedicalResult,
    OffenceCategory,
    Sex,
)
from facilities import text_rules

RECORD_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")
_TRUE = {"1", "true", "yes", "y", "да", "иә", "ия"}
_FALSE = {"0", "false", "no", "n", "нет", "жоқ"}
# Other spellings registers use for the choices (Russian and Kazakh abbreviations).
_SEX_WORDS = {"m": "male", "м": "male", "муж": "male", "ер": "male",  # noqa: RUF001 (Cyrillic on purpose)
              "f": "female", "ж": "female", "жен": "female", "әйел": "female"}
FUTURE_TOLERANCE = dt.timedelta(hours=1)

CHOICES: dict[str, type] = {
    "sex": Sex, "legal_basis": LegalBasis, "offence_category": OffenceCategory, "lawyer_kind": LawyerKind,
    "court_decision": CourtDecision, "medical_result": MedicalResult, "term_ground": TermGround,
    "cell_exception": CellException,
}
BOOLEANS = ("state_of_emergency", "infectious")
# Every field a register row may have, in the order of the import's columns.
FIELDS = ("record_id", "facility", "iin", "birth_date", "sex", "citizenship", "legal_basis", "offence_category",
          "state_of_emergency", "related_group", "infectious", "lawyer_kind", "court_decision", "medical_result",
          "term_ground", "cell_exception", *MOMENTS)
REQUIRED = ("record_id", "facility", "iin", "legal_basis")


class RowInvalid(ValueError):
    """Every field of a row that is wrong: field -> reason (in the active language)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_moment(value: Any) -> dt.datetime:
    """An aware datetime (UTC) from an ISO 8601 string (with or without offset), a dotted local time,
    or a datetime cell; raises ValueError with the reason."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        moment = _moment_from_text(value.strip())
    else:
        raise ValueError(_("Not a date and time; write 2026-03-02T10:15+05:00 or 02.03.2026 10:15."))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KAZAKHSTAN)
        if moment < SINGLE_ZONE_SINCE:
            raise ValueError(_("Before 1 March 2024 Kazakhstan had two time zones: give the offset "
                               "(for example 2023-05-02T10:15+06:00)."))
    if not dt.datetime(2000, 1, 1, tzinfo=dt.UTC) <= moment <= dt.datetime(2100, 1, 1, tzinfo=dt.UTC):
        raise ValueError(_("The date is outside 2000-2100."))
    return moment.astimezone(dt.UTC)


def _moment_from_text(text: str) -> dt.datetime:
    match = _DOTTED.match(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
        if hour is None:
            raise ValueError(_("Give the time of day too (DD.MM.YYYY HH:MM)."))
        parts = (int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    elif not _ISO.match(text):
        raise ValueError(_("Not a date and time; write 2026-03-02T10:15+05:00 or 02.03.2026 10:15."))
    else:
        parts = None
    try:
        return dt.datetime(*parts) if parts else dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise ValueError(_("Not a real date and time.")) from None


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", text)
    try:
        if match:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("Not a real date.")) from None
    raise ValueError(_("Not a date; write DD.MM.YYYY or YYYY-MM-DD."))


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("Write yes or no."))


def parse_choice(name: str, value: Any) -> str:
    choices = CHOICES[name]
    text = str(value).strip().lower()
    if name == "sex":
        text = _SEX_WORDS.get(text, text)
    if text in choices.values:
        return text
    raise ValueError(_("Not one of: %(values)s.") % {"values": ", ".join(choices.values)})


def clean_record(raw: Mapping[str, Any], *, now: dt.datetime, key: bytes | None = None) -> dict[str, Any]:
    """The model fields of one detention (``person`` instead of ``iin``); RowInvalid otherwise."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    unknown = sorted(set(raw) - set(FIELDS))
    for name in unknown:
        errors[name] = _("This is not a field of a register row.")
    for name in REQUIRED:
        if blank(raw.get(name)):
            errors[name] = _("This field is required.")
    if not blank(raw.get("record_id")):
        record_id = str(raw["record_id"]).strip()
        if RECORD_ID_RE.match(record_id):
            out["record_id"] = record_id
        else:
            errors["record_id"] = _("1 to 64 Latin letters, digits and . _ -, starting with a letter or digit.")
    if not blank(raw.get("facility")):
        try:
            out["facility"] = text_rules.code(str(raw["facility"]), max_length=32)
        except text_rules.RuleError as e:
            errors["facility"] = str(e)
    decoded: iin.Iin | None = None
    if not blank(raw.get("iin")):
        try:
            decoded = iin.parse(raw["iin"])
            out["person"] = iin.pseudonym(raw["iin"], key or person_key())
        except iin.IinError as e:
            errors["iin"] = str(e)
    for name in CHOICES:
        if not blank(raw.get(name)):
            try:
                out[name] = parse_choice(name, raw[name])
            except ValueError as e:
                errors[name] = str(e)
        elif name != "legal_basis":
            out[name] = ""
    for name in BOOLEANS:
        if not blank(raw.get(name)):
            try:
                out[name] = parse_bool(raw[name])
            except ValueError as e:
                errors[name] = str(e)
        else:
            out[name] = False if name == "state_of_emergency" else None
    out["citizenship"] = ""
    if not blank(raw.get("citizenship")):
        country = str(raw["citizenship"]).strip().upper()
        if COUNTRY_RE.match(country):
            out["citizenship"] = country
        else:
            errors["citizenship"] = _("A two-letter ISO 3166 country code (KZ; XX for a stateless person).")
    out["related_group"] = ""
    if not blank(raw.get("related_group")):
        try:
            out["related_group"] = text_rules.code(str(raw["related_group"]), max_length=64)
        except text_rules.RuleError as e:
            errors["related_group"] = str(e)
    out["birth_date"] = None
    if not blank(raw.get("birth_date")):
        try:
            out["birth_date"] = parse_date(raw["birth_date"])
        except ValueError as e:
            errors["birth_date"] = str(e)
    if decoded is not None:
        if out.get("birth_date") is None and "birth_date" not in errors:
            out["birth_date"] = decoded.birth_date
        elif out.get("birth_date") not in (None, decoded.birth_date):
            errors["birth_date"] = _("The date of birth differs from the one the IIN encodes.")
        if not out.get("sex") and "sex" not in errors:
            out["sex"] = decoded.sex
        elif out.get("sex") and out["sex"] != decoded.sex:
            errors["sex"] = _("The sex differs from the one the IIN's seventh digit encodes.")
    for name in MOMENTS:
        out[name] = None
        if not blank(raw.get(name)):
            try:
                out[name] = parse_moment(raw[name])
            except ValueError as e:
                errors[name] = str(e)
            else:
                if out[name] > now + FUTURE_TOLERANCE:
                    errors[name] = _("This moment is in the future.")
    _check_order(out, errors)
    _check_exceptions(out, errors)
    if errors:
        raise RowInvalid(errors)
    return out


# Moments that cannot come before another (the register is impossible otherwise). A delivery
# before the actual detention is possible on paper and is what a rule reports, so it is not here.
_NOT_BEFORE = (
    ("released_at", "detained_at"), ("released_at", "delivered_at"), ("transferred_at", "delivered_at"),
    ("transferred_at", "detained_at"), ("protocol_at", "detained_at"),
)


def _check_order(out: Mapping[str, Any], errors: dict[str, str]) -> None:
    labels = {"detained_at": _("the actual detention"), "delivered_at": _("the delivery")}
    for later, earlier in _NOT_BEFORE:
        a, b = out.get(later), out.get(earlier)
        if a is not None and b is not None and a < b and later not in errors:
            errors[later] = _("This is before %(moment)s: impossible.") % {"moment": labels[earlier]}
    born = out.get("birth_date")
    start = out.get("detained_at") or out.get("delivered_at")
    if born is not None and start is not None and start.date() < born and "birth_date" not in errors:
        errors["birth_date"] = _("The person would be detained before they were born.")


def _check_exceptions(out: Mapping[str, Any], errors: dict[str, str]) -> None:
    """A claimed exception must be one the record's kind of detention allows: a Criminal Procedure
    Code ground for a criminal detention, a Code of Administrative Offences ground for an
    administrative one; the cell exception is an adult's."""
    ground, basis = out.get("term_ground"), out.get("legal_basis")
    if ground and basis in GROUNDS_OF_BASIS and ground not in GROUNDS_OF_BASIS[basis] and "term_ground" not in errors:
        allowed = ", ".join(sorted(GROUNDS_OF_BASIS[basis]))
        errors["term_ground"] = _("This ground is not one of a detention on this legal basis (%(basis)s); "
                                  "it may be one of: %(values)s.") % {"basis": basis, "values": allowed}
    born = out.get("birth_date")
    start = out.get("detained_at") or out.get("delivered_at")
    if out.get("cell_exception") and born is not None and start is not None and "cell_exception" not in errors:
        start_day = start.astimezone(KAZAKHSTAN).date()
        try:
            adult_from = born.replace(year=born.year + 18)
        except ValueError:  # 29 February
            adult_from = dt.date(born.year + 18, 3, 1)
        if start_day < adult_from:
            errors["cell_exception"] = _("Only an adult may be placed with minors on this ground; "
                                         "the person is a minor.")


def clean_placement(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A cell placement's fields (record_id, facility, cell, from_at, to_at); RowInvalid otherwise."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in sorted(set(raw) - {"record_id", "facility", "cell", "from", "until"}):
        errors[name] = _("This is not a field of a cell placement.")
    for name in ("record_id", "facility", "cell", "from"):
        if blank(raw.get(name)):
            errors[name] = _("This field is required.")
    for name, target in (("record_id", "record_id"), ("facility", "facility"), ("cell", "cell")):
        if name not in errors:
            try:
                out[target] = text_rules.code(str(raw[name]), max_length=64)
            except text_rules.RuleError as e:
                errors[name] = str(e)
    for name, target in (("from", "from_at"), ("until", "to_at")):
        out[target] = None
        if not blank(raw.get(name)):
            try:
                out[target] = parse_moment(raw[name])
            except ValueError as e:
                errors[name] = str(e)
    if out.get("to_at") is not None and out.get("from_at") is not None and out["to_at"] <= out["from_at"]:
        errors["until"] = _("The placement must end after it starts.")
    if errors:
        raise RowInvalid(errors)
    return out
