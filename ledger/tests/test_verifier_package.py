"""The verifier and witness ship as their own package: a wheel built from ``packages/custodywatch-log``
installs into an empty virtual environment (no Django, no database driver, only cryptography) and
verifies a log this application wrote, with a key rotation in it, over files and a proof bundle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from ledger import publication
from ledger.models import SigningKey
from ledger.services import append_entries, rotate_signing_key, sign_checkpoint
from ledger.tests.conftest import segments

pytestmark = [pytest.mark.usefixtures("ledger_settings")]

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "packages" / "custodywatch-log"


def _uv() -> str:
    uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    if not Path(uv).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("uv is needed to build the verifier wheel")
        pytest.skip("uv is not installed")
    return uv


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(  # noqa: S603 - our own tools and files
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel, built and installed into a fresh, empty virtual environment; returns its bin/."""
    uv = _uv()
    work = tmp_path_factory.mktemp("wheel")
    built = _run(uv, "build", "--wheel", "--out-dir", work / "dist", PACKAGE, cwd=work)
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "dist").glob("custodywatch_log-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert all(n.startswith(("custodywatch_log/", "custodywatch_log-")) for n in names), names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "custodywatch-verify = custodywatch_log.verify:main" in entry_points
    assert "custodywatch-witness = custodywatch_log.witness:main" in entry_points
    venv = work / "empty"
    base = getattr(sys, "_base_executable", sys.executable)
    created = _run(base, "-m", "venv", "--without-pip", venv, cwd=work)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    # Only the wheel and what it declares (cryptography and its own dependencies) come in.
    install = _run(uv, "pip", "install", "--python", python, wheel, cwd=work)
    assert install.returncode == 0, install.stderr
    listed = _run(uv, "pip", "freeze", "--python", python, cwd=work)
    packages = {line.replace(" @ ", "==").split("==")[0].strip().lower() for line in listed.stdout.splitlines()}
    assert packages == {"custodywatch-log", "cryptography", "cffi", "pycparser"}, packages
    return venv / "bin"


@pytest.mark.django_db
def test_the_wheel_installs_alone_and_verifies_a_log_written_by_the_application(installed, tmp_path):
    for start in range(0, 600, 200):
        append_entries(entries=segments(start, 200))
    sign_checkpoint()
    rotate_signing_key()
    append_entries(entries=segments(600, 37))
    sign_checkpoint()
    export = tmp_path / "export"
    call_command("export_tiles", str(export), stdout=StringIO())
    bundle = tmp_path / "entry-437.tlog-proof"
    bundle.write_text(publication.entry_proof(index=437).bundle)
    vkey = SigningKey.objects.get(retired_at__isnull=True).vkey
    elsewhere = tmp_path / "cwd"  # run away from the source tree, so nothing is imported from it
    elsewhere.mkdir()

    where = _run(installed / "python", "-c", "import custodywatch_log; print(custodywatch_log.__file__)", cwd=elsewhere)
    assert str(installed.parent) in where.stdout, where.stdout + where.stderr
    no_django = _run(installed / "python", "-c", "import django", cwd=elsewhere)
    assert no_django.returncode != 0
    audit = _run(installed / "custodywatch-verify", "audit", "--log", export, "--log-key", vkey, cwd=elsewhere)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "audited 638 of 638 entries" in audit.stdout
    proof = _run(installed / "custodywatch-verify", "proof", bundle, "--log-key", vkey, cwd=elsewhere)
    assert proof.returncode == 0, proof.stdout + proof.stderr
    assert "entry 437" in proof.stdout
    assert "witness cosignatures were NOT checked" in proof.stdout
    # A changed entry in the export is found with the wheel too.
    entries = export / "tile" / "entries" / "001"
    data = bytearray(entries.read_bytes())
    data[-1] ^= 1
    entries.write_bytes(bytes(data))
    tampered = _run(installed / "custodywatch-verify", "audit", "--log", export, "--log-key", vkey, cwd=elsewhere)
    assert tampered.returncode == 1
    assert "tile/entries/001: entry 511 was altered" in tampered.stdout
    witness = _run(installed / "custodywatch-witness", "--help", cwd=elsewhere)
    assert witness.returncode == 0, witness.stderr
    assert "tlog-witness" in witness.stdout
