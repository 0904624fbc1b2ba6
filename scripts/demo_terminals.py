"""Two complaint terminals against the real server, end to end, on this machine.

    .venv/bin/python scripts/demo_terminals.py [--dir DIR] [--database-url URL] [--check] [--keep]

Starts the server as ``make run`` does (gunicorn with the production settings, DEBUG off, the
ledger's sequencer in the web workers) on a database of its own (SQLite in DIR unless
``--database-url``), with two demo facilities, an NPM whose key opens complaints, an officer of
that NPM and a signed routing list; then makes two terminals with the real agent
(``custodywatch-terminal init``, ``manage.py register_terminal``, ``configure``, ``run``), one
per facility, each serving its kiosk on a loopback port. With ``--check`` it files one complaint
on each kiosk, waits for each receipt page to show its ledger index (the agent shows it only
after the server's signed acknowledgement and its inclusion proof verified), checks that both
outboxes are empty, and has the officer open both complaints with the NPM's key, twice: once
through the permission-scoped selector, and once as a person does in the browser (log in, unlock
the key with its passphrase, open the inbox, open each complaint); it exits non-zero when
anything is missing. ``--keep`` leaves everything running (Ctrl-C stops it) so you
can use the kiosks in a browser.
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FACILITIES = ("DEMO-T/1", "DEMO-T/2")
PASSPHRASE = "two-terminals-demo-passphrase"  # noqa: S105 (a demo database only)
OFFICER = "demo.npm.officer"
OFFICER_PASSWORD = "two-terminals-demo-officer"  # noqa: S105 (a demo database only)
TEXTS = ("Terminal one: no hot water in block 3 for two weeks.",
         "Terminal two: my medicine was taken away at the search.")


# -- inside Django (run as subprocesses with the server's environment) ---------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def setup_server(directory: Path) -> None:
    """Migrate, then the demo bodies, facilities, officer and routing list (once)."""
    _django()
    import pyrage
    from django.core.management import call_command

    from accounts.models import OrganisationKind, Role
    from complaints import keys
    from complaints.ingest import routing
    from custodywatch_protocol.terminal import Recipient
    from facilities.factories import FacilityFactory, OrganisationFactory, UserFactory

    call_command("migrate", verbosity=0)
    npm = OrganisationFactory(code="npm", kind=OrganisationKind.NPM)
    key = keys.create_organisation_key(organisation=npm, passphrase=PASSPHRASE, by=None)
    for code in FACILITIES:
        FacilityFactory(code=code)
    UserFactory(username=OFFICER, organisation=npm, role=Role.MONITOR, password=OFFICER_PASSWORD)
    recovery = pyrage.x25519.Identity.generate()
    (directory / "recovery.key").write_text(str(recovery) + "\n")
    (directory / "recovery.key").chmod(0o600)
    issued = routing.issue_routing_list(by=None, recipients=[Recipient("npm", "npm", key.public_key)],
                                        recovery=str(recovery.to_public()))
    import base64

    (directory / "routing.json").write_text(json.dumps({"body": base64.b64encode(bytes(issued.body)).decode(),
                                                        "sig": base64.b64encode(bytes(issued.signature)).decode()}))


def officer_reads(directory: Path) -> None:
    """Print, as JSON, the terminal complaints the officer may see, opened with the NPM's key."""
    _django()
    import pyrage

    from accounts.models import User
    from complaints.models import Channel, OrganisationKey
    from complaints.selectors import complaints_for
    from custodywatch_protocol import terminal as protocol
    from custodywatch_terminal.sealing import Complaint, open_sealed
    from ledger import interface as ledger

    officer = User.objects.get(username=OFFICER)
    key = OrganisationKey.objects.get(organisation=officer.organisation, retired_at__isnull=True)
    identity = pyrage.x25519.Identity.from_str(
        pyrage.passphrase.decrypt(bytes(key.encrypted_identity), PASSPHRASE).decode("ascii"))
    seen = []
    for complaint in complaints_for(officer).filter(channel=Channel.TERMINAL).select_related("facility", "terminal"):
        document = open_sealed(bytes(complaint.sealed), [identity])
        assert isinstance(document, Complaint)
        seen.append({"facility": complaint.facility.code, "terminal": complaint.terminal.label,
                     "locator": complaint.locator, "text": document.text,
                     "ledger_index": ledger.index_of(kind=protocol.RECEIPT_KIND,
                                                     subject=f"complaints.complaint:{complaint.pk}")})
    print(json.dumps(seen, ensure_ascii=False))


# -- the orchestration ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Demo:
    def __init__(self, directory: Path, database_url: str | None) -> None:
        self.dir = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url or f"sqlite:///{directory / 'db' / 'demo.sqlite3'}"
        self.processes: list[subprocess.Popen] = []
        self.kiosks: list[str] = []

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "PYTEST_XDIST_WORKER")}
        env.update(DATABASE_URL=self.database_url, LEDGER_KEY_DIR=str(self.dir / "keys"), PYTHONPATH=str(ROOT),
                   DJANGO_SETTINGS_MODULE="custodywatch.settings", SECRET_KEY="two-terminals-demo-only",  # noqa: S106
                   DATA_DIR=str(self.dir), ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_SSL_REDIRECT="0",
                   SECURE_COOKIES="0", SECURE_HSTS_SECONDS="0", LEDGER_SEQUENCER="thread", WEB_CONCURRENCY="2",
                   GUNICORN_BIND=f"127.0.0.1:{self.port}", GUNICORN_ACCESS_LOG=os.devnull, LOG_LEVEL="WARNING")
        return env

    def _run(self, args: list[str], **kwargs) -> str:
        out = subprocess.run(args, cwd=ROOT, env=kwargs.pop("env", self.env()), capture_output=True, text=True,  # noqa: S603
                             timeout=180, check=False, **kwargs)
        if out.returncode != 0:
            raise SystemExit(f"{' '.join(args[:3])} failed:\n{out.stderr[-3000:]}")
        return out.stdout

    def _spawn(self, args: list[str], log: str, env: dict[str, str]) -> subprocess.Popen:
        with (self.dir / log).open("a") as out:
            process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                       start_new_session=True)
        self.processes.append(process)
        return process

    def start(self) -> None:
        (self.dir / "db").mkdir(parents=True, exist_ok=True)
        self._run([sys.executable, __file__, "setup-server", str(self.dir)])
        # The officers' pages need the static files, as under `make run` (DEBUG off serves them
        # from the collected, hashed copies).
        self._run([sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"])
        server = self._spawn([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py"], "server.log", self.env())
        _wait(lambda: _status(self.url + "/api/v1/complaints/terminal/packet", post=b"") == 400, server,
              self.dir / "server.log")
        for i, facility in enumerate(FACILITIES, start=1):
            self.kiosks.append(self._terminal(i, facility))

    def _terminal(self, i: int, facility: str) -> str:
        state = self.dir / f"terminal-{i}"
        env = {**self.env(), "CUSTODYWATCH_TERMINAL_STATE": str(state)}
        cli = str(BIN / "custodywatch-terminal")
        printed = self._run([cli, "init", "--server", self.url, "--facility", facility], env=env)
        device = re.search(r"device key \(Ed25519\):\s+([0-9a-f]{64})", printed).group(1)
        transport = re.search(r"transport key \(X25519\):\s+([0-9a-f]{64})", printed).group(1)
        setup = self._run([sys.executable, "manage.py", "register_terminal", "--facility", facility, "--label",
                           f"Demo terminal {i}", "--device-key", device, "--transport-key", transport,
                           "--schedule", "1"])
        (self.dir / f"setup-{i}.json").write_text(setup)
        self._run([cli, "configure", "--setup", str(self.dir / f"setup-{i}.json"),
                   "--routing-list", str(self.dir / "routing.json")], env=env)
        port = free_port()
        agent = self._spawn([cli, "run", "--kiosk-port", str(port)], f"terminal-{i}.log", env)
        kiosk = f"http://127.0.0.1:{port}"
        _wait(lambda: _status(kiosk + "/") == 200, agent, self.dir / f"terminal-{i}.log")
        return kiosk

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    # -- the check ------------------------------------------------------------------------------

    def check(self) -> list[str]:
        """File a complaint on each kiosk and follow it to the officer; the problems found."""
        problems: list[str] = []
        filed = [(kiosk, _file(kiosk, text)) for kiosk, text in zip(self.kiosks, TEXTS, strict=True)]
        indices = {}
        for kiosk, locator in filed:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                answer = json.loads(_get(f"{kiosk}/delivery/{locator}?lang=en"))
                if answer["delivered"]:
                    indices[locator] = int(re.search(r"\d+", answer["text"]).group())
                    break
                time.sleep(0.2)
            else:
                problems.append(f"{kiosk}: complaint {locator} was not acknowledged within 60 s")
        for i in (1, 2):
            status = self._run([str(BIN / "custodywatch-terminal"), "status"],
                               env={**self.env(), "CUSTODYWATCH_TERMINAL_STATE": str(self.dir / f"terminal-{i}")})
            if not re.search(r"waiting:\s+0\b", status):
                problems.append(f"terminal {i} still has records waiting:\n{status}")
        seen = json.loads(self._run([sys.executable, __file__, "officer-reads", str(self.dir)]).splitlines()[-1])
        by_locator = {row["locator"]: row for row in seen}
        for (_kiosk, locator), text, facility in zip(filed, TEXTS, FACILITIES, strict=True):
            row = by_locator.get(locator)
            if row is None:
                problems.append(f"the officer does not see complaint {locator}")
                continue
            if (row["text"], row["facility"]) != (text, facility):
                problems.append(f"complaint {locator} reads {row['text']!r} at {row['facility']}")
            if locator in indices and row["ledger_index"] != indices[locator]:
                problems.append(f"complaint {locator}: the kiosk shows ledger entry {indices[locator]}, "
                                f"the ledger holds {row['ledger_index']}")
        if len(seen) != len(filed):
            problems.append(f"the officer sees {len(seen)} terminal complaints, {len(filed)} were filed")
        in_browser = OfficerSession(self.url).read_inbox()
        if sorted(in_browser) != sorted(TEXTS):
            problems.append(f"logged in on the web, the officer reads {in_browser!r}, filed were {list(TEXTS)!r}")
        self.report = {"filed": filed, "ledger": indices, "officer": seen, "officer_on_the_web": in_browser}
        return problems


class OfficerSession:
    """The officer on the server's own pages, over HTTP, as the browser does it: a session cookie,
    the CSRF token from the form, the log-in, the key's unlock, the inbox and each complaint."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def _open(self, path: str, form: dict[str, str] | None = None) -> str:
        data = None
        headers = {"Accept-Language": "en"}
        if form is not None:
            token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
            data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token}).encode()
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Referer": self.url + path,
                            "Origin": self.url})
        request = urllib.request.Request(self.url + path, data=data, headers=headers)  # noqa: S310 (loopback)
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode("utf-8")

    def _post_form(self, path: str, fields: dict[str, str]) -> str:
        self._open(path)  # the form page sets the CSRF cookie
        return self._open(path, fields)

    def read_inbox(self) -> list[str]:
        """Log in, unlock, and return the text of every terminal complaint in the inbox."""
        page = self._post_form("/login/", {"username": OFFICER, "password": OFFICER_PASSWORD})
        if 'name="password"' in page:
            raise SystemExit("the officer's log-in on the web was refused")
        page = self._post_form("/complaints/unlock/", {"passphrase": PASSPHRASE})
        if "data-key-state=\"locked\"" in page:
            raise SystemExit("the NPM's key did not unlock on the web")
        inbox = self._open("/complaints/")
        texts = []
        for pk in re.findall(r'data-complaint="([0-9a-f-]{36})"', inbox):
            detail = self._open(f"/complaints/{pk}/")
            found = re.search(r"<div class=\"complaint-text\" data-complaint-text[^>]*>(.*?)</div>", detail, re.S)
            if found:
                texts.append(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip())
        return texts


def _status(url: str, post: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=post, method="POST" if post is not None else "GET")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        return response.read().decode("utf-8")


def _file(kiosk: str, text: str) -> str:
    """File a complaint through the kiosk's form, as the touch screen does; its locator."""
    form = urllib.parse.urlencode({"category": "conditions", "text": text, "anonymous": "1",
                                   "reprisal_risk": "none"}).encode()
    request = urllib.request.Request(f"{kiosk}/en/complaint", data=form, method="POST", headers={  # noqa: S310
        "Content-Type": "application/x-www-form-urlencoded", "Origin": kiosk})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
        page = response.read().decode("utf-8")
    code = re.search(r"\b(\d{4}) (\d{4}) \d{4} \d{4} \d{4} \d\b", page)
    if code is None:
        raise SystemExit(f"{kiosk}: no receipt code on the page after filing")
    return code.group(1) + code.group(2)


def _wait(ready, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{process.args[0]} did not come up:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in ("setup-server", "officer-reads"):
        (setup_server if sys.argv[1] == "setup-server" else officer_reads)(Path(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help="where the database, keys, terminals and logs go (default: a new temporary one)")
    parser.add_argument("--database-url", help="an empty database for the server (default: SQLite in --dir)")
    parser.add_argument("--check", action="store_true", help="file a complaint on each terminal and follow it")
    parser.add_argument("--keep", action="store_true", help="keep the server and terminals running")
    args = parser.parse_args()
    directory = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="custodywatch-terminals-"))
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    demo = Demo(directory.resolve(), args.database_url)
    try:
        demo.start()
        print(f"server: {demo.url}  (officer {OFFICER} / {OFFICER_PASSWORD}, NPM key passphrase {PASSPHRASE!r})")
        for i, kiosk in enumerate(demo.kiosks, start=1):
            print(f"terminal {i} ({FACILITIES[i - 1]}): kiosk {kiosk}/")
        print(f"logs and state: {directory}")
        if args.check:
            problems = demo.check()
            print(json.dumps(demo.report, ensure_ascii=False, indent=1))
            for problem in problems:
                print("PROBLEM:", problem)
            if problems:
                return 1
            print("both terminals: filed, acknowledged with a verified ledger proof, read by the officer "
                  "(through the selector and logged in on the web)")
        if args.keep:
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    finally:
        demo.stop()
        if not args.dir and not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
