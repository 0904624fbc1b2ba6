"""Reads of visits, scoped once: `visits_for(user)` is the one place the mandate applies to visits."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from accounts.permissions import Capability, can, facility_scope
from facilities.models import Facility
from visits.models import Answer, AnswerConflict, Indicator, TeamMember, Visit, VisitStatus


def visits_for(user: Any) -> QuerySet[Visit]:
    """The visits a user may see: those of their own body or with them on the team, to a facility
    in their mandate. Fails closed: no capability, no organisation or no mandate gives none."""
    if not can(user, Capability.VIEW_VISITS):
        return Visit.objects.none()
    scope = facility_scope(user)
    if scope is None:
        return Visit.objects.none()
    visits = Visit.objects.filter(facility__in=Facility.objects.filter(scope))
    if not user.is_superuser:
        if user.organisation_id is None:
            return Visit.objects.none()
        visits = visits.filter(Q(organisation_id=user.organisation_id) | Q(team__user=user)).distinct()
    return visits.select_related("facility", "facility__region", "organisation", "catalogue")


def visit_detail(user: Any, pk: int) -> Visit:
    """One visit the user may see, with its team; raises Visit.DoesNotExist otherwise."""
    return visits_for(user).prefetch_related(
        Prefetch("team", queryset=TeamMember.objects.select_related("user", "organisation")),
        "focus_themes",
    ).get(pk=pk)


def can_record(user: Any, visit: Visit) -> bool:
    """Recording is for the visit's team (or its body's monitors) while the visit is not closed."""
    if not can(user, Capability.RECORD_VISIT) or visit.status in (VisitStatus.COMPLETED, VisitStatus.CANCELLED):
        return False
    return user.is_superuser or visit.organisation_id == user.organisation_id or \
        visit.team.filter(user=user).exists()


def checklist_of(visit: Visit) -> list[tuple[Indicator, Answer | None]]:
    """The visit's checklist (its catalogue version's indicators for the facility's type) with answers."""
    from visits.standards import checklist

    answers = {a.indicator_id: a for a in visit.answers.prefetch_related(
        Prefetch("conflicts", queryset=AnswerConflict.objects.filter(resolved_at__isnull=True).select_related("by"),
                 to_attr="open_conflicts")).select_related("answered_by")}
    return [(indicator, answers.get(indicator.pk)) for indicator in checklist(visit.catalogue, visit.facility.type)]


def team_candidates(user: Any, facility: Facility | None = None) -> QuerySet[Any]:
    """Monitors of the oversight bodies who could join a team (to `facility`, if given: in their mandate)."""
    from accounts.models import OrganisationKind, Role, User

    people = User.objects.filter(is_active=True, role=Role.MONITOR,
                                 organisation__kind__in=sorted(OrganisationKind.oversight()))
    people = people.select_related("organisation").order_by("organisation__code", "username")
    if facility is None:
        return people
    return User.objects.filter(pk__in=[p.pk for p in people if _sees(p, facility)]).select_related(
        "organisation").order_by("organisation__code", "username")


def _sees(user: Any, facility: Facility) -> bool:
    scope = facility_scope(user)
    return scope is not None and Facility.objects.filter(scope, pk=facility.pk).exists()
