"""create_organisation and create_user: thin wrappers over the services, audited as the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import AccountAuditRecord, AuditAction, Organisation, User

NAMES = ("--name-en", "a", "--name-ru", "Комиссия", "--name-kk", "Комиссиясы")


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_register_a_commission_and_enrol_its_member(personas):
    run("create_organisation", "pmc-karaganda", "--kind", "pmc", "--name-en", "Karaganda commission",
        "--name-ru", "Наблюдательная комиссия Карагандинской области", "--name-kk", "Қарағанды облысының ҚБК",
        "--region", "KZ-35", "--require-two-factor")
    commission = Organisation.objects.get(code="pmc-karaganda")
    assert commission.region == personas.other_region
    assert commission.requires_two_factor
    out, err = run("create_user", "bolat.pmc", "--organisation", "pmc-karaganda", "--role", "monitor",
                   "--first-name", "Bolat")
    user = User.objects.get(username="bolat.pmc")
    assert not user.has_usable_password()
    assert "bolat.pmc" in err
    # The one-time link, alone on standard output, opens the page where the person sets a password.
    link = out.strip()
    assert link.startswith("http://127.0.0.1:8000/password/")
    opened = Client().get(link.removeprefix("http://127.0.0.1:8000"))
    assert opened.status_code == 302
    assert opened.url.endswith("/set-password/")
    actions = list(AccountAuditRecord.objects.filter(actor=None).values_list("action", flat=True))
    assert AuditAction.ORGANISATION_CREATED in actions
    assert AuditAction.USER_CREATED in actions


@pytest.mark.django_db
def test_enrol_a_facility_officer_by_facility_code(personas):
    run("create_user", "officer.ak159", "--organisation", personas.other_colony.operator.code,
                    "--role", "facility_officer", "--facility", personas.other_colony.code)
    assert User.objects.get(username="officer.ak159").facility == personas.other_colony


@pytest.mark.django_db
def test_a_script_sets_the_password_and_an_address_gets_the_link_by_mail(personas, mailoutbox):
    out, _err = run("create_user", "script.user", "--organisation", "npm", "--role", "analyst",
                    "--password", "a script's long passphrase 42")
    assert out == ""
    assert User.objects.get(username="script.user").check_password("a script's long passphrase 42")
    out, _err = run("reset_password", "script.user")
    assert out.strip().startswith("http://127.0.0.1:8000/password/")
    assert not User.objects.get(username="script.user").has_usable_password()
    run("create_user", "mailed.user", "--organisation", "npm", "--role", "monitor", "--email", "m@example.kz")
    (message,) = mailoutbox
    assert message.to == ["m@example.kz"]
    assert "/password/" in message.body
    with pytest.raises(CommandError, match="at least 12"):
        run("create_user", "weak.user", "--organisation", "npm", "--role", "monitor", "--password", "short")


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), [
    (("create_user", "x.y", "--organisation", "nowhere", "--role", "monitor"), "No organisation"),
    (("create_user", "Bad Name", "--organisation", "npm", "--role", "monitor"), "username"),
    (("create_user", "officer.x", "--organisation", "penal-committee", "--role", "facility_officer"), "facility"),
    (("create_user", "aigerim.npm", "--organisation", "npm", "--role", "monitor"), "taken"),
    (("create_organisation", "pmc-x", "--kind", "pmc", *NAMES), "region"),
    (("create_organisation", "npm", "--kind", "npm", *NAMES), "already exists"),
])
def test_bad_input_is_a_clear_error_and_writes_nothing(personas, args, message):
    users, organisations = User.objects.count(), Organisation.objects.count()
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert (User.objects.count(), Organisation.objects.count()) == (users, organisations)
    assert not AccountAuditRecord.objects.exists()
