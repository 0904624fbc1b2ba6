"""How to check the ledger yourself, the browser verifier as the app serves it, and what the
ledger page says about its keys and about each entry's record."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from custodywatch_log.note import CosignatureSigner
from facilities.services import update_facility
from ledger import selectors
from ledger.models import Entry, SigningKey
from ledger.public import VERIFIER_PAGE
from ledger.services import append_entries, sign_checkpoint
from ledger.tests.conftest import segments

pytestmark = [pytest.mark.usefixtures("ledger_settings"), pytest.mark.django_db]

PAGE = Path(settings.BASE_DIR) / VERIFIER_PAGE


@pytest.fixture
def witness(settings):
    signer = CosignatureSigner.generate("witness.test/ombudsman")
    settings.LEDGER_WITNESSES = [{"name": "ombudsman", "url": "http://127.0.0.1:9", "vkey": signer.vkey}]
    return signer


@pytest.fixture
def signed():
    append_entries(entries=segments(0, 3))
    return sign_checkpoint()


class _Inline(HTMLParser):
    """The text of each inline <script> and <style> element, as a browser hashes it for CSP."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.blocks: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.blocks:
            self._open = tag
            self.blocks[tag].append("")

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open:
            self.blocks[self._open][-1] += data


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


# --- How to check this yourself --------------------------------------------------------------------


def test_anyone_reads_how_to_check_the_ledger_without_logging_in(signed, witness):
    response = Client().get(reverse("ledger:check"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "What the ledger proves" in page
    assert "What it does not prove" in page
    vkey = SigningKey.objects.get().vkey
    assert vkey in page
    assert "ombudsman" in page
    assert witness.vkey in page
    assert f"custodywatch-verify proof custodywatch-entry-42.tlog-proof \\\n  --log-key '{vkey}'" in page
    assert f"--witness-key '{witness.vkey}'" in page
    assert "--quorum 1" in page
    assert "pip install custodywatch_log-0.2.0-py3-none-any.whl" in page
    assert reverse("ledger:verifier") in page
    # Nothing about any entry or record: only what is needed to check.
    assert "Recent entries" not in page


def test_before_the_first_checkpoint_the_page_says_there_is_no_key_yet():
    page = Client().get(reverse("ledger:check")).content.decode()

    assert "The log has no signing key yet" in page
    assert "No witnesses are configured for this log" in page


def test_the_page_is_in_the_readers_language():
    page = Client(headers={"accept-language": "ru"}).get(reverse("ledger:check")).content.decode()
    assert '<html lang="ru">' in page


# --- The browser verifier --------------------------------------------------------------------------


def test_the_verifier_is_the_same_file_with_a_policy_allowing_exactly_its_own_inline_code():
    response = Client().get(reverse("ledger:verifier"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content == PAGE.read_bytes()
    parser = _Inline()
    parser.feed(PAGE.read_text(encoding="utf-8"))
    directives = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == " ".join(_csp_hash(s) for s in parser.blocks["script"])
    assert directives["style-src"] == " ".join(_csp_hash(s) for s in parser.blocks["style"])
    assert directives["connect-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_the_verifier_needs_nothing_from_outside_its_file():
    html = PAGE.read_text(encoding="utf-8")
    for outside in ("<script src", "<link", "@import", "url("):
        assert outside not in html
    assert "http://" not in html
    assert "https://" not in html
    assert "style=" not in html  # an inline style attribute would need 'unsafe-inline'


def test_the_verifier_downloads_as_a_file_to_open_offline():
    response = Client().get(reverse("ledger:verifier") + "?download")

    assert response["Content-Disposition"] == 'attachment; filename="custodywatch-verify.html"'
    assert response.content == PAGE.read_bytes()


# --- The ledger page: its keys, and what each entry is about -----------------------------------------


def test_the_ledger_page_shows_the_full_log_key_and_the_witnesses_keys_with_copy_buttons(client, personas, signed,
                                                                                        witness):
    client.force_login(personas.npm_monitor)
    page = client.get(reverse("ledger:index")).content.decode()

    assert f'<code id="log-vkey" class="vkey">{SigningKey.objects.get().vkey}</code>' in page
    assert 'data-copy="log-vkey"' in page
    assert 'data-copy="witness-vkey-1"' in page
    assert witness.vkey in page
    assert "/static/js/copy.js" in page
    assert "What it does not prove" in page
    assert reverse("ledger:check") in page


def _log_changes(personas):
    """A logged change of a facility inside pmc_member's mandate and one outside; their entries' indices."""
    first = selectors.log_size()
    update_facility(facility=personas.colony, by=personas.npm_monitor, address="Inside 1")
    update_facility(facility=personas.other_colony, by=personas.npm_monitor, address="Outside 1")
    assert selectors.log_size() == first + 2
    return first, first + 1


def test_an_entry_names_its_facility_and_record_only_within_the_readers_mandate(client, personas,
                                                                                django_assert_max_num_queries):
    _log_changes(personas)
    client.force_login(personas.pmc_member)

    with django_assert_max_num_queries(14):
        page = client.get(reverse("ledger:index")).content.decode()

    assert str(personas.colony) in page
    assert reverse("facilities:detail", args=[personas.colony.pk]) in page
    assert reverse("facilities:history", args=[personas.colony.pk]) in page
    assert "Registry record (updated)" in page
    assert str(personas.other_colony) not in page
    assert reverse("facilities:detail", args=[personas.other_colony.pk]) not in page


def test_a_national_reader_sees_every_entrys_facility(client, personas):
    _log_changes(personas)
    client.force_login(personas.prosecutor)
    page = client.get(reverse("ledger:index")).content.decode()

    assert str(personas.colony) in page
    assert str(personas.other_colony) in page


def test_the_entry_search_names_the_record_within_the_mandate_only(client, personas):
    inside, outside = _log_changes(personas)
    client.force_login(personas.pmc_member)

    def search(index: int) -> str:
        leaf = bytes(Entry.objects.get(index=index).leaf_hash).hex()
        return client.get(reverse("ledger:search"), {"hash": leaf}, headers={"HX-Request": "true"}).content.decode()

    assert str(personas.colony) in search(inside)
    found_outside = search(outside)
    assert "Registry change" in found_outside
    assert str(personas.other_colony) not in found_outside


def test_every_page_leads_to_how_to_check_the_ledger_even_before_logging_in():
    page = Client().get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("ledger:check")}"' in page


def test_the_keys_say_how_many_witnesses_must_cosign(signed, witness, settings):
    assert "once 1 witness has cosigned it" in Client().get(reverse("ledger:check")).content.decode()
    settings.LEDGER_WITNESS_QUORUM = 0
    page = Client().get(reverse("ledger:check")).content.decode()
    assert "no witness cosignature is required" in page
