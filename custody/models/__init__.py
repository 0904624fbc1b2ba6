"""The custody app's models, one module per resource."""

from custody.models.alerts import Alert, AlertStatus, Notification, Severity
from custody.models.colony import ChildInColony, Enrolment, Programme
from custody.models.medical import (
    AntenatalVisit,
    Consistency,
    Examination,
    ExaminationOccasion,
    InjuryPhoto,
    InjuryType,
    MedicalRequest,
    Pregnancy,
)
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
    "Alert",
    "AlertStatus",
    "AntenatalVisit",
    "CellPlacement",
    "ChildInColony",
    "Consistency",
    "CourtDecision",
    "Detention",
    "Enrolment",
    "Examination",
    "ExaminationOccasion",
    "ImportChannel",
    "InjuryPhoto",
    "InjuryType",
    "LawyerKind",
    "LegalBasis",
    "MedicalRequest",
    "MedicalResult",
    "Notification",
    "OffenceCategory",
    "Pregnancy",
    "Programme",
    "RegisterImport",
    "Severity",
    "Sex",
]
