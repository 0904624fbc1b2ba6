"""Every visible string is translated into Kazakh and Russian, and the compiled catalogues match."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from lib.testing.po import read_po

BASE = Path(settings.BASE_DIR)
LANGUAGES = ("kk", "ru")
SOURCE_DIRS = ("accounts", "complaints", "custody", "custodywatch", "facilities", "jobs", "ledger", "lib", "templates",
               "video", "visits")


def _need_gettext() -> None:
    if shutil.which("xgettext") and shutil.which("msgfmt"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("gettext is not installed; CI requires the translation check")
    pytest.skip("gettext is not installed")


def _po(language: str) -> Path:
    return BASE / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_untranslated_or_fuzzy_string(language):
    missing = [e.msgid for e in read_po(_po(language)) if not e.translated]
    assert missing == [], f"{len(missing)} strings untranslated in {language}: {missing[:20]}"


@pytest.fixture(scope="module")
def extracted_catalogue(tmp_path_factory) -> Path:
    """Run makemessages over a copy of the sources, so the catalogue reflects the code as it is now."""
    _need_gettext()
    root = tmp_path_factory.mktemp("messages")
    for name in SOURCE_DIRS:
        shutil.copytree(BASE / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    shutil.copy(BASE / "manage.py", root / "manage.py")
    (root / "locale").mkdir()
    (root / "var").mkdir()  # the database apart from the ledger's key directory, as the app requires
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{root / 'var' / 'db.sqlite3'}"}
    env.pop("SECRET_KEY", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-obsolete", "--no-location"],
        cwd=root, env=env, check=True, capture_output=True,
    )
    return root / "locale" / "ru" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_in_the_code_is_in_the_catalogue(extracted_catalogue, language):
    in_code = {e.key for e in read_po(extracted_catalogue)}
    translated = {e.key for e in read_po(_po(language)) if e.translated}
    missing = sorted(msgid for _, msgid in in_code - translated)
    assert missing == [], f"{len(missing)} strings in the code lack a {language} translation: {missing[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    mo = _po(language).with_suffix(".mo")
    with mo.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for entry in read_po(_po(language)):
        if entry.msgid_plural or not entry.translated:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        assert compiled._catalog.get(key) == entry.msgstr[0], f"{language}.mo is stale for {entry.msgid!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_passes_msgfmts_own_checks(language):
    """Header, formats and plural forms: an entry with more plural forms than the language's
    header has (Russian has three) is one msgfmt refuses, though Django's compilemessages does not."""
    _need_gettext()
    result = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(_po(language))],  # noqa: S603, S607
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
