from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
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
    # Every member must log in with a second factor (TOTP) before anything else.
    requires_two_factor = models.BooleanField(default=False)

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
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.MONITOR)
    # Only for facility officers: the one facility whose data they may see.
    facility = models.ForeignKey(
        "facilities.Facility", null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )
    # Set for a temporary password handed out before one-time links replaced them: the next
    # log-in must replace it. New accounts and resets use a link instead (accounts.password_links).
    must_change_password = models.BooleanField(default=False)

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
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Updated at most once a minute (see accounts.auth), so a busy client costs no write per request.
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.label} ({self.user})"

    @staticmethod
    def new_raw_token() -> str:
        return "cw_" + secrets.token_urlsafe(32)

    def is_live(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class AuditAction(models.TextChoices):
    ORGANISATION_CREATED = "organisation:created", _("Organisation created")
    ORGANISATION_UPDATED = "organisation:updated", _("Organisation changed")
    USER_CREATED = "user:created", _("User created")
    USER_UPDATED = "user:updated", _("User changed")
    USER_DEACTIVATED = "user:deactivated", _("User deactivated")
    USER_REACTIVATED = "user:reactivated", _("User reactivated")
    PASSWORD_RESET = "user:password:reset", _("Password reset")
    PASSWORD_CHANGED = "user:password:changed", _("Password changed")
    PASSWORD_SET_FROM_LINK = "user:password:set_from_link", _("Password set with a one-time link")
    TOKEN_ISSUED = "token:issued", _("API token issued")
    TOKEN_REVOKED = "token:revoked", _("API token revoked")
    TWO_FACTOR_ENROLLED = "two_factor:enrolled", _("Two-factor authentication set up")
    TWO_FACTOR_REMOVED = "two_factor:removed", _("Two-factor authentication removed")


class AccountAuditRecord(models.Model):
    """One change to an account, an organisation or a token: who did it, when, what changed.

    Never holds a secret (no password, token or TOTP key): `changes` lists field values before
    and after. `actor` is None for the server's command line.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_records")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_records"
    )
    token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def change_lines(self) -> list[tuple[str, str]]:
        """(field, "before → after" or the value) for showing `changes` to a person."""
        lines = []
        for field, value in sorted(self.changes.items()):
            if isinstance(value, list) and len(value) == 2:
                before, after = ("—" if item in ("", None) else str(item) for item in value)
                lines.append((field, f"{before} → {after}"))
            else:
                lines.append((field, str(value)))
        return lines
