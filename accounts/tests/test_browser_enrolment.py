"""An administrator enrols a commission member and a facility officer; each opens their one-time link,
chooses a password and logs in with it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import AccountAuditRecord, AuditAction, User
from facilities.factories import TEST_PASSWORD
from lib.testing.browser import htmx_swap, log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGE_NAMES = {"kk": "Қазақша", "en": "English"}


def choose_organisation(page, organisation_pk: int) -> None:
    # The page fetches the roles and facilities this organisation can give and swaps them in.
    with htmx_swap(page, f"organisation={organisation_pk}"):
        page.locator("#id_organisation").select_option(str(organisation_pk))


def enrol(page, *, username: str, organisation_pk: int, role: str, facility_pk: int | None = None) -> str:
    page.goto(reverse("accounts:user-create"))
    page.locator("#id_username").fill(username)
    choose_organisation(page, organisation_pk)
    page.locator("#id_role").select_option(role)
    if facility_pk is not None:
        page.locator("#id_facility").select_option(str(facility_pk))
    page.locator("form.registry-form button.primary").click()
    page.wait_for_load_state("networkidle")
    return page.locator("[data-testid=password-link]").inner_text().strip()


def first_log_in(chromium, live_server, username: str, link: str, language: str) -> object:
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/login/")
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(label=LANGUAGE_NAMES[language])
    page.goto(link)
    assert page.url.endswith("/set-password/")  # the token left the address bar
    assert page.locator("html").get_attribute("lang") == language
    new_password = "a long private passphrase for " + username
    page.locator("#id_new_password1").fill(new_password)
    page.locator("#id_new_password2").fill(new_password)
    page.locator("form button.primary").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("accounts:login"))
    log_in(page, username, new_password)
    return page


@pytest.mark.parametrize("language", ["en", "kk"])
def test_an_administrator_enrols_a_commission_member_and_a_facility_officer(page, chromium, live_server,
                                                                            personas, language):
    User.objects.create_superuser("root.admin", password=TEST_PASSWORD)
    log_in(page, "root.admin", TEST_PASSWORD)
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(label=LANGUAGE_NAMES[language])
    page.goto(reverse("accounts:user-create"))
    assert page.locator("html").get_attribute("lang") == language
    with translation.override(language):
        monitor_label = translation.gettext("Monitor")
    assert monitor_label in page.locator("#id_role").inner_text()
    assert serious_accessibility_violations(page) == []

    # A facility officer without a facility is refused, with the reason beside the field.
    page.locator("#id_username").fill("officer.nofacility")
    choose_organisation(page, personas.colony.operator_id)
    # An operator gives only the facility officer's role, and offers only its own facilities.
    assert page.locator("#id_role option").count() == 1
    assert personas.colony.code in page.locator("#id_facility").inner_text()
    page.locator("#id_role").select_option("facility_officer")
    page.locator("form.registry-form button.primary").click()
    assert page.locator("#form-errors").is_visible()
    assert not User.objects.filter(username="officer.nofacility").exists()

    commission = personas.pmc_member.organisation
    member_link = enrol(page, username="zhanna.pmc", organisation_pk=commission.pk, role="monitor")
    officer_link = enrol(page, username="officer.la155.b", organisation_pk=personas.colony.operator_id,
                         role="facility_officer", facility_pk=personas.colony.pk)
    assert member_link.startswith(live_server.url + "/password/")
    assert officer_link.startswith(live_server.url + "/password/")
    assert member_link != officer_link

    page.goto(reverse("accounts:users"))
    listed = page.locator("#results").inner_text()
    assert "zhanna.pmc" in listed
    assert "officer.la155.b" in listed

    member = first_log_in(chromium, live_server, "zhanna.pmc", member_link, language)
    assert member.url.endswith(reverse("facilities:overview"))
    officer = first_log_in(chromium, live_server, "officer.la155.b", officer_link, language)
    assert officer.url.endswith(reverse("facilities:detail", args=[personas.colony.pk]))
    # The phone-width page does not scroll sideways.
    assert officer.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    created = AccountAuditRecord.objects.filter(action=AuditAction.USER_CREATED, actor__username="root.admin")
    assert set(created.values_list("user__username", flat=True)) == {"zhanna.pmc", "officer.la155.b"}
    assert AccountAuditRecord.objects.filter(action=AuditAction.PASSWORD_SET_FROM_LINK).count() == 2
    # A used link answers a clear page, not a form.
    member.goto(member_link)
    assert member.locator("[data-testid=link-invalid]").is_visible()
