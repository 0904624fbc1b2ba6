"""The visits app's models, one module per resource."""

from visits.models.answer import Answer, AnswerConflict, Compliance
from visits.models.catalogue import AnswerType, CatalogueVersion, Indicator, IndicatorOrigin, Severity, Theme
from visits.models.evidence import Evidence, EvidenceKind
from visits.models.interview import Interview, NotesState, SealingKey
from visits.models.visit import AccessOutcome, Observation, TeamMember, Visit, VisitKind, VisitStatus, VisitTiming

__all__ = [
    "AccessOutcome", "Answer", "AnswerConflict", "AnswerType", "CatalogueVersion", "Compliance", "Evidence",
    "EvidenceKind", "Indicator", "IndicatorOrigin", "Interview", "NotesState", "Observation", "SealingKey",
    "Severity", "TeamMember", "Theme", "Visit", "VisitKind", "VisitStatus", "VisitTiming",
]
