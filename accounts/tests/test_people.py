"""Administrators enrol and manage their organisation's people: services and pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import AccountAuditRecord, AuditAction, OrganisationKind, Role, User
from facilities.factories import TEST_PASSWORD, OrganisationFactory

NEW_PASSWORD = "a long and private passphrase 7"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_administrator_enrols_a_monitor_of_their_body_with_a_one_time_link(personas):
    admin = personas.oversight_admin
    user, link = services.create_user(username="gulnara.npm", organisation=admin.organisation,
                                      role=Role.MONITOR, first_name="Gulnara", by=admin)
    assert not user.has_usable_password()  # no password exists until the person chooses one
    assert not user.must_change_password
    assert link.url.startswith("http")
    assert "/password/" in link.url
    assert link.emailed_to == ""  # no address: the administrator hands it over
    record = AccountAuditRecord.objects.get(action=AuditAction.USER_CREATED, user=user)
    assert record.actor == admin
    token = link.url.rstrip("/").rsplit("/", 1)[1]
    assert token not in str(record.changes)
    assert record.changes["role"] == "monitor"
    assert record.changes["password_link"] == "handed over"


@pytest.mark.django_db
def test_administrator_cannot_enrol_into_another_body(personas):
    with pytest.raises(PermissionDenied):
        services.create_user(username="planted", organisation=personas.pmc_member.organisation,
                             role=Role.MONITOR, by=personas.oversight_admin)
    assert not User.objects.filter(username="planted").exists()
    assert not AccountAuditRecord.objects.exists()


@pytest.mark.django_db
def test_monitor_without_the_capability_cannot_enrol_even_in_their_own_body(personas):
    with pytest.raises(PermissionDenied):
        services.create_user(username="planted", organisation=personas.npm_monitor.organisation,
                             role=Role.MONITOR, by=personas.npm_monitor)


@pytest.mark.django_db
def test_facility_officer_needs_a_facility_of_their_own_operator(personas):
    operator = personas.colony.operator
    with pytest.raises(ValidationError) as missing:
        services.create_user(username="officer.x", organisation=operator, role=Role.FACILITY_OFFICER, by=None)
    assert "facility" in missing.value.message_dict
    other_operator = OrganisationFactory(code="police", kind=OrganisationKind.OPERATOR)
    with pytest.raises(ValidationError) as foreign:
        services.create_user(username="officer.x", organisation=other_operator, role=Role.FACILITY_OFFICER,
                             facility=personas.colony, by=None)
    assert "facility" in foreign.value.message_dict
    assert not User.objects.filter(username="officer.x").exists()


@pytest.mark.django_db
def test_roles_follow_the_kind_of_organisation(personas):
    with pytest.raises(ValidationError) as wrong:
        services.create_user(username="officer.npm", organisation=personas.npm_monitor.organisation,
                             role=Role.FACILITY_OFFICER, facility=personas.colony, by=None)
    assert "role" in wrong.value.message_dict
    with pytest.raises(ValidationError) as analyst:
        services.create_user(username="analyst.pmc", organisation=personas.pmc_member.organisation,
                             role=Role.ANALYST, by=None)
    assert "role" in analyst.value.message_dict


@pytest.mark.django_db
def test_a_commission_without_a_region_enrols_no_one(personas):
    # The database refuses such a commission outright, so no one can ever be enrolled in it.
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(code="pmc-nowhere", kind=OrganisationKind.PUBLIC_MONITORING_COMMISSION, region=None)
    assert not User.objects.filter(organisation__code="pmc-nowhere").exists()


@pytest.mark.django_db
def test_deactivating_ends_log_in_sessions_and_tokens(personas):
    admin, monitor = personas.oversight_admin, personas.npm_monitor
    token, raw = services.issue_api_token(user=monitor, label="script", by=monitor)
    session = logged_in(monitor)
    assert session.get(reverse("facilities:overview")).status_code == 200
    services.deactivate_user(user=monitor, by=admin)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert session.get(reverse("facilities:overview")).status_code == 302  # back to log-in
    assert Client().get("/api/v1/facilities", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    actions = set(AccountAuditRecord.objects.filter(user=monitor).values_list("action", flat=True))
    assert {AuditAction.USER_DEACTIVATED, AuditAction.TOKEN_REVOKED} <= actions
    services.reactivate_user(user=monitor, by=admin)
    monitor.refresh_from_db()
    assert monitor.is_active


@pytest.mark.django_db
def test_an_administrator_cannot_deactivate_themself_or_change_their_own_role(personas):
    admin = personas.oversight_admin
    with pytest.raises(ValidationError):
        services.deactivate_user(user=admin, by=admin)
    with pytest.raises(ValidationError):
        services.update_user(user=admin, organisation=admin.organisation, role=Role.MONITOR, by=admin)


@pytest.mark.django_db
def test_update_records_what_changed_before_and_after(personas):
    monitor = personas.npm_monitor
    services.update_user(user=monitor, organisation=monitor.organisation, role=Role.ANALYST, last_name="Sadykova",
                         by=personas.oversight_admin)
    record = AccountAuditRecord.objects.get(action=AuditAction.USER_UPDATED, user=monitor)
    assert record.changes["role"] == ["monitor", "analyst"]
    assert record.changes["last_name"] == ["", "Sadykova"]


@pytest.mark.django_db
def test_the_enrolment_page_validates_the_mandate_and_shows_the_password_once(personas):
    admin = logged_in(personas.oversight_admin)
    form = {"username": "nurlan.npm", "organisation": personas.npm_monitor.organisation_id,
            "role": Role.FACILITY_OFFICER}
    refused = admin.post(reverse("accounts:user-create"), form)
    assert refused.status_code == 400
    assert "Nothing was saved" in refused.content.decode()
    assert not User.objects.filter(username="nurlan.npm").exists()
    created = admin.post(reverse("accounts:user-create"), {**form, "role": Role.MONITOR})
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    user = User.objects.get(username="nurlan.npm")
    link = created.context["link"]
    assert link.url.startswith("http://testserver/password/")
    assert link.url in created.content.decode()
    assert not user.has_usable_password()


@pytest.mark.django_db
def test_a_temporary_password_must_be_replaced_before_anything_else(personas):
    # Accounts given a temporary password before one-time links existed still carry the flag.
    temporary = TEST_PASSWORD
    User.objects.filter(pk=personas.npm_monitor.pk).update(must_change_password=True)
    client = Client()
    assert client.post(reverse("accounts:login"), {"username": "aigerim.npm", "password": temporary}).status_code == 302
    overview = client.get(reverse("facilities:overview"))
    assert overview.status_code == 302
    assert overview.url == reverse("accounts:password-change")
    assert client.get("/api/v1/tokens").status_code in (401, 403)
    weak = client.post(reverse("accounts:password-change"),
                       {"old_password": temporary, "new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 400
    changed = client.post(reverse("accounts:password-change"), {
        "old_password": temporary, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert changed.status_code == 302
    assert client.get(reverse("facilities:overview")).status_code == 200
    personas.npm_monitor.refresh_from_db()
    assert not personas.npm_monitor.must_change_password
    assert AccountAuditRecord.objects.filter(user=personas.npm_monitor, action=AuditAction.PASSWORD_CHANGED).exists()


@pytest.mark.django_db
def test_administrator_sees_and_revokes_a_colleagues_token_with_htmx(personas):
    token, _raw = services.issue_api_token(user=personas.analyst, label="nightly export", by=personas.analyst)
    admin = logged_in(personas.oversight_admin)
    page = admin.get(reverse("accounts:user", args=[personas.analyst.pk]))
    assert "nightly export" in page.content.decode()
    revoked = admin.post(reverse("accounts:user-token-revoke", args=[personas.analyst.pk, token.pk]),
                         headers={"HX-Request": "true"})
    assert revoked.status_code == 200
    assert "Revoked" in revoked.content.decode()
    assert "<html" not in revoked.content.decode()
    record = AccountAuditRecord.objects.get(action=AuditAction.TOKEN_REVOKED, token=token)
    assert record.actor == personas.oversight_admin


@pytest.mark.django_db
def test_the_people_list_searches_within_the_organisation(personas):
    admin = logged_in(personas.oversight_admin)
    response = admin.get(reverse("accounts:users"), {"q": "marat"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert "marat.analyst" in content
    assert "aigerim.npm" not in content
    assert "<html" not in content
    assert "dana.ombudsman" not in admin.get(reverse("accounts:users"), {"q": "dana"}).content.decode()


@pytest.mark.django_db
def test_an_administrator_starts_at_the_people_page(personas):
    response = logged_in(personas.oversight_admin).get(reverse("home"))
    assert response.url == reverse("accounts:users")


@pytest.mark.django_db
def test_requiring_a_second_factor_is_audited_and_applies_at_once(personas):
    admin = logged_in(personas.oversight_admin)
    organisation = personas.oversight_admin.organisation
    other = personas.pmc_member.organisation
    assert admin.post(reverse("accounts:organisation-two-factor", args=[other.pk]),
                      {"requires_two_factor": "1"}).status_code == 404
    admin.post(reverse("accounts:organisation-two-factor", args=[organisation.pk]), {"requires_two_factor": "1"})
    organisation.refresh_from_db()
    other.refresh_from_db()
    assert organisation.requires_two_factor
    assert not other.requires_two_factor
    assert AccountAuditRecord.objects.filter(organisation=organisation, action=AuditAction.ORGANISATION_UPDATED,
                                             actor=personas.oversight_admin).exists()
    # The administrator is a member too: before anything else, they set up their own second factor.
    assert admin.get(reverse("accounts:users")).url == reverse("accounts:two-factor-setup")


@pytest.mark.django_db
def test_superuser_enrols_in_any_organisation_and_registers_organisations(personas):
    root = User.objects.create_superuser("root", password=TEST_PASSWORD)
    commission = services.create_organisation(code="pmc-karaganda", kind=OrganisationKind.PUBLIC_MONITORING_COMMISSION,
                                              name_en="Karaganda commission", name_ru="Комиссия Караганды",
                                              name_kk="Қарағанды комиссиясы", region=personas.other_region, by=root)
    user, _temporary = services.create_user(username="member.karaganda", organisation=commission,
                                            role=Role.MONITOR, by=root)
    assert user.organisation == commission
    with pytest.raises(PermissionDenied):
        services.create_organisation(code="rogue", kind=OrganisationKind.NPM, name_en="R", name_ru="Мошенники",
                                     name_kk="Алаяқтар", by=personas.oversight_admin)


@pytest.mark.django_db
def test_the_django_admin_shows_the_account_models_read_only(personas):
    root = User.objects.create_superuser("root", password=TEST_PASSWORD)
    token, _raw = services.issue_api_token(user=personas.npm_monitor, label="admin-listed", by=None)
    client = logged_in(root)
    for model in ("user", "organisation", "apitoken", "accountauditrecord"):
        assert client.get(f"/admin/accounts/{model}/").status_code == 200, model
        assert client.get(f"/admin/accounts/{model}/add/").status_code == 403, model
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert page.status_code == 200
    assert token.token_hash not in page.content.decode()
    revoked = client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert revoked.status_code == 302
    assert AccountAuditRecord.objects.filter(token=token, action=AuditAction.TOKEN_REVOKED, actor=root).exists()


@pytest.mark.django_db
def test_the_form_offers_the_roles_and_facilities_of_the_chosen_organisation(personas):
    root = User.objects.create_superuser("root", password=TEST_PASSWORD)
    client = logged_in(root)
    operator = personas.colony.operator
    page = client.get(reverse("accounts:user-create"), {"organisation": operator.pk})
    role_choices = [value for value, _label in page.context["form"].fields["role"].choices]
    assert role_choices == [Role.FACILITY_OFFICER]
    facilities = set(page.context["form"].fields["facility"].queryset)
    assert personas.colony in facilities
    commission = client.get(reverse("accounts:user-create"), {"organisation": personas.pmc_member.organisation_id})
    assert [v for v, _l in commission.context["form"].fields["role"].choices] == [Role.MONITOR, Role.ADMINISTRATOR]
    assert not commission.context["form"].fields["facility"].queryset.exists()
