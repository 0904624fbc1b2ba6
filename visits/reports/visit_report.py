"""The visit report, generated from the record: summary, findings by theme and severity,
recommendations, photos. One context for the HTML page and the PDF (WeasyPrint, DejaVu fonts)."""

from __future__ import annotations

import base64
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from visits.models import (
    Compliance,
    EvidenceKind,
    Finding,
    FindingStatus,
    Recommendation,
    Severity,
    Visit,
)
from visits.models.findings import SEVERITY_ORDER

LANGUAGES = ("kk", "ru", "en")
PRINT_CSS = Path(__file__).with_name("print.css")
PHOTO_EDGE = 1000  # pixels: enough for print at about 10 cm, small enough to render 20 photos quickly


@dataclass
class ThemeSection:
    label: str
    findings: list[tuple[Finding, list[Recommendation]]] = field(default_factory=list)


@dataclass
class Photo:
    data_uri: str
    description: str
    sha256: str


def _photo(evidence: Any) -> Photo | None:
    """A photo scaled for the report, as a data URI (no file path leaves the server in the HTML)."""
    from PIL import Image

    try:
        with evidence.file.open("rb") as stream:
            image = Image.open(stream)
            image.draft("RGB", (PHOTO_EDGE, PHOTO_EDGE))  # JPEG: decode at a reduced scale, much faster
            image = image.convert("RGB")
            image.thumbnail((PHOTO_EDGE, PHOTO_EDGE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80)
    except (OSError, ValueError):
        return None  # a file missing from storage is listed by its hash, never a 500
    return Photo("data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii"),
                 evidence.description, evidence.sha256)


def report_context(visit: Visit) -> dict[str, Any]:
    findings = list(visit.findings.filter(status=FindingStatus.CONFIRMED)
                    .select_related("theme", "indicator").prefetch_related("recommendations"))
    findings.sort(key=lambda f: (f.theme.position, SEVERITY_ORDER.index(f.severity), f.pk))
    sections: dict[int, ThemeSection] = {}
    for finding in findings:
        section = sections.setdefault(finding.theme_id, ThemeSection(finding.theme.label))
        section.findings.append((finding, sorted(finding.recommendations.all(), key=lambda r: r.pk)))
    severity_counts = Counter(f.severity for f in findings)
    compliance = Counter(visit.answers.values_list("compliance", flat=True))
    photos = [p for p in (_photo(e) for e in visit.evidence.filter(kind=EvidenceKind.PHOTO).order_by("pk"))
              if p is not None]
    return {
        "visit": visit,
        "facility": visit.facility,
        "team": list(visit.team.select_related("user", "organisation")),
        "sections": list(sections.values()),
        "severity_counts": [(str(Severity(s).label), severity_counts.get(s, 0)) for s in SEVERITY_ORDER],
        "findings_total": len(findings),
        "answers": [(str(Compliance(c).label), compliance.get(c, 0)) for c in Compliance.values],
        "unconfirmed_references": any(f.indicator and f.indicator.has_unconfirmed_reference for f in findings),
        "photos": photos,
        "recommendations_total": sum(len(recs) for s in sections.values() for _f, recs in s.findings),
    }


def render_pdf(visit: Visit, *, language: str) -> bytes:
    """The report as a PDF in `language` (kk, ru or en)."""
    from weasyprint import CSS, HTML

    with translation.override(language):
        html = render_to_string("visits/reports/visit_report_print.html",
                                {**report_context(visit), "language": language})
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))])
