"""The public follow-up form on the server: the code never arrives, only the locator and the
derived token; a salt for every locator; guessing limited per locator and per client address."""

# ruff: noqa: RUF001 - the Russian texts are Cyrillic on purpose.

from __future__ import annotations

import base64
import json

import pyrage
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from complaints.models import ComplaintMessage
from complaints.services import handling
from complaints.workspace_testing import make_complaint
from custodywatch_terminal import receipts
from custodywatch_terminal import sealing as terminal_sealing
from ledger import interface as ledger

pytestmark = pytest.mark.django_db


def _post(client, name, body, **extra):
    return client.post(reverse(f"complaints:{name}"), data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def filed(workspace):
    complaint, secret = make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm],
                                       with_receipt=True)
    return complaint, receipts.Receipt(complaint.locator, secret)


def _token(client, receipt) -> tuple[str, receipts.Derived]:
    salt = _post(client, "public-salt", {"locator": receipt.locator}).json()["salt"]
    derived = receipts.derive(receipt.secret, bytes.fromhex(salt))
    return derived.lookup_token.hex(), derived


def test_public_page_is_open_to_anyone_and_carries_no_code_field_name(client):
    response = client.get(reverse("complaints:public-follow-up"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="code"' not in html  # the code is never submitted as a form field
    assert "followup-crypto.min.js" in html
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_public_salt_is_the_complaints_own_and_a_steady_decoy_for_unknown_locators(client, filed):
    complaint, receipt = filed
    assert _post(client, "public-salt", {"locator": receipt.locator}).json()["salt"] == bytes(
        complaint.lookup_salt).hex()
    unknown = "0" * 8 if receipt.locator != "0" * 8 else "1" * 8
    first = _post(client, "public-salt", {"locator": unknown}).json()["salt"]
    assert first == _post(client, "public-salt", {"locator": unknown}).json()["salt"]
    assert len(bytes.fromhex(first)) == 16


def test_public_thread_opens_with_the_derived_token_and_its_reply_opens_with_the_reply_identity(
        client, filed, workspace):
    complaint, receipt = filed
    handling.send_reply(complaint=complaint, by=workspace.personas.npm_monitor, text="Мы приедем в среду.")
    token, derived = _token(client, receipt)
    answer = _post(client, "public-thread", {"locator": receipt.locator, "token": token}, HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 200
    data = answer.json()
    assert data["complaint_status"] == complaint.status
    assert data["count"] == 1
    assert data["organisations"][workspace.npm.code]
    reply = terminal_sealing.open_sealed(base64.b64decode(data["items"][0]["sealed"]), [derived.reply_identity])
    assert reply.text == "Мы приедем в среду."
    assert receipt.secret not in answer.content.decode()


def test_public_thread_refuses_a_wrong_token_and_bad_input_precisely(client, filed):
    _, receipt = filed
    wrong = _post(client, "public-thread", {"locator": receipt.locator, "token": "ab" * 32})
    assert wrong.status_code == 404
    assert wrong.json()["status"] == "wrong_receipt"
    assert _post(client, "public-thread", {"locator": "1234", "token": "ab" * 32}).json()["field"] == "locator"
    assert _post(client, "public-thread", {"locator": receipt.locator, "token": "xyz"}).json()["field"] == "token"
    bad = client.post(reverse("complaints:public-salt"), data=b"\xff\xfe", content_type="application/json")
    assert (bad.status_code, bad.json()["field"]) == (400, "body")
    assert client.get(reverse("complaints:public-thread")).status_code == 405


def test_public_guessing_is_limited_per_locator_even_for_the_right_token_then(client, filed, settings):
    settings.COMPLAINT_LOOKUP_FAILURES_PER_LOCATOR = 3
    settings.COMPLAINT_PUBLIC_FAILURES_PER_ADDRESS = 100
    _, receipt = filed
    token, _ = _token(client, receipt)
    for _attempt in range(3):
        assert _post(client, "public-thread", {"locator": receipt.locator, "token": "cd" * 32}).status_code == 404
    limited = _post(client, "public-thread", {"locator": receipt.locator, "token": token})
    assert limited.status_code == 429
    assert limited.json()["status"] == "rate_limited"


def test_public_guessing_is_limited_per_client_address_across_locators(client, filed, settings):
    settings.COMPLAINT_PUBLIC_FAILURES_PER_ADDRESS = 4
    _, receipt = filed
    for n in range(4):
        assert _post(client, "public-thread", {"locator": f"{n:08d}", "token": "cd" * 32},
                     REMOTE_ADDR="203.0.113.9").status_code == 404
    token, _ = _token(client, receipt)
    assert _post(client, "public-thread", {"locator": receipt.locator, "token": token},
                 REMOTE_ADDR="203.0.113.9").status_code == 429
    # another address is not held back by the first one's guesses
    assert _post(client, "public-thread", {"locator": receipt.locator, "token": token},
                 REMOTE_ADDR="198.51.100.7").status_code == 200


def _sealed_message(keys: list[str], text: str) -> tuple[int, str]:
    document = terminal_sealing.Message(text=text, filed_at=timezone.now())
    sealed = terminal_sealing.seal(document, keys)
    return sealed.bucket, base64.b64encode(sealed.ciphertext).decode("ascii")


def test_public_message_from_a_relative_is_stored_sealed_and_committed_to_the_ledger(client, filed, workspace):
    complaint, receipt = filed
    token, _ = _token(client, receipt)
    data = _post(client, "public-thread", {"locator": receipt.locator, "token": token}).json()
    assert str(workspace.npm_identity.to_public()) in data["seal_to"]
    bucket, sealed = _sealed_message(data["seal_to"], "Его перевели в другой отряд.")
    answer = _post(client, "public-message", {"locator": receipt.locator, "token": token, "bucket": bucket,
                                              "sealed": sealed})
    assert answer.status_code == 200
    (message,) = ComplaintMessage.objects.filter(complaint=complaint)
    assert message.channel == "web"
    opened = terminal_sealing.open_sealed(bytes(message.sealed), [workspace.npm_identity])
    assert opened.text == "Его перевели в другой отряд."
    assert ledger.indices_of(kind="complaint:receipt", subjects=[f"complaints.complaintmessage:{message.pk}"])


def test_public_message_is_refused_without_the_token_or_unpadded_and_nothing_is_stored(client, filed, workspace):
    complaint, receipt = filed
    keys = [str(workspace.npm_identity.to_public())]
    bucket, sealed = _sealed_message(keys, "x")
    wrong = _post(client, "public-message", {"locator": receipt.locator, "token": "ab" * 32, "bucket": bucket,
                                             "sealed": sealed})
    assert wrong.status_code == 404
    token, _ = _token(client, receipt)
    unpadded = base64.b64encode(pyrage.encrypt(b'{"v":1}', [pyrage.x25519.Recipient.from_str(keys[0])])).decode()
    refused = _post(client, "public-message", {"locator": receipt.locator, "token": token, "bucket": bucket,
                                               "sealed": unpadded})
    assert (refused.status_code, refused.json()["field"]) == (400, "sealed")
    assert _post(client, "public-message", {"locator": receipt.locator, "token": token, "bucket": 5,
                                            "sealed": sealed}).json()["field"] == "bucket"
    assert _post(client, "public-message", {"locator": receipt.locator, "token": token, "bucket": bucket,
                                            "sealed": "%%%"}).json()["field"] == "sealed"
    assert not ComplaintMessage.objects.filter(complaint=complaint).exists()


@pytest.mark.parametrize(("language", "label"), [("en", "Follow a complaint"), ("ru", "Ход рассмотрения жалобы"),
                                                 ("kk", "Шағымның барысы")])
def test_every_page_links_to_the_public_follow_up_in_its_footer_in_each_language(client, language, label):
    from django.conf import settings as django_settings

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    for url in (reverse("accounts:login"), reverse("complaints:public-follow-up")):
        with translation.override("en"):  # the request activates its language; leave the thread's as it was
            page = client.get(url).content.decode()
        footer = page[page.index('<footer class="footer">'):]
        assert f'<a href="{reverse("complaints:public-follow-up")}" data-footer-link="follow-up">{label}</a>' in footer
