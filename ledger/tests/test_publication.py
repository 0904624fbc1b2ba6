"""Publication: tiles and the checkpoint served from the database, export, and offline verification."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.services import issue_api_token
from custodywatch_log import merkle
from custodywatch_log.note import CosignatureSigner
from custodywatch_log.proof import verify_proof_bundle
from custodywatch_log.tiles import write_tiles
from ledger.models import Checkpoint, SigningKey
from ledger.services import append_entries, sign_checkpoint
from ledger.tests.conftest import segment, segments

pytestmark = [pytest.mark.usefixtures("ledger_settings"), pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
SIZE = 600  # two full level-0 tiles, a partial one of 88, and a partial level-1 tile of 2


@pytest.fixture
def published() -> Checkpoint:
    """A log of SIZE entries with a signed checkpoint; with no witnesses configured it is published."""
    for start in range(0, SIZE, 250):
        append_entries(entries=segments(start, min(250, SIZE - start)))
    return sign_checkpoint()


@pytest.fixture
def monitor_client(client, personas):
    client.force_login(personas.npm_monitor)
    return client


def _reference_tiles(tmp_path: Path, checkpoint: Checkpoint) -> Path:
    """The same log written by the core's write_tiles from the entries alone."""
    directory = tmp_path / "reference"
    write_tiles(directory, [segment(i).data for i in range(checkpoint.size)], checkpoint.note)
    return directory


def _verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "custodywatch_log.verify", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_served_tiles_are_byte_for_byte_the_tiles_of_the_log(monitor_client, published, tmp_path):
    reference = _reference_tiles(tmp_path, published)
    paths = sorted(p.relative_to(reference).as_posix() for p in reference.rglob("*") if p.is_file())
    assert {"tile/0/000", "tile/0/001", "tile/0/002.p/88", "tile/1/000.p/2", "tile/entries/002.p/88"} <= set(paths)
    for path in paths:
        if path == "checkpoint":
            continue
        response = monitor_client.get(f"/ledger/tiles/{path}")
        assert response.status_code == 200, path
        assert response.content == (reference / path).read_bytes(), path
        assert response["Content-Type"] == "application/octet-stream"
        assert "immutable" in response["Cache-Control"]


def test_the_served_checkpoint_is_the_published_one_and_not_cached_long(monitor_client, published):
    response = monitor_client.get(reverse("ledger:tiles-checkpoint"))
    assert response.status_code == 200
    assert response.content.decode() == published.note
    assert response["Cache-Control"] == "private, max-age=5"


@pytest.mark.parametrize(
    "path",
    ["tile/0/003", "tile/0/002.p/89", "tile/1/000", "tile/entries/002", "tile/0/2", "tile/x/000", "tile/0/000.p/0"],
)
def test_tiles_beyond_the_published_checkpoint_or_malformed_are_not_found(monitor_client, published, path):
    assert monitor_client.get(f"/ledger/tiles/{path}").status_code == 404


def test_entries_appended_after_the_published_checkpoint_are_not_served(monitor_client, published):
    append_entries(entries=segments(SIZE, 200))
    assert monitor_client.get("/ledger/tiles/tile/0/002").status_code == 404
    sign_checkpoint()
    assert monitor_client.get("/ledger/tiles/tile/0/002").status_code == 200


def test_tiles_need_a_logged_in_user_allowed_to_view_the_ledger(client, personas, published):
    response = client.get("/ledger/tiles/tile/0/000")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    client.force_login(personas.outsider)
    assert client.get("/ledger/tiles/tile/0/000").status_code == 403
    assert client.get(reverse("ledger:tiles-checkpoint")).status_code == 403


def test_machine_clients_read_tiles_with_an_api_token(client, personas, published):
    _, token = issue_api_token(user=personas.prosecutor, label="verifier", by=personas.prosecutor)
    bad = client.get("/ledger/tiles/tile/0/000", HTTP_AUTHORIZATION="Bearer cw_not-a-token")
    good = client.get("/ledger/tiles/tile/0/000", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert bad.status_code == 401
    assert good.status_code == 200
    assert len(good.content) == 256 * 32


@pytest.mark.django_db(transaction=True)
def test_the_verifier_audits_the_live_server_over_http_with_a_token(live_server, personas, published, monkeypatch):
    _, token = issue_api_token(user=personas.prosecutor, label="verifier", by=personas.prosecutor)
    vkey = SigningKey.objects.get().vkey
    url = f"{live_server.url}/ledger/tiles/"

    monkeypatch.delenv("CUSTODYWATCH_TOKEN", raising=False)
    refused = _verify("audit", "--log", url, "--log-key", vkey)
    monkeypatch.setenv("CUSTODYWATCH_TOKEN", token)
    audit = _verify("audit", "--log", url, "--log-key", vkey)

    assert refused.returncode != 0
    assert "401" in refused.stdout + refused.stderr
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "VERIFIED" in audit.stdout


def test_export_writes_the_same_files_and_the_independent_verifier_audits_them(published, tmp_path):
    out = tmp_path / "export"
    call_command("export_tiles", str(out), stdout=StringIO())
    reference = _reference_tiles(tmp_path, published)
    exported = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    expected = {p.relative_to(reference).as_posix(): p.read_bytes() for p in reference.rglob("*") if p.is_file()}
    assert exported == expected
    vkey = SigningKey.objects.get().vkey
    audit = _verify("audit", "--log", str(out), "--log-key", vkey)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "VERIFIED" in audit.stdout


def test_the_verifier_finds_an_entry_changed_after_export(published, tmp_path):
    out = tmp_path / "export"
    call_command("export_tiles", str(out), stdout=StringIO())
    bundle = out / "tile/entries/001"
    data = bytearray(bundle.read_bytes())
    data[40] ^= 1
    bundle.write_bytes(bytes(data))
    audit = _verify("audit", "--log", str(out), "--log-key", SigningKey.objects.get().vkey)
    assert audit.returncode == 1, audit.stdout + audit.stderr
    assert "FAILED" in audit.stdout


def test_export_is_incremental(published, tmp_path):
    out = tmp_path / "export"
    call_command("export_tiles", str(out), stdout=StringIO())
    append_entries(entries=segments(SIZE, 300))
    sign_checkpoint()
    result = StringIO()
    call_command("export_tiles", str(out), stdout=result)
    # tile/0/000 and 001 (and their bundles) were already there; everything else is new.
    assert "2 already there" in result.getvalue()
    audit = _verify("audit", "--log", str(out), "--log-key", SigningKey.objects.get().vkey)
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_nothing_is_exported_before_a_checkpoint_is_published(settings, tmp_path):
    append_entries(entries=segments(0, 3))
    with pytest.raises(CommandError, match="no published checkpoint"):
        call_command("export_tiles", str(tmp_path / "export"), stdout=StringIO())
    sign_checkpoint()
    witness = CosignatureSigner.generate("witness.test/w1")
    settings.LEDGER_WITNESSES = [{"name": "w1", "url": "http://127.0.0.1:9", "vkey": witness.vkey}]
    with pytest.raises(CommandError, match="no published checkpoint"):
        call_command("export_tiles", str(tmp_path / "export"), stdout=StringIO())


def test_the_proof_download_verifies_offline(monitor_client, published, tmp_path):
    index = 437
    response = monitor_client.get(reverse("ledger:proof", args=[index]))
    assert response.status_code == 200
    assert f'filename="custodywatch-entry-{index}.tlog-proof"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra ")
    vkey = SigningKey.objects.get().vkey
    verified = verify_proof_bundle(text, [vkey], entry=segment(index).data)
    assert verified.bundle.index == index
    assert verified.leaf_hash == merkle.leaf_hash(segment(index).data)
    bundle = tmp_path / "entry.tlog-proof"
    bundle.write_text(text)
    cli = _verify("proof", str(bundle), "--log-key", vkey)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert monitor_client.get(reverse("ledger:proof", args=[SIZE])).status_code == 404
