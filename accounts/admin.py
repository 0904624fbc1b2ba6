"""The Django admin shows accounts, organisations, tokens and their audit records, read only.

Changes go through the product's own pages and the management commands, which call
accounts.services and so are audited; the admin could only bypass that. The one change it
offers, revoking tokens, calls the service too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import AccountAuditRecord, ApiToken, Organisation, User


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_en", "kind", "region", "requires_two_factor")
    list_filter = ("kind", "requires_two_factor")
    search_fields = ("code", "name_en", "name_ru", "name_kk")


@admin.register(User)
class UserAdmin(ReadOnlyAdmin, DjangoUserAdmin):
    list_display = ("username", "get_full_name", "organisation", "role", "facility", "is_active", "last_login")
    list_filter = ("is_active", "role", "organisation__kind", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email")
    list_select_related = ("organisation", "facility")
    fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email")}),
        (_("Role and mandate"), {"fields": ("organisation", "role", "facility")}),
        (_("Status"), {"fields": ("is_active", "must_change_password", "is_superuser", "is_staff",
                                  "last_login", "date_joined")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("label", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("label", "user__username")
    list_select_related = ("user",)
    exclude = ("token_hash",)
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset:
            services.revoke_api_token(token=token, by=request.user)
        messages.success(request, _("The selected tokens are revoked."))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The revoke action needs it on the list; every field stays read only.
        return obj is None and request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in self.model._meta.fields if field.name != "token_hash"]


@admin.register(AccountAuditRecord)
class AccountAuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "actor", "user", "organisation")
    list_filter = ("action",)
    search_fields = ("user__username", "actor__username")
    list_select_related = ("actor", "user", "organisation")
