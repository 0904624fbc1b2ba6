"""The demo log-ins: one person per kind of user, each with a demo-only password.

The passwords are printed by `load_demo_country` and are meant for a local demo only; they
pass the project's password validators so they behave like real ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from facilities.demo.geography import REGIONS_BY_CODE
from facilities.demo.organisations import (
    CHILDRENS_OMBUDSMAN_CODE,
    NPM_CODE,
    PENAL_COMMITTEE_CODE,
    PROSECUTOR_CODE,
    pmc_code,
)

PMC_REGION_CODE = "KZ-35"  # Karaganda Region: many colonies, so the regional mandate shows


@dataclass(frozen=True)
class PersonaSpec:
    username: str
    password: str
    persona: str | Promise
    organisation_code: str | None
    role: str
    facility_code: str | None = None
    is_superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@demo.invalid"


def personas(*, officer_facility_code: str) -> list[PersonaSpec]:
    """The demo users; the facility officer works at the given colony."""
    officer_username = "officer." + officer_facility_code.lower().replace("/", "-")
    return [
        PersonaSpec("admin", "demo-admin-2026!", _("Superuser (Django admin)"), NPM_CODE, Role.MONITOR,
                    is_superuser=True),
        PersonaSpec("npm.monitor", "demo-npm-visit-2026!",
                    _("NPM monitor: every facility, edits the registry"), NPM_CODE, Role.MONITOR),
        PersonaSpec("npm.analyst", "demo-npm-figures-2026!",
                    _("NPM analyst: every facility, national figures"), NPM_CODE, Role.ANALYST),
        PersonaSpec("ombudsman.monitor", "demo-children-2026!",
                    _("Children's Rights Commissioner: places where children are held"),
                    CHILDRENS_OMBUDSMAN_CODE, Role.MONITOR),
        PersonaSpec("prosecutor.monitor", "demo-oversight-2026!",
                    _("Prosecutor: every facility, read only"), PROSECUTOR_CODE, Role.MONITOR),
        PersonaSpec("pmc.karaganda", "demo-commission-2026!",
                    _("Public monitoring commission member: Karaganda Region only"),
                    pmc_code(REGIONS_BY_CODE[PMC_REGION_CODE]), Role.MONITOR),
        PersonaSpec("npm.admin", "demo-npm-people-2026!",
                    _("NPM administrator: enrols and manages the NPM's people"), NPM_CODE, Role.ADMINISTRATOR),
        PersonaSpec(officer_username, "demo-officer-2026!",
                    _("Facility officer: one colony, records its population"), PENAL_COMMITTEE_CODE,
                    Role.FACILITY_OFFICER, facility_code=officer_facility_code),
    ]
