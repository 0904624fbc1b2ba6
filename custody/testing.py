"""Test helpers of the custody app: valid IINs, register rows and files, police centres."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from custody import iin
from custody.conf import KAZAKHSTAN
from custody.rules.facts import Placement, Record

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=KAZAKHSTAN)
ADULT_BIRTH = dt.date(1990, 5, 17)
MINOR_BIRTH = dt.date(2010, 1, 1)


def at(hours: float, base: dt.datetime = T0) -> dt.datetime:
    return base + dt.timedelta(hours=hours)


def record(key: str = "r1", *, person: str = "", **facts: Any) -> Record:
    """A complete, lawful adult criminal detention at T0, with ``facts`` changed."""
    values: dict[str, Any] = dict(
        facility="1", person=person or f"p-{key}", birth_date=ADULT_BIRTH, sex="male", citizenship="KZ",
        legal_basis="criminal", offence_category="medium", detained_at=T0, delivered_at=at(1), protocol_at=at(2),
        prosecutor_notified_at=at(3), family_notified_at=at(3), medical_exam_at=at(4), medical_result="no_injuries",
        court_sanction_at=at(40), court_decision="custody", transferred_at=at(41),
    )
    values.update(facts)
    placements = values.pop("placements", [])
    rec = Record(key=key, line=f"line of {key}", **values)
    rec.placements = [Placement(cell=c, start=s, end=e, line=f"{key}/{c}") for c, s, e in placements]
    return rec


def row(record_id: str = "R-1", *, facility: str = "TDC-1", **values: Any) -> dict[str, Any]:
    """A register row as a police centre exports it (strings), lawful, for an adult man."""
    base = {
        "record_id": record_id, "facility": facility, "iin": iin.make(ADULT_BIRTH, "male", serial=7),
        "citizenship": "KZ", "legal_basis": "criminal", "offence_category": "medium",
        "detained_at": "02.03.2026 10:00", "delivered_at": "02.03.2026 11:00", "protocol_at": "02.03.2026 12:00",
        "prosecutor_notified_at": "02.03.2026 13:00", "family_notified_at": "02.03.2026 13:00",
        "medical_exam_at": "02.03.2026 14:00", "medical_result": "no_injuries",
        "court_sanction_at": "04.03.2026 02:00", "court_decision": "custody", "transferred_at": "04.03.2026 03:00",
    }
    base.update(values)
    return {k: v for k, v in base.items() if v is not None}


def csv_bytes(rows: list[dict[str, Any]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    header: list[str] = []
    for r in rows:
        header.extend(k for k in r if k not in header)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
