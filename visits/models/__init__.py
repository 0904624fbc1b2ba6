"""The visits app's models, one module per resource."""

from visits.models.answer import Answer, AnswerConflict, Compliance
from visits.models.catalogue import AnswerType, CatalogueVersion, Indicator, IndicatorOrigin, Severity, Theme
from visits.models.evidence import Evidence, EvidenceKind
from visits.models.findings import (
    FINDING_TRANSITIONS,
    CriticalKind,
    Finding,
    FindingOrigin,
    FindingStatus,
    Notification,
    NotificationKind,
)
from visits.models.interview import Interview, NotesState, SealingKey
from visits.models.recommendations import (
    TRANSITIONS,
    Addressee,
    PlannedAction,
    Recommendation,
    RecommendationStatus,
    ReprisalCheck,
    ReprisalOutcome,
    Statement,
    StatementKind,
)
from visits.models.visit import AccessOutcome, Observation, TeamMember, Visit, VisitKind, VisitStatus, VisitTiming

__all__ = [
    "FINDING_TRANSITIONS", "TRANSITIONS", "Addressee", "CriticalKind", "Finding", "FindingOrigin", "FindingStatus",
    "Notification", "NotificationKind", "PlannedAction", "Recommendation", "RecommendationStatus", "ReprisalCheck",
    "ReprisalOutcome", "Statement", "StatementKind",
    "AccessOutcome", "Answer", "AnswerConflict", "AnswerType", "CatalogueVersion", "Compliance", "Evidence",
    "EvidenceKind", "Indicator", "IndicatorOrigin", "Interview", "NotesState", "Observation", "SealingKey",
    "Severity", "TeamMember", "Theme", "Visit", "VisitKind", "VisitStatus", "VisitTiming",
]
