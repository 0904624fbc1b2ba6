from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lib.localized import LocalizedNameMixin


class OrganisationKind(models.TextChoices):
    NPM = "npm", _("National Preventive Mechanism")
    CHILDRENS_OMBUDSMAN = "childrens_ombudsman", _("Children's Rights Commissioner")
    PROSECUTOR = "prosecutor", _("Prosecutor's office")
    PUBLIC_MONITORING_COMMISSION = "pmc", _("Public monitoring commission")
    OPERATOR = "operator", _("Facility operator")

    @classmethod
    def oversight(cls) -> frozenset[str]:
        return frozenset({cls.NPM, cls.CHILDRENS_OMBUDSMAN, cls.PROSECUTOR, cls.PUBLIC_MONITORING_COMMISSION})


class Organisation(LocalizedNameMixin):
    """An oversight body or an operator of facilities; every user belongs to exactly one."""

    code = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    # Public monitoring commissions and regional police departments work in one region only.
    region = models.ForeignKey(
        "facilities.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="organisations"
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            # A commission without a region would have no mandate (accounts.permissions fails closed).
            models.CheckConstraint(
                condition=~Q(kind="pmc") | Q(region__isnull=False), name="commission_has_region",
            ),
        ]

    @property
    def is_oversight(self) -> bool:
        return self.kind in OrganisationKind.oversight()


class Role(models.TextChoices):
    MONITOR = "monitor", _("Monitor")
    ANALYST = "analyst", _("Analyst")
    FACILITY_OFFICER = "facility_officer", _("Facility officer")


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.MONITOR)
    # Only for facility officers: the one facility whose data they may see.
    facility = models.ForeignKey(
        "facilities.Facility", null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="facility_officer") | Q(facility__isnull=False),
                name="facility_officer_has_facility",
            ),
        ]

    @property
    def is_facility_officer(self) -> bool:
        return self.role == Role.FACILITY_OFFICER

    @property
    def is_oversight(self) -> bool:
        return bool(self.organisation and self.organisation.is_oversight) and not self.is_facility_officer


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for machine clients; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.label} ({self.user})"

    @staticmethod
    def new_raw_token() -> str:
        return "cw_" + secrets.token_urlsafe(32)
