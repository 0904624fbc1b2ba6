"""Who may do what: the permission matrix of docs/permissions.md, in code.

Two questions are answered here and nowhere else: may this user use a capability at all, and
which facilities are within their mandate. Views and the API ask both; a facility outside the
mandate is answered with 404 so its existence is not revealed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from accounts.models import OrganisationKind, Role

if TYPE_CHECKING:
    from accounts.models import User


class Capability(StrEnum):
    VIEW_OVERVIEW = "view_overview"
    VIEW_FACILITY_LIST = "view_facility_list"
    VIEW_FACILITY = "view_facility"
    VIEW_REGISTRY_HISTORY = "view_registry_history"
    EDIT_REGISTRY = "edit_registry"
    RECORD_POPULATION = "record_population"
    IMPORT_REGISTRY = "import_registry"
    EXPORT_REGISTRY = "export_registry"
    VIEW_LEDGER = "view_ledger"
    MANAGE_API_TOKENS = "manage_api_tokens"
    # Enrol, change and deactivate the people of one's own organisation (accounts.services).
    MANAGE_USERS = "manage_users"

    # --- complaints: terminals, sealed complaints, officers' workspace (complaints app) ---
    # Read (decrypt, with the organisation's unlocked key) and handle the complaints sealed to
    # one's organisation within one's mandate: inbox, status, assignment, replies, notes.
    HANDLE_COMPLAINTS = "handle_complaints"
    # Type in a complaint received by letter or on a visit; it is sealed at once.
    REGISTER_COMPLAINTS = "register_complaints"
    # Aggregated complaint figures (small counts suppressed) for the facilities in the mandate.
    VIEW_COMPLAINT_STATISTICS = "view_complaint_statistics"
    # A facility officer: monthly counts for their own facility, small counts suppressed; nothing else.
    VIEW_FACILITY_COMPLAINT_COUNTS = "view_facility_complaint_counts"

    # --- visits: standards, visits, findings, recommendations (visits app) ---
    # See the visits of one's own body and those one is on the team of (visits.selectors.visits_for).
    VIEW_VISITS = "view_visits"
    # Plan a visit and see the risk-based suggestion of where to go next.
    PLAN_VISIT = "plan_visit"
    # Record a visit one is on the team of: access, interviews, checklist, counts, evidence.
    RECORD_VISIT = "record_visit"
    # Findings, recommendations, follow-up and reports of the visits in one's mandate; the national view.
    VIEW_FINDINGS = "view_findings"
    # Confirm, merge and add findings; issue recommendations; check them and the people interviewed at the next visit.
    MANAGE_FINDINGS = "manage_findings"
    # Answer the recommendations addressed to one's own facility (the addressee's restricted view).
    ANSWER_RECOMMENDATIONS = "answer_recommendations"

    # --- video: cameras, manifests, outages, footage access (video app) ---
    # The camera registry and coverage of a facility (a facility officer: their own).
    VIEW_CAMERAS = "view_cameras"
    # Register recorders and cameras, import the camera registry.
    MANAGE_CAMERAS = "manage_cameras"
    # Timelines, outages and tamper alarms: the oversight bodies only, never the facility.
    VIEW_VIDEO_INTEGRITY = "view_video_integrity"
    # Ask to view or export footage, stating the purpose.
    REQUEST_FOOTAGE = "request_footage"
    # Approve a footage request (an oversight officer; two different ones for an export).
    APPROVE_FOOTAGE = "approve_footage"

    # --- custody: custody registers, rules, medical examinations (custody app) ---
    # The dashboard of rule breaches in police custody, and the figures of mothers, children and education.
    VIEW_CUSTODY_ALERTS = "view_custody_alerts"
    # Submit a custody register (file or the police system's API), for facilities in one's mandate.
    IMPORT_CUSTODY_REGISTER = "import_custody_register"
    # Record a medical examination (sealed at once: the recorder cannot read it back).
    RECORD_MEDICAL_EXAMINATION = "record_medical_examination"
    # Download an examination sealed to one's own body (opened with the body's age key, off the server).
    OPEN_MEDICAL_EXAMINATION = "open_medical_examination"
    # Record children living in a colony, their plans, and education and programme enrolment.
    RECORD_CUSTODY_PROGRAMMES = "record_custody_programmes"


# The registry, the ledger and the people (accounts, facilities, ledger apps).
_OVERSIGHT_READ = {
    Capability.VIEW_OVERVIEW,
    Capability.VIEW_FACILITY_LIST,
    Capability.VIEW_FACILITY,
    Capability.VIEW_REGISTRY_HISTORY,
    Capability.EXPORT_REGISTRY,
    Capability.VIEW_LEDGER,
    Capability.MANAGE_API_TOKENS,
}
_REGISTRY_EDITOR = _OVERSIGHT_READ | {
    Capability.EDIT_REGISTRY,
    Capability.RECORD_POPULATION,
    Capability.IMPORT_REGISTRY,
}
_REGISTRY: dict[tuple[str, str], frozenset[Capability]] = {
    (OrganisationKind.NPM, Role.MONITOR): frozenset(_REGISTRY_EDITOR),
    (OrganisationKind.NPM, Role.ANALYST): frozenset(_REGISTRY_EDITOR),
    (OrganisationKind.CHILDRENS_OMBUDSMAN, Role.MONITOR): frozenset(_OVERSIGHT_READ),
    (OrganisationKind.CHILDRENS_OMBUDSMAN, Role.ANALYST): frozenset(_OVERSIGHT_READ),
    (OrganisationKind.PROSECUTOR, Role.MONITOR): frozenset(_OVERSIGHT_READ),
    (OrganisationKind.PROSECUTOR, Role.ANALYST): frozenset(_OVERSIGHT_READ),
    (OrganisationKind.PUBLIC_MONITORING_COMMISSION, Role.MONITOR): frozenset(_OVERSIGHT_READ),
    # An administrator manages their body's people and reads no oversight data by that role.
    **{(kind, Role.ADMINISTRATOR): frozenset({Capability.MANAGE_USERS, Capability.MANAGE_API_TOKENS})
       for kind in sorted(OrganisationKind.oversight())},
    (OrganisationKind.OPERATOR, Role.FACILITY_OFFICER): frozenset(
        {Capability.VIEW_FACILITY, Capability.RECORD_POPULATION, Capability.MANAGE_API_TOKENS}
    ),
}

# Each module grants its own capabilities in its own block: (organisation kind, role) -> capabilities.
_COMPLAINT_HANDLER = frozenset({
    Capability.HANDLE_COMPLAINTS, Capability.REGISTER_COMPLAINTS, Capability.VIEW_COMPLAINT_STATISTICS,
})
_COMPLAINTS: dict[tuple[str, str], frozenset[Capability]] = {
    (OrganisationKind.NPM, Role.MONITOR): _COMPLAINT_HANDLER,
    # Analysts read and handle; registering what was handed over on a visit is a monitor's work.
    (OrganisationKind.NPM, Role.ANALYST): _COMPLAINT_HANDLER - {Capability.REGISTER_COMPLAINTS},
    (OrganisationKind.CHILDRENS_OMBUDSMAN, Role.MONITOR): _COMPLAINT_HANDLER,
    (OrganisationKind.CHILDRENS_OMBUDSMAN, Role.ANALYST): frozenset({Capability.VIEW_COMPLAINT_STATISTICS}),
    (OrganisationKind.PROSECUTOR, Role.MONITOR): _COMPLAINT_HANDLER,
    (OrganisationKind.PROSECUTOR, Role.ANALYST): frozenset({Capability.VIEW_COMPLAINT_STATISTICS}),
    # A commission receives no sealed complaints (it is no recipient); it sees the figures of its region.
    (OrganisationKind.PUBLIC_MONITORING_COMMISSION, Role.MONITOR): frozenset({Capability.VIEW_COMPLAINT_STATISTICS}),
    (OrganisationKind.OPERATOR, Role.FACILITY_OFFICER): frozenset({Capability.VIEW_FACILITY_COMPLAINT_COUNTS}),
}

_VISIT_TEAM = frozenset({Capability.VIEW_VISITS, Capability.PLAN_VISIT, Capability.RECORD_VISIT})
_FOLLOW_UP = frozenset({Capability.VIEW_FINDINGS, Capability.MANAGE_FINDINGS})
_VISITS: dict[tuple[str, str], frozenset[Capability]] = {
    # Every oversight body visits; analysts read the visits of their body. Findings, recommendations
    # and reports are read within the facility mandate; the visiting body's monitors decide on them
    # (visits.services.findings); the facility officer answers what is addressed to their facility.
    **{(kind, Role.MONITOR): _VISIT_TEAM | _FOLLOW_UP for kind in sorted(OrganisationKind.oversight())},
    (OrganisationKind.NPM, Role.ANALYST): frozenset({Capability.VIEW_VISITS, Capability.VIEW_FINDINGS}),
    (OrganisationKind.CHILDRENS_OMBUDSMAN, Role.ANALYST): frozenset({Capability.VIEW_VISITS, Capability.VIEW_FINDINGS}),
    (OrganisationKind.PROSECUTOR, Role.ANALYST): frozenset({Capability.VIEW_VISITS, Capability.VIEW_FINDINGS}),
    (OrganisationKind.OPERATOR, Role.FACILITY_OFFICER): frozenset({Capability.ANSWER_RECOMMENDATIONS}),
}

_VIDEO_READ = frozenset({Capability.VIEW_CAMERAS, Capability.VIEW_VIDEO_INTEGRITY})
_VIDEO_OFFICER = _VIDEO_READ | {Capability.REQUEST_FOOTAGE, Capability.APPROVE_FOOTAGE}
_VIDEO: dict[tuple[str, str], frozenset[Capability]] = {
    (OrganisationKind.NPM, Role.MONITOR): frozenset(_VIDEO_OFFICER | {Capability.MANAGE_CAMERAS}),
    (OrganisationKind.NPM, Role.ANALYST): frozenset(_VIDEO_READ | {Capability.MANAGE_CAMERAS}),
    (OrganisationKind.CHILDRENS_OMBUDSMAN, Role.MONITOR): frozenset(_VIDEO_OFFICER),
    (OrganisationKind.CHILDRENS_OMBUDSMAN, Role.ANALYST): _VIDEO_READ,
    (OrganisationKind.PROSECUTOR, Role.MONITOR): frozenset(_VIDEO_OFFICER),
    (OrganisationKind.PROSECUTOR, Role.ANALYST): _VIDEO_READ,
    (OrganisationKind.PUBLIC_MONITORING_COMMISSION, Role.MONITOR): frozenset(
        _VIDEO_READ | {Capability.REQUEST_FOOTAGE}),
    (OrganisationKind.OPERATOR, Role.FACILITY_OFFICER): frozenset({Capability.VIEW_CAMERAS}),
}

_CUSTODY_READ = {Capability.VIEW_CUSTODY_ALERTS}
_CUSTODY: dict[tuple[str, str], frozenset[Capability]] = {
    (OrganisationKind.NPM, Role.MONITOR): frozenset(_CUSTODY_READ | {
        Capability.IMPORT_CUSTODY_REGISTER, Capability.RECORD_MEDICAL_EXAMINATION,
        Capability.OPEN_MEDICAL_EXAMINATION, Capability.RECORD_CUSTODY_PROGRAMMES}),
    (OrganisationKind.NPM, Role.ANALYST): frozenset(_CUSTODY_READ | {Capability.IMPORT_CUSTODY_REGISTER}),
    (OrganisationKind.CHILDRENS_OMBUDSMAN, Role.MONITOR): frozenset(
        _CUSTODY_READ | {Capability.RECORD_MEDICAL_EXAMINATION, Capability.OPEN_MEDICAL_EXAMINATION}),
    (OrganisationKind.CHILDRENS_OMBUDSMAN, Role.ANALYST): frozenset(_CUSTODY_READ),
    (OrganisationKind.PROSECUTOR, Role.MONITOR): frozenset(_CUSTODY_READ | {Capability.OPEN_MEDICAL_EXAMINATION}),
    (OrganisationKind.PROSECUTOR, Role.ANALYST): frozenset(_CUSTODY_READ),
    (OrganisationKind.PUBLIC_MONITORING_COMMISSION, Role.MONITOR): frozenset(_CUSTODY_READ),
    # A facility's officer sends its register and records examinations and programmes; reads no alert.
    (OrganisationKind.OPERATOR, Role.FACILITY_OFFICER): frozenset({
        Capability.IMPORT_CUSTODY_REGISTER, Capability.RECORD_MEDICAL_EXAMINATION,
        Capability.RECORD_CUSTODY_PROGRAMMES}),
}


def _merge(*blocks: dict[tuple[str, str], frozenset[Capability]]) -> dict[tuple[str, str], frozenset[Capability]]:
    merged: dict[tuple[str, str], frozenset[Capability]] = {}
    for block in blocks:
        for pair, granted in block.items():
            merged[pair] = merged.get(pair, frozenset()) | granted
    return merged


# (organisation kind, role) -> capabilities. A pair not listed has none.
MATRIX: dict[tuple[str, str], frozenset[Capability]] = _merge(_REGISTRY, _COMPLAINTS, _VISITS, _VIDEO, _CUSTODY)

# The facility types in the Children's Rights Commissioner's mandate: wherever children are
# held or live with a detained parent.
CHILDRENS_OMBUDSMAN_TYPES = frozenset({
    "colony_juvenile", "colony_women", "pretrial", "police_tdc", "special_school", "crisis_centre",
})


def capabilities(user: User) -> frozenset[Capability]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Capability)
    if user.organisation_id is None:
        return frozenset()
    return MATRIX.get((user.organisation.kind, user.role), frozenset())


def can(user: User, capability: Capability) -> bool:
    return capability in capabilities(user)


def require(user: User, capability: Capability) -> None:
    """Refuse (403) a user who lacks the capability."""
    if not can(user, capability):
        raise PermissionDenied


def facility_scope(user: User) -> Q | None:
    """A filter on Facility for the user's mandate; None means no facility at all.

    It fails closed: a facility officer without a facility, a public monitoring commission
    without a region, or a kind of organisation this function does not name gets nothing (the
    database also refuses to store the first two, see accounts.models).
    """
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    if user.role == Role.FACILITY_OFFICER:
        return Q(pk=user.facility_id) if user.facility_id else None
    if user.role == Role.ADMINISTRATOR:
        # Managing a body's people gives no mandate over facilities.
        return None
    organisation = user.organisation
    if organisation is None or not organisation.is_oversight:
        return None
    if organisation.kind == OrganisationKind.CHILDRENS_OMBUDSMAN:
        return Q(type__in=CHILDRENS_OMBUDSMAN_TYPES)
    if organisation.kind == OrganisationKind.PUBLIC_MONITORING_COMMISSION:
        return Q(region_id=organisation.region_id) if organisation.region_id else None
    if organisation.kind in (OrganisationKind.NPM, OrganisationKind.PROSECUTOR):
        return Q()
    return None
