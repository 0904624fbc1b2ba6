"""An export package checked offline, by verify-footage and by the browser verifier: an original copy
matches, one changed byte is caught."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from custodywatch_log import verify as log_verify
from custodywatch_recorder import verify_footage
from ledger.public import VERIFIER_PAGE
from ledger.services import sign_checkpoint
from video import export
from video.conftest import NOW
from video.ingest import ingest_submission
from video.models import Segment
from video.testing import SimulatedRecorder

VERIFIER = Path(settings.BASE_DIR) / VERIFIER_PAGE


def recorded_package(tmp_path, personas, clips):
    nvr = SimulatedRecorder.create(personas.colony, cameras={"cam-1": "admission_search"})
    footage = [clips["normal"].read_bytes(), clips["covered"].read_bytes()]
    with time_machine.travel(NOW, tick=False):
        messages = [nvr.segment("cam-1", NOW - timedelta(seconds=20 - 10 * i), content=data)
                    for i, data in enumerate(footage)]
        result = ingest_submission(data=nvr.submission(*messages))
    assert result.accepted == [0, 1]
    checkpoint = sign_checkpoint()
    segments = list(Segment.objects.order_by("seq").select_related("camera__recorder", "camera__facility"))
    package = tmp_path / "export.zip"
    package.write_bytes(export.build_package(segments=segments, user=personas.npm_monitor,
                                             files={s.sha256: data for s, data in zip(segments, footage, strict=True)}))
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "unpacked")
    files = sorted((tmp_path / "unpacked" / "segments").rglob("*.ts"))
    return package, files, checkpoint.signing_key.vkey


def test_an_exported_copy_matches_the_ledger_offline_and_one_changed_byte_is_caught(tmp_path, personas, clips,
                                                                                   capsys):
    package, files, vkey = recorded_package(tmp_path, personas, clips)
    assert verify_footage.main([*map(str, files), "--package", str(package), "--log-key", vkey]) == 0
    out = capsys.readouterr().out
    assert out.count("MATCHES the ledger byte for byte") == 2
    assert "camera cam-1 (admission_search) of recorder nvr-1, facility LA-155/1" in out
    assert "segment 1, recorded 2026-11-20T11:59:50+00:00" in out

    data = bytearray(files[1].read_bytes())
    data[len(data) // 2] ^= 0x01
    files[1].write_bytes(bytes(data))
    assert verify_footage.main([str(files[1]), "--package", str(package), "--log-key", vkey]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS" in out
    assert "the file differs from the recorded segment" in out


def test_the_package_proofs_check_with_the_standalone_verifier_and_a_wrong_key_fails(tmp_path, personas, clips,
                                                                                   capsys):
    package, files, vkey = recorded_package(tmp_path, personas, clips)
    proofs = sorted((tmp_path / "unpacked" / "proofs").glob("*.tlog-proof"))
    assert proofs
    assert log_verify.main(["proof", str(proofs[0]), "--log-key", vkey]) == 0
    capsys.readouterr()
    other = "custodywatch.example/other+01234567+" + "A" * 43 + "="
    assert verify_footage.main([str(files[0]), "--package", str(package), "--log-key", other]) == 1
    assert "FAIL: ledger proof" in capsys.readouterr().out


def one_byte_changed(package, tmp_path):
    """A copy of the package in which one byte of its second segment file differs."""
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as target:
        segments = sorted(n for n in source.namelist() if n.startswith("segments/"))
        for name in source.namelist():
            data = source.read(name)
            if name == segments[1]:
                data = bytearray(data)
                data[len(data) // 2] ^= 0x01
            target.writestr(name, bytes(data))
    return changed, segments[1]


@pytest.mark.browser
def test_the_browser_verifier_proves_the_package_offline_and_refuses_one_changed_byte(tmp_path, personas, clips,
                                                                                   chromium):
    package, _files, vkey = recorded_package(tmp_path, personas, clips)
    changed, name = one_byte_changed(package, tmp_path)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(VERIFIER.as_uri() + "?lang=en")  # opened from disk, as a court does: no server behind it
        page.locator("body[data-ready=true]").wait_for()
        page.locator("#log-key").fill(vkey)

        def check(path):
            page.locator("#package-file").set_input_files(str(path))
            page.locator("#check").click()
            page.locator(f"#result[data-package='{path.name}']").wait_for()
            return page.locator("#result")

        result = check(package)
        assert result.get_attribute("data-verdict") == "proven"
        assert page.locator("#verdict").inner_text() == "Proven"
        assert "Each of the 2 segment files in the package is the recorded original" in result.inner_text()
        segments = page.locator("li[data-step=segment]")
        assert segments.count() == 2
        assert [segments.nth(i).get_attribute("data-status") for i in range(2)] == ["ok", "ok"]
        assert "Matches the ledger byte for byte: signed by recorder nvr-1" in segments.nth(1).inner_text()

        result = check(changed)
        assert result.get_attribute("data-verdict") == "not-proven"
        assert result.get_attribute("data-failed-step") == "file"
        assert result.get_attribute("data-failed-file") == name
        refused = page.locator(f"li[data-step=segment][data-file='{name}']")
        assert refused.get_attribute("data-status") == "failed"
        assert "The file differs from the recorded segment" in refused.inner_text()
        assert page.locator("li[data-step=segment][data-status=ok]").count() == 1
    finally:
        context.close()


@pytest.mark.browser
def test_the_browser_verifier_refuses_what_is_not_a_readable_package_with_its_reason(tmp_path, chromium):
    """Hostile or damaged packages end in a refusal naming the problem, never in an error of the page."""
    def archive(**members):
        buffer = tmp_path / "made.zip"
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members.items():
                z.writestr(name.replace("__", "/"), data)
        return buffer.read_bytes()

    real = archive(**{"manifest.json": '{"format": "custodywatch/footage-export/v1", "segments": []}'})
    cases = {
        "not a zip": (b"PK\x03\x04 not really a zip", "packageNotZip"),
        "truncated": (real[: len(real) // 2], "packageNotZip"),
        "no manifest": (archive(**{"README.txt": "hello"}), "packageNoManifest"),
        "manifest not JSON": (archive(**{"manifest.json": "{"}), "packageNoManifest"),
        "another format": (archive(**{"manifest.json": '{"format": "other", "segments": []}'}), "packageFormat"),
        "no segments": (real, "packageEmpty"),
    }
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.goto(VERIFIER.as_uri() + "?lang=en")
        page.locator("body[data-ready=true]").wait_for()
        for name, (data, key) in cases.items():
            result = page.evaluate(
                "async (bytes) => { const r = await window.custodywatchVerifyPackage("
                "{ package: new Uint8Array(bytes), logKey: 'x' }); "
                "return [r.verdict, r.steps[0].step, r.steps[0].key]; }",
                list(data))
            assert result == ["not-proven", "package", key], name
    finally:
        context.close()
