"""The browser verifier, opened from a file and served by the app, agrees with ``custodywatch-verify``.

Each bundle of ``verifier_cases`` (valid, and tampered in one place each) is checked by the
page in a real chromium (its own Ed25519 and SHA-256, Web Crypto) and by the Python verifier's
command line; the verdict and the check that failed must be the same.
"""

# ruff: noqa: RUF001 - the Kazakh and Russian texts are Cyrillic on purpose.
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodywatch_log.note import CosignatureVerifier, Verifier
from custodywatch_log.policy import Policy
from custodywatch_log.proof import ProofBundle, ProofBundleError, verify_proof_bundle
from ledger import publication
from ledger.models import SigningKey
from ledger.public import VERIFIER_PAGE
from ledger.services import append_entries, sign_checkpoint
from ledger.tests.conftest import segments
from ledger.tests.verifier_cases import (
    Case,
    expected_verdict,
    make_cases,
    opening_path,
    python_verdict,
    write_bundle,
)

pytestmark = pytest.mark.browser

PAGE = Path(django_settings.BASE_DIR) / VERIFIER_PAGE
CASES = make_cases()


@pytest.fixture
def file_page(chromium) -> Iterator[object]:
    """A page with no server behind it, as a lawyer opens the saved file."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def check(page, bundle: Path, case: Case) -> tuple[str, str]:
    """Give the page the bundle file and the keys, press Check, and read its verdict."""
    page.locator("body[data-ready=true]").wait_for()
    page.locator("#bundle-file").set_input_files(str(bundle))
    page.locator("#log-key").fill(case.log_key)
    page.locator("#witness-keys").fill("\n".join(case.witness_keys))
    page.locator("#quorum").fill("" if case.quorum is None else str(case.quorum))
    if case.opening is not None:
        page.locator("#opening-file").set_input_files(str(opening_path(bundle)))
    page.locator("#check").click()
    result = page.locator("#result[data-verdict]")
    result.wait_for()
    return result.get_attribute("data-verdict"), result.get_attribute("data-failed-step")


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_page_opened_from_a_file_gives_the_python_verifiers_verdict(file_page, tmp_path, name):
    case = CASES[name]
    bundle = write_bundle(tmp_path, case)
    file_page.goto(PAGE.as_uri() + "?lang=en")

    verdict = check(file_page, bundle, case)

    assert verdict == expected_verdict(bundle, case)


def test_the_cases_cover_every_check_the_page_makes(tmp_path):
    verdicts = {name: python_verdict(write_bundle(tmp_path, case), case) for name, case in CASES.items()}
    assert verdicts["valid"] == ("proven", "")
    assert verdicts["valid-without-witness-keys"] == ("proven", "")
    assert verdicts["one-of-two-witnesses-required"] == ("proven", "")
    assert {step for _, step in verdicts.values()} == {"", "format", "log-signature", "witnesses", "inclusion"}
    openings = {name: expected_verdict(write_bundle(tmp_path, case), case)
                for name, case in CASES.items() if case.opening is not None}
    assert openings["opened"] == ("proven", "")
    assert {step for _, step in openings.values()} == {"", "opening"}


def test_an_opening_shows_the_record_the_entry_commits_to(file_page, tmp_path):
    case = CASES["opened"]
    file_page.goto(PAGE.as_uri() + "?lang=en")
    check(file_page, write_bundle(tmp_path, case), case)

    assert file_page.locator("[data-step=opening]").get_attribute("data-status") == "ok"
    assert "The record you gave is exactly the one the entry commits to." in file_page.locator("#summary").inner_text()
    assert "ҚАР-159/12" in file_page.locator("#record-text").inner_text()


def test_a_changed_record_does_not_open_the_commitment(file_page, tmp_path):
    case = CASES["opening-tampered-record"]
    file_page.goto(PAGE.as_uri() + "?lang=en")
    check(file_page, write_bundle(tmp_path, case), case)

    assert file_page.locator("#verdict").inner_text() == "Not proven"
    assert "does not match the entry's commitment" in file_page.locator("[data-step=opening]").inner_text()
    assert file_page.locator("[data-step=inclusion]").get_attribute("data-status") == "ok"
    assert file_page.locator("#record").is_hidden()


def test_a_valid_proof_says_in_plain_words_what_it_proves(file_page, tmp_path):
    case = CASES["valid"]
    file_page.goto(PAGE.as_uri() + "?lang=en")
    check(file_page, write_bundle(tmp_path, case), case)

    result = file_page.locator("#result")
    assert result.locator("#verdict").inner_text() == "Proven"
    summary = result.locator("#summary").inner_text()
    assert "Entry number 5 is in the ledger custodywatch.test/ledger" in summary
    assert "held 13 entries" in summary
    assert "independent witnesses confirm" in summary
    assert "witness.test/w1" in result.locator("[data-step=witnesses]").inner_text()
    assert "registry change (registry:change)" in result.locator("#entry-intro").inner_text()
    assert "What this does not prove" in result.inner_text()


def test_without_witness_keys_the_page_says_the_cosignatures_were_not_checked(file_page, tmp_path):
    case = CASES["valid-without-witness-keys"]
    file_page.goto(PAGE.as_uri() + "?lang=en")
    check(file_page, write_bundle(tmp_path, case), case)

    witnesses = file_page.locator("[data-step=witnesses]")
    assert witnesses.get_attribute("data-status") == "skipped"
    assert "Not checked: you gave no witness keys" in witnesses.inner_text()
    assert "independent witnesses" not in file_page.locator("#summary").inner_text()


def test_a_tampered_entry_is_named_as_such(file_page, tmp_path):
    case = CASES["tampered-entry"]
    file_page.goto(PAGE.as_uri() + "?lang=en")
    check(file_page, write_bundle(tmp_path, case), case)

    assert file_page.locator("#verdict").inner_text() == "Not proven"
    inclusion = file_page.locator("[data-step=inclusion]")
    assert inclusion.get_attribute("data-status") == "failed"
    assert "the entry or the proof was altered" in inclusion.inner_text()
    assert file_page.locator("[data-step=log-signature]").get_attribute("data-status") == "ok"


def test_the_page_speaks_kazakh_and_russian_and_switches_without_checking_again(file_page, tmp_path):
    valid, tampered = CASES["valid"], CASES["tampered-signature"]
    file_page.goto(PAGE.as_uri())
    file_page.get_by_role("button", name="Қазақша").click()
    assert file_page.locator("html").get_attribute("lang") == "kk"
    assert file_page.get_by_role("button", name="Тексеру").is_visible()

    check(file_page, write_bundle(tmp_path, valid), valid)
    assert file_page.locator("#verdict").inner_text() == "Дәлелденді"
    assert "5 нөмірлі жазба custodywatch.test/ledger журналында бар" in file_page.locator("#summary").inner_text()
    assert "тізілімдегі өзгеріс" in file_page.locator("#entry-intro").inner_text()
    # Dates in the Kazakh form, even where the browser has no Kazakh locale data.
    assert " ж. " in file_page.locator("[data-step=witnesses]").inner_text()

    check(file_page, write_bundle(tmp_path, tampered), tampered)
    assert file_page.locator("#verdict").inner_text() == "Дәлелденбеді"
    assert "Журналдың қолтаңбасы бақылау нүктесіне сәйкес келмейді" in file_page.locator("#steps").inner_text()

    file_page.get_by_role("button", name="Русский").click()
    assert file_page.locator("#verdict").inner_text() == "Не доказано"
    assert "Подпись журнала не соответствует контрольной точке" in file_page.locator("#steps").inner_text()
    assert file_page.title() == "Проверка доказательства из журнала CustodyWatch"


def test_on_a_phone_the_page_needs_no_sideways_scrolling(chromium, tmp_path):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        case = CASES["valid"]
        page.goto(PAGE.as_uri() + "?lang=kk")
        check(page, write_bundle(tmp_path, case), case)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


# --- Served by the app -----------------------------------------------------------------------------


@pytest.fixture
def app_bundles(ledger_settings, tmp_path) -> dict[str, tuple[Path, Case]]:
    """A valid and a tampered bundle of a real ledger entry, as the app hands them out."""
    append_entries(entries=segments(0, 9))
    sign_checkpoint()
    vkey = SigningKey.objects.get().vkey
    proven = publication.entry_proof(index=4)
    assert proven is not None
    valid = Case("app-valid", proven.bundle, vkey)
    parsed = ProofBundle.parse(proven.bundle)
    # One character of the entry changed (near its end, inside its last value).
    entry = bytearray(parsed.extra)
    entry[-3] = ord("0") if entry[-3] != ord("0") else ord("1")
    altered = ProofBundle.build(parsed.index, parsed.proof, parsed.checkpoint_note, bytes(entry))
    tampered = Case("app-tampered", altered.format(), vkey)
    return {case.name: (write_bundle(tmp_path, case), case) for case in (valid, tampered)}


@pytest.mark.django_db(transaction=True)
def test_the_page_served_by_the_app_runs_under_its_own_policy_and_agrees_with_python(page, app_bundles):
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if "Security Policy" in message.text else None)

    response = page.goto(reverse("ledger:verifier") + "?lang=en")

    policy = response.headers["content-security-policy"]
    assert "script-src 'sha256-" in policy
    assert "connect-src 'none'" in policy
    for path, case in app_bundles.values():
        assert check(page, path, case) == python_verdict(path, case)
    assert page.locator("#result").get_attribute("data-verdict") == "not-proven"
    assert blocked == []


@pytest.mark.django_db(transaction=True)
def test_anyone_finds_the_verifier_from_the_how_to_check_page_and_reads_it_in_kazakh(page, app_bundles):
    page.goto(reverse("ledger:check"))
    page.locator("#language-select").select_option("kk")
    page.wait_for_load_state("networkidle")
    page.locator("a.button[href*='/ledger/verify/']").first.click()
    page.locator("body[data-ready=true]").wait_for()
    assert page.locator("html").get_attribute("lang") == "kk"

    path, case = app_bundles["app-valid"]
    assert check(page, path, case) == ("proven", "")
    assert page.locator("#verdict").inner_text() == "Дәлелденді"


@pytest.mark.django_db(transaction=True)
def test_the_verifier_can_be_downloaded_as_the_same_file(page, live_server):
    page.goto(reverse("ledger:check"))
    with page.expect_download() as download:
        page.locator("a[download]").first.click()
    assert download.value.suggested_filename == "custodywatch-verify.html"
    assert Path(download.value.path()).read_bytes() == PAGE.read_bytes()


# --- Hostile input ----------------------------------------------------------------------------------

_PAGE_VERDICT = """async (input) => {
  const result = await window.custodywatchVerify(input);
  const failed = result.steps.find((s) => s.status === "failed");
  return [result.verdict, failed ? failed.step : ""];
}"""


def _python_accepts(text: str, case: Case) -> bool:
    """What ``custodywatch-verify proof`` decides, in process (the same calls as its ``proof`` command)."""
    policy = Policy.k_of_n([Verifier.from_vkey(case.log_key)],
                           [CosignatureVerifier.from_vkey(k) for k in case.witness_keys], len(case.witness_keys))
    try:
        verify_proof_bundle(text.encode("utf-8", "surrogatepass"), [], policy)
    except ProofBundleError:
        return False
    return True


_EDIT_CHARS = st.sampled_from(["\n", " ", "=", "+", "/", "A", "a", "0", "9", "\u2014", "\t", "\x00", "\ufeff", "é"])


@st.composite
def _mutations(draw):
    """The valid bundle with a few characters replaced, inserted or removed, or lines dropped or doubled."""
    text = CASES["valid"].bundle
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "drop-line", "double-line"]))
        if op in ("drop-line", "double-line"):
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [] if op == "drop-line" else [lines[i], lines[i]]
            text = "\n".join(lines)
            continue
        i = draw(st.integers(0, len(text) - 1))
        if op == "replace":
            text = text[:i] + draw(_EDIT_CHARS) + text[i + 1:]
        elif op == "insert":
            text = text[:i] + draw(_EDIT_CHARS) + text[i:]
        else:
            text = text[:i] + text[i + 1:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_mutations())
def test_on_altered_bundles_the_page_and_the_python_verifier_always_agree(file_page, text):
    case = CASES["valid"]
    if file_page.url == "about:blank":
        file_page.goto(PAGE.as_uri() + "?lang=en")
        file_page.locator("body[data-ready=true]").wait_for()

    verdict, step = file_page.evaluate(_PAGE_VERDICT, {"bundle": text, "logKey": case.log_key,
                                                       "witnessKeys": "\n".join(case.witness_keys), "quorum": ""})

    assert (verdict == "proven") == _python_accepts(text, case), step
    assert verdict == "proven" or step
