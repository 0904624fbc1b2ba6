"""The ledger page, entry search, and the ledger's JSON API."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.urls import reverse

from accounts.testing import ApiClient, error_fields
from custodywatch_log import merkle
from custodywatch_log.note import CosignatureSigner
from custodywatch_log.proof import verify_proof_bundle
from ledger.models import Cosignature, SigningKey
from ledger.services import append_entries, sign_checkpoint
from ledger.tests.conftest import segment, segments

pytestmark = [pytest.mark.usefixtures("ledger_settings"), pytest.mark.django_db]


@pytest.fixture
def monitor(client, personas):
    client.force_login(personas.npm_monitor)
    return client


@pytest.fixture
def log():
    """Twelve entries, ten of them in a signed (and, with no witnesses configured, published) checkpoint."""
    append_entries(entries=segments(0, 10))
    checkpoint = sign_checkpoint()
    append_entries(entries=segments(10, 2))
    return checkpoint


def _hex(i: int) -> str:
    return segment(i).leaf_hash.hex()


def _search(client, value: str) -> str:
    """The fragment htmx gets back for a search."""
    return client.get(reverse("ledger:search"), {"hash": value}, headers={"HX-Request": "true"}).content.decode()


# --- The page -------------------------------------------------------------------------------------


def test_the_ledger_page_shows_the_log_size_and_the_latest_checkpoint(monitor, log, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = monitor.get(reverse("ledger:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Entries in the log" in page
    assert ">12<" in page
    assert "2 not yet in a checkpoint" in page
    assert base64.b64encode(bytes(log.root)).decode() in page
    assert log.signing_key.key_id in page


def test_with_no_witnesses_configured_the_page_says_so_rather_than_claim_a_quorum(monitor, log):
    page = monitor.get(reverse("ledger:index")).content.decode()

    assert "Signed; no witnesses configured" in page
    assert "Published: witness quorum met" not in page
    assert "Signed, awaiting witnesses" not in page


def test_with_witnesses_but_no_quorum_required_the_page_says_none_is_required(monitor, log, settings):
    signer = CosignatureSigner.generate("witness.test/w1")
    settings.LEDGER_WITNESSES = [{"name": "w1", "url": "http://127.0.0.1:9", "vkey": signer.vkey}]
    settings.LEDGER_WITNESS_QUORUM = 0

    page = monitor.get(reverse("ledger:index")).content.decode()

    assert "Signed; no witness cosignatures required" in page
    assert "Published: witness quorum met" not in page


def test_the_ledger_page_lists_witnesses_and_whether_the_quorum_is_met(monitor, log, settings):
    w1, w2 = CosignatureSigner.generate("witness.test/w1"), CosignatureSigner.generate("witness.test/w2")
    settings.LEDGER_WITNESSES = [
        {"name": "w1", "url": "http://127.0.0.1:9", "vkey": w1.vkey},
        {"name": "w2", "url": "http://127.0.0.1:9", "vkey": w2.vkey},
    ]
    page = monitor.get(reverse("ledger:index")).content.decode()
    assert "Signed, awaiting witnesses" in page
    assert "0 of 2" in page
    assert "not yet" in page
    Cosignature.objects.create(
        checkpoint=log, witness="w1", line=w1.signature_line(log.note.split("\n\n")[0] + "\n"), timestamp=1_790_000_000,
        created_at=log.created_at,
    )
    page = monitor.get(reverse("ledger:index")).content.decode()
    assert "1 of 2" in page
    assert "Signed, awaiting witnesses" in page
    settings.LEDGER_WITNESS_QUORUM = 1
    assert "Published: witness quorum met" in monitor.get(reverse("ledger:index")).content.decode()


def test_an_empty_ledger_page_says_no_checkpoint_yet(monitor):
    page = monitor.get(reverse("ledger:index")).content.decode()
    assert "No checkpoint has been signed yet." in page


def test_the_ledger_page_needs_the_view_ledger_capability(client, personas):
    response = client.get(reverse("ledger:index"))
    assert response.status_code == 302
    client.force_login(personas.outsider)
    assert client.get(reverse("ledger:index")).status_code == 403
    assert client.get(reverse("ledger:search"), {"hash": _hex(1)}).status_code == 403
    assert client.get(reverse("ledger:proof", args=[1])).status_code == 403


# --- Recent entries ------------------------------------------------------------------------------


@pytest.fixture
def long_log():
    """45 entries, the first 30 in the published checkpoint."""
    append_entries(entries=segments(0, 30))
    sign_checkpoint()
    append_entries(entries=segments(30, 15))


def _row_indices(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr>\s*<td class="num">(\d+)</td>', html)]


def test_the_ledger_page_lists_the_twenty_latest_entries_newest_first(monitor, long_log,
                                                                       django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        page = monitor.get(reverse("ledger:index")).content.decode()

    assert "Recent entries" in page
    assert _row_indices(page) == list(range(44, 24, -1))
    assert "Video segment manifest" in page
    assert f'title="{_hex(44)}"' in page


def test_recent_entries_link_a_proof_only_when_the_published_checkpoint_covers_them(monitor, long_log):
    page = monitor.get(reverse("ledger:index")).content.decode()

    assert reverse("ledger:proof", args=[29]) in page
    assert reverse("ledger:proof", args=[30]) not in page
    assert page.count("not yet covered") == 15


def test_older_entries_come_to_htmx_as_rows_with_a_button_for_the_next_ones(monitor, long_log):
    url = reverse("ledger:index")

    second = monitor.get(url, {"before": 25}, headers={"HX-Request": "true"}).content.decode()
    third = monitor.get(url, {"before": 5}, headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in second
    assert _row_indices(second) == list(range(24, 4, -1))
    assert "?before=5" in second
    assert _row_indices(third) == [4, 3, 2, 1, 0]
    assert "before=" not in third


def test_older_entries_without_htmx_are_a_whole_page(monitor, long_log):
    page = monitor.get(reverse("ledger:index"), {"before": 25}).content.decode()

    assert "<html" in page
    assert _row_indices(page) == list(range(24, 4, -1))
    assert "Back to the newest entries" in page


@pytest.mark.parametrize("before", ["soon", "-3", "1e3", "9" * 40])
def test_a_malformed_page_position_shows_the_newest_entries(monitor, long_log, before):
    response = monitor.get(reverse("ledger:index"), {"before": before})

    assert response.status_code == 200
    assert _row_indices(response.content.decode())[0] == 44


def test_an_empty_log_says_it_has_no_entries(monitor):
    page = monitor.get(reverse("ledger:index")).content.decode()

    assert "The log has no entries yet." in page


def test_older_entries_need_the_view_ledger_capability(client, personas, long_log):
    client.force_login(personas.outsider)

    response = client.get(reverse("ledger:index"), {"before": 25}, headers={"HX-Request": "true"})

    assert response.status_code == 403


# --- Search ---------------------------------------------------------------------------------------


def test_search_by_entry_hash_answers_htmx_with_the_result_fragment(monitor, log):
    response = monitor.get(reverse("ledger:search"), {"hash": _hex(4).upper()}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "Video segment manifest" in fragment
    assert "segment" in fragment
    assert reverse("ledger:proof", args=[4]) in fragment


def test_an_htmx_history_restore_of_a_search_gets_the_whole_page(monitor, log):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    page = monitor.get(reverse("ledger:search"), {"hash": _hex(4)}, headers=headers).content.decode()

    assert "<html" in page
    assert reverse("ledger:proof", args=[4]) in page


def test_search_without_htmx_renders_the_whole_page(monitor, log):
    page = monitor.get(reverse("ledger:search"), {"hash": _hex(4)}).content.decode()
    assert "<html" in page
    assert reverse("ledger:proof", args=[4]) in page


def test_an_entry_not_yet_in_a_published_checkpoint_has_no_proof_link(monitor, log):
    fragment = _search(monitor, _hex(11))
    assert ">11<" in fragment
    assert reverse("ledger:proof", args=[11]) not in fragment
    assert "No published checkpoint covers this entry yet" in fragment


@pytest.mark.parametrize("value", ["xyz", "ab" * 31, "ab" * 33, ""])
def test_search_explains_a_malformed_hash(monitor, log, value):
    fragment = _search(monitor, value)
    assert 'role="alert"' in fragment


def test_search_for_an_unknown_hash_says_so(monitor, log):
    fragment = _search(monitor, "00" * 32)
    assert "No entry has this hash." in fragment


# --- JSON API -------------------------------------------------------------------------------------


def test_api_returns_the_latest_checkpoint(personas, log):
    response = ApiClient(personas.npm_monitor).get("/ledger/checkpoint")
    assert response.status_code == 200
    body = response.json()
    assert body["size"] == 10
    assert body["origin"] == "custodywatch.test/ledger"
    assert base64.b64decode(body["root_hash"]) == bytes(log.root)
    assert body["signer"]["vkey"] == SigningKey.objects.get().vkey
    assert body["status"] == "published"
    assert body["quorum"] == 0
    assert body["cosignatures"] == []
    assert body["note"] == log.note


def test_api_finds_an_entry_by_hash(personas, log):
    response = ApiClient(personas.npm_monitor).get(f"/ledger/entries/{_hex(3)}")
    assert response.status_code == 200
    body = response.json()
    assert body["index"] == 3
    assert body["kind"] == "segment"
    assert body["data"] == json.loads(segment(3).data)
    assert merkle.leaf_hash(base64.b64decode(body["data_base64"])).hex() == _hex(3)


def test_api_proof_verifies_against_the_checkpoint(personas, log):
    body = ApiClient(personas.npm_monitor).get(f"/ledger/entries/{_hex(7)}/proof").json()
    assert body["index"] == 7
    assert body["tree_size"] == 10
    proof = [base64.b64decode(p) for p in body["inclusion_proof"]]
    merkle.verify_inclusion(segment(7).leaf_hash, 7, 10, proof, bytes(log.root))
    verify_proof_bundle(body["tlog_proof"], [SigningKey.objects.get().vkey])


def test_api_answers_404_in_json_for_unknown_or_unproven_entries(personas, log):
    api = ApiClient(personas.npm_monitor)
    for path in (f"/ledger/entries/{'00' * 32}", "/ledger/entries/not-hex", f"/ledger/entries/{_hex(11)}/proof"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert error_fields(response) == {None}


def test_api_needs_the_view_ledger_capability(personas, log, client):
    response = ApiClient(personas.outsider).get("/ledger/checkpoint")
    assert response.status_code == 403
    assert client.get("/api/v1/ledger/checkpoint").status_code == 401


def test_api_checkpoint_is_404_before_any_is_signed(personas):
    assert ApiClient(personas.npm_monitor).get("/ledger/checkpoint").status_code == 404
