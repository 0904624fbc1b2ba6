"""The deployment files say what they do: every command the systemd units run exists and accepts
the unit's arguments, the gunicorn configuration loads the application, and the example
environment names only settings the code reads."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

ROOT = Path(settings.BASE_DIR)
UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/opt/custodywatch"  # where the guide installs the code


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"].replace("%H", "host"))


def test_there_are_units_for_the_web_server_worker_scheduler_and_witness():
    assert sorted(p.name for p in UNITS.glob("*.service")) == [
        "custodywatch-scheduler.service", "custodywatch-web.service", "custodywatch-witness.service",
        "custodywatch-worker.service"]
    for name in ("custodywatch-web.service", "custodywatch-worker.service", "custodywatch-scheduler.service"):
        service = unit(name)["Service"]
        assert service["WorkingDirectory"] == INSTALLED
        assert service["User"] == "custodywatch"
        assert service["EnvironmentFile"] == "/etc/custodywatch/custodywatch.env"
        assert unit(name)["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize("name", ["custodywatch-worker.service", "custodywatch-scheduler.service"])
def test_the_job_units_run_management_commands_that_exist_with_their_arguments(name):
    program, script, command, *args = exec_start(name)

    assert program == f"{INSTALLED}/.venv/bin/python"
    assert script == "manage.py"
    assert (ROOT / script).exists()
    assert command in get_commands()
    parser = load_command_class(get_commands()[command], command).create_parser("manage.py", command)
    parser.parse_args(args)  # exits (fails the test) on an unknown option


def test_the_web_unit_runs_gunicorn_with_a_configuration_that_loads_the_application():
    program, *args = exec_start("custodywatch-web.service")
    assert program == f"{INSTALLED}/.venv/bin/gunicorn"
    local = ROOT / program.removeprefix(f"{INSTALLED}/")
    assert local.exists()

    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(SECRET_KEY="deployment-test-" + "x" * 40, ALLOWED_HOSTS="custodywatch.example.kz")
    out = subprocess.run(  # noqa: S603 - our gunicorn with the unit's arguments
        [str(local), *args, "--check-config"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=180, check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]


def test_the_gunicorn_configuration_runs_several_workers_and_trusts_only_the_proxy(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config: dict = {}
    exec(compile((ROOT / "deploy/gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), config)  # noqa: S102

    assert config["workers"] >= 2
    assert config["wsgi_app"] == "custodywatch.wsgi:application"
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert config["bind"] == "127.0.0.1:8000"


def test_the_witness_unit_starts_a_witness(tmp_path):
    from custodywatch_log.note import Signer

    program, *args = exec_start("custodywatch-witness.service")
    assert program.endswith("/bin/python")
    assert args[:2] == ["-m", "custodywatch_log.witness"]
    key = tmp_path / "witness.key"
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "custodywatch_log.witness", "generate-key", "--name", "w.test/w1",
         "--out", str(key)], check=True, capture_output=True, timeout=60,
    )
    log_key = Signer.generate("custodywatch.test/ledger").vkey
    # The unit's own arguments, with this machine's paths, the log key its environment file gives
    # and a free port.
    local = {"/etc/custodywatch-witness/witness.key": str(key), "/var/lib/custodywatch-witness": str(tmp_path / "s"),
             "${LOG_VKEY}": log_key, "8080": "0"}
    argv = [local.get(a, a) for a in args]
    witness = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        assert re.match(r"witness w\.test/w1 .* listening on http://127\.0\.0\.1:\d+", witness.stdout.readline())
    finally:
        witness.terminate()
        witness.wait(timeout=10)
        witness.stdout.close()


def test_the_example_environment_names_only_settings_the_code_reads():
    example = (ROOT / "deploy/custodywatch.env.example").read_text()
    names = re.findall(r"^([A-Z_]+)=", example, re.M)
    code = "".join(p.read_text() for p in [ROOT / "custodywatch/settings.py", ROOT / "deploy/gunicorn.conf.py"])
    unread = [n for n in names if f'"{n.removesuffix("_FILE")}"' not in code]
    assert len(names) > 8
    assert unread == []


def test_the_guide_names_every_unit_and_file_it_relies_on():
    guide = (ROOT / "docs/deployment.md").read_text()
    for path in [*UNITS.glob("*.service"), ROOT / "deploy/nginx/custodywatch.conf", ROOT / "deploy/gunicorn.conf.py",
                 ROOT / "deploy/custodywatch.env.example"]:
        assert path.name in guide, path.name
    assert "X-Forwarded-Proto" in (ROOT / "deploy/nginx/custodywatch.conf").read_text()
