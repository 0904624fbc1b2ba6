"""Whatever is typed into the enrolment form, the service or the command: a clear refusal naming
the field, or an account that obeys every rule; never a 500, never a half-written account."""

from __future__ import annotations

import unicodedata
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services
from accounts.client_ip import client_ip
from accounts.models import AccountAuditRecord, Role, User

pytestmark = pytest.mark.django_db

hostile = settings(max_examples=60, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

HOSTILE_STRINGS = [
    "'; DROP TABLE accounts_user; --", "<script>alert(1)</script>", "=HYPERLINK(\"http://evil.example\")",
    "nul\x00byte", "right\u202eto-left", "zero\u200bwidth",
    "\u0430igerim.npm",  # a Cyrillic a: a look-alike of an existing name
    "AIGERIM.NPM", "aigerim.npm ", ".hidden", "a", "x" * 10_000, "", " ", "\ufeff", "admin\n",
]
texts = st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=80))
FIELDS = {"username", "first_name", "last_name", "email", "organisation", "role", "facility", "password"}


def accounts_state():
    return (list(User.objects.order_by("pk").values()), AccountAuditRecord.objects.count())


def assert_obeys_the_rules(user: User) -> None:
    assert services.USERNAME_RE.fullmatch(user.username)
    for value in (user.first_name, user.last_name, user.email):
        assert not any(unicodedata.category(ch).startswith("C") for ch in value)
        assert "<" not in value
        assert ">" not in value
    assert User.objects.filter(username__iexact=user.username).count() == 1


@hostile
@given(username=texts, first_name=texts, last_name=texts, email=texts,
       role=st.one_of(st.sampled_from(Role.values), texts))
def test_the_service_refuses_cleanly_or_enrols_by_the_rules(personas, username, first_name, last_name, email, role):
    before = accounts_state()
    try:
        user, _temporary = services.create_user(
            username=username, organisation=personas.oversight_admin.organisation, role=role,
            first_name=first_name, last_name=last_name, email=email, by=personas.oversight_admin)
    except ValidationError as error:
        assert set(error.message_dict) <= FIELDS, error.message_dict  # noqa: PT017 - any outcome may happen
        assert accounts_state() == before
    else:
        assert_obeys_the_rules(user)


@hostile
@given(data=st.dictionaries(st.sampled_from(sorted(FIELDS | {"is_superuser", "csrfmiddlewaretoken"})), texts,
                            max_size=8))
def test_the_enrolment_page_answers_200_or_400(personas, data):
    client = Client()
    client.force_login(personas.oversight_admin)
    before = accounts_state()
    response = client.post(reverse("accounts:user-create"), data)
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert accounts_state() == before
    else:
        user = User.objects.order_by("-pk").first()
        assert_obeys_the_rules(user)
        assert not user.is_superuser
        assert user.organisation == personas.oversight_admin.organisation


@hostile
@given(username=texts, role=st.one_of(st.sampled_from(Role.values), st.text(max_size=20)))
def test_the_command_refuses_cleanly_or_enrols_by_the_rules(personas, username, role):
    before = accounts_state()
    args = ["create_user", username, "--organisation", "npm", "--role", role]
    try:
        call_command(*args, stdout=StringIO(), stderr=StringIO())
    except CommandError:
        assert accounts_state() == before
    else:
        assert_obeys_the_rules(User.objects.get(username=username))


@settings(max_examples=200, deadline=None, database=None)
@given(remote=texts, forwarded=texts)
def test_any_address_headers_give_an_address_or_none(remote, forwarded):
    request = RequestFactory().get("/")
    request.META.update(REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    from django.test import override_settings

    with override_settings(TRUSTED_PROXIES=["0.0.0.0/0", "::/0"]):
        address = client_ip(request)
    import ipaddress

    assert address is None or ipaddress.ip_address(address)  # raises on anything but an address
