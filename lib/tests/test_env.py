from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from lib.env import env_bool, env_int, env_json, env_str


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("CW_TEST_SECRET", raising=False)
    monkeypatch.setenv("CW_TEST_SECRET_FILE", str(secret))

    assert env_str("CW_TEST_SECRET") == "s3cret"


def test_a_missing_required_setting_fails_loudly(monkeypatch):
    monkeypatch.delenv("CW_TEST_MISSING", raising=False)
    with pytest.raises(ImproperlyConfigured, match="CW_TEST_MISSING"):
        env_str("CW_TEST_MISSING")


@pytest.mark.parametrize(("reader", "raw"), [(env_bool, "perhaps"), (env_int, "ten"), (env_json, "[1,")])
def test_a_malformed_value_is_named(monkeypatch, reader, raw):
    monkeypatch.setenv("CW_TEST_VALUE", raw)
    with pytest.raises(ImproperlyConfigured, match="CW_TEST_VALUE"):
        reader("CW_TEST_VALUE", None)


def test_witnesses_are_read_as_json(monkeypatch):
    monkeypatch.setenv("CW_TEST_WITNESSES", '[{"name": "w1", "url": "http://127.0.0.1:1", "vkey": "k"}]')
    assert env_json("CW_TEST_WITNESSES", default=[])[0]["name"] == "w1"
