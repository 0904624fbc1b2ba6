"""Settings for the test suite: the real settings with a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the test client and live server speak plain HTTP

from custodywatch.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests serve static files from the source folders (no collectstatic needed before a run).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tests see a record's ledger index at once; the outbox tests (ledger/tests) switch to the
# background sequencer where that is what they test.
LEDGER_SEQUENCER = "inline"
