from __future__ import annotations

import pytest
from django.urls import reverse

from facilities.factories import TEST_PASSWORD


@pytest.mark.django_db
def test_persona_logs_in_with_password(client, personas):
    response = client.post(reverse("accounts:login"), {"username": "aigerim.npm", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(personas.npm_monitor.pk)


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_out(client, personas):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "aigerim.npm", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "aigerim.npm", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2_in_production():
    from custodywatch import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
