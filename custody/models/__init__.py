"""The custody app's models, one module per resource."""

from custody.models.alerts import Alert, AlertStatus, Notification, Severity
from custody.models.register import (
    CellPlacement,
    CourtDecision,
    Detention,
    ImportChannel,
    LawyerKind,
    LegalBasis,
    MedicalResult,
    OffenceCategory,
    RegisterImport,
    Sex,
)

__all__ = [
    "Alert", "AlertStatus", "CellPlacement", "CourtDecision", "Detention", "ImportChannel", "LawyerKind",
    "LegalBasis", "MedicalResult", "Notification", "OffenceCategory", "RegisterImport", "Severity", "Sex",
]
