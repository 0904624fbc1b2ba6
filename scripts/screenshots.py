"""Take the README's walkthrough screenshots: a monitoring visit from plan to PDF and follow-up.

    .venv/bin/python scripts/screenshots.py                 # writes docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py --keep          # keeps the temporary database and logs

It starts the product as `make run` does, on a temporary data directory: migrate,
load_demo_country, load_standards, a sealing key for the NPM's interview notes, collectstatic,
then gunicorn on a free port. Debian's chromium (CHROMIUM_PATH, default /usr/bin/chromium),
driven by Playwright, walks the monitor's path: suggestions, plan, the checklist with the network
cut and the page reloaded offline, synchronisation, findings, a recommendation, the facility
officer's answer, the prosecutor's notice (the job worker runs the queued jobs once), the report
and its PDF in the three languages, the national view; a few pages at phone width and in Kazakh.
Every step checks what the page says, so a broken page stops the run instead of being
photographed. Nothing here is a test: pytest collects only test_*.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
CHROMIUM_ARGS = [  # as lib/testing/browser.py launches it for the browser tests
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
MAX_BYTES = 200_000
OFFICER_FACILITY = "AK-159/12"  # the demo facility officer's colony (facilities/demo/personas.py)
MONITOR = ("npm.monitor", "demo-npm-visit-2026!")
OFFICER = ("officer.ak-159-12", "demo-officer-2026!")
PROSECUTOR = ("prosecutor.monitor", "demo-oversight-2026!")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Product:
    """The product on a temporary data directory, served by gunicorn."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (workdir / "data").mkdir(parents=True, exist_ok=True)
        self.log = (workdir / "product.log").open("a")
        self.env = {
            **os.environ,
            "DATA_DIR": str(workdir / "data"),
            # Beside the data directory, never inside it (the ledger refuses that).
            "LEDGER_KEY_DIR": str(workdir / "ledger-keys"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0", "SECURE_HSTS_SECONDS": "0",
            "SITE_URL": self.url,
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
            "DEBUG": "0",
        }
        self.server: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [str(PYTHON), "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            check=False,
        )
        self.log.write(result.stdout + result.stderr)
        self.log.flush()
        if result.returncode:
            sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def prepare(self) -> None:
        print("Loading the demo country and the standards (about a minute)...", flush=True)
        self.manage("migrate", "--no-input", "--verbosity", "0")
        self.manage("load_demo_country")  # the same commands as `make demo`
        self.manage("load_standards")
        self.manage("register_sealing_key", "npm", "--generate")  # interview notes are sealed to it
        self.manage("collectstatic", "--no-input", "--verbosity", "0")

    @contextmanager
    def serving(self):
        gunicorn = PYTHON.parent / "gunicorn"
        self.server = subprocess.Popen(  # noqa: S603 - the project's own gunicorn
            [str(gunicorn), "-c", "deploy/gunicorn.conf.py"], cwd=ROOT, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(self.url + "/login/", timeout=2)  # noqa: S310 (our own server)
                    break
                except OSError:
                    if self.server.poll() is not None or time.monotonic() > deadline:
                        sys.exit(f"gunicorn did not start; see {self.workdir / 'product.log'}")
                    time.sleep(0.3)
            yield self
        finally:
            self.server.terminate()
            self.server.wait(timeout=30)

    def run_jobs(self) -> None:
        """What the job worker does within the minute: run the queued jobs (the notices)."""
        self.manage("run_worker", "--batch", "--worker-id", "screenshots")


class Camera:
    """Saves screenshots as small PNGs."""

    def __init__(self, out: Path) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)

    def shot(self, page, name: str, *, focus: str | None = None, full: bool = False, max_height: int = 1400) -> None:
        """The viewport (or the page down to max_height), scrolled so `focus` is at the top."""
        if focus is not None:
            page.locator(focus).first.evaluate("el => el.scrollIntoView({block: 'start'})")
            page.evaluate("window.scrollBy(0, -12)")
        page.wait_for_timeout(150)
        if full:
            width = page.viewport_size["width"]
            height = min(page.evaluate("document.documentElement.scrollHeight"), max_height)
            data = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
        else:
            data = page.screenshot()
        path = self.out / f"{name}.png"
        # Screen captures keep their look with a 256-colour palette, at a quarter of the size.
        image = Image.open(io.BytesIO(data)).convert("RGB")
        for colours in (256, 96):
            image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
            if path.stat().st_size <= MAX_BYTES:
                break
        print(f"  {path.name} ({path.stat().st_size // 1024} KB)", flush=True)


def log_in(page, user: tuple[str, str]) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(user[0])
    page.locator("#id_password").fill(user[1])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    if "/login/" in page.url:
        sys.exit(f"could not log in as {user[0]}")


def expect_text(page, selector: str, text: str) -> None:
    page.locator(selector, has_text=text).first.wait_for()


def ready_for_offline(page) -> None:
    """The service worker controls the page and has it in its cache (as the browser test waits)."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "async () => !!(await (await caches.open('custodywatch-visits-v1')).match(location.pathname))")


def choose_language(page, code: str) -> None:
    if page.locator("html").get_attribute("lang") == code:
        return
    with page.expect_navigation():
        page.locator("#language-select").select_option(value=code)
    page.wait_for_load_state("networkidle")


def plan_visit(page, day: dt.date, *, shot=None) -> int:
    """Plan an unannounced night visit to the officer's colony; the new visit's id."""
    page.goto("/visits/plan/")
    facility = page.get_by_label("Facility")
    facility.select_option(label=next(
        text for text in facility.locator("option").all_inner_texts() if text.startswith(OFFICER_FACILITY + " ")))
    page.get_by_label("Planned date").fill(day.isoformat())
    page.get_by_label("Announced or not").select_option("unannounced")
    page.get_by_label("Timing").select_option("night")
    if shot:
        shot()
    page.get_by_role("button", name="Plan the visit").click()
    page.wait_for_load_state("networkidle")
    expect_text(page, "h1", "Visit of")
    return int(page.url.split("?")[0].rstrip("/").rsplit("/", 1)[1])


def walk(browser, product: Product, camera: Camera) -> dict:
    today = dt.date.today()

    def new(viewport=DESKTOP, **options):
        context = browser.new_context(base_url=product.url, viewport=viewport, locale="en-GB", **options)
        context.set_default_timeout(15_000)
        return context

    monitor_context = new()
    page = monitor_context.new_page()

    print("The monitor plans the visit", flush=True)
    log_in(page, MONITOR)
    page.goto("/visits/suggestions/")
    expect_text(page, "h1", "Where to visit next")
    camera.shot(page, "01-suggestions")

    visit_id = plan_visit(page, today, shot=lambda: camera.shot(page, "02-plan"))
    camera.shot(page, "03-visit")

    print("At the facility, with the network cut", flush=True)
    page.get_by_role("link", name="Open the checklist").click()
    page.wait_for_load_state("networkidle")
    ready_for_offline(page)
    page.context.set_offline(True)
    page.locator("#spot-arrived").click()
    page.locator("#spot-access").select_option("delayed")
    page.locator("#spot-delay").fill("40")
    page.locator("#spot-details").fill("Kept at the gate for 40 minutes while the duty officer phoned the governor.")
    page.locator("#spot-keep-access").click()
    page.locator("#spot-label").fill("P-01")
    page.locator("#spot-notes").fill("Says he was beaten on arrival; bruises on both wrists.")
    page.locator("#spot-keep-interview").click()
    page.locator("#answer-SPACE-01").fill("3,2")
    page.locator("#answer-SPACE-01").blur()
    page.locator("#answer-SPACE-09").select_option("no")
    page.locator("#answer-SEP-01").fill("2")
    page.locator("#answer-SEP-01").blur()
    expect_text(page, "#sync-status", "No network")
    camera.shot(page, "04-checklist-offline", focus="#sync-status")
    camera.shot(page, "05-checklist-answers-offline", focus="#indicator-SPACE-01")

    reloaded = page.reload()
    page.wait_for_load_state()
    if not (reloaded and reloaded.from_service_worker):
        sys.exit("the checklist did not reload from the service worker while offline")
    page.locator("#state-SEP-01.pending").wait_for()
    if page.locator("#answer-SEP-01").input_value() != "2":
        sys.exit("the offline answer did not come back after the reload")
    camera.shot(page, "06-reloaded-offline", focus="#indicator-SEP-01")

    page.context.set_offline(False)
    page.get_by_role("button", name="Synchronise now").click()
    page.locator("#sync-status").filter(has_text="Synchronised with the server.").wait_for()
    page.locator("#state-SEP-01.synced").wait_for()
    camera.shot(page, "07-synchronised", focus="#sync-status")

    page.goto(f"/visits/{visit_id}/")
    expect_text(page, "body", "sealed notes (age file)")  # P-01's notes, sealed to the NPM's key
    camera.shot(page, "08-visit-after-sync", full=True, max_height=1900)

    print("Findings and a recommendation", flush=True)
    page.goto(f"/visits/{visit_id}/findings/")
    page.get_by_role("button", name="Propose findings from the record").click()
    page.wait_for_load_state("networkidle")
    camera.shot(page, "09-findings-proposed", focus="#proposed-heading")
    for _ in range(page.locator("#proposed-heading ~ article").count()):
        page.locator("#proposed-heading ~ article").first.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state("networkidle")
    space = page.locator("#confirmed-heading ~ article", has_text="SPACE-01").first
    if space.count() == 0:
        space = page.locator("#confirmed-heading ~ article", has_text="living space").first
    space.locator("summary", has_text="Issue a recommendation").click()
    space.get_by_label("Addressed to").select_option("facility")
    space.get_by_label("Recommendation", exact=True).fill(
        "Give every person at least 4 m² of living space: move people out of the overcrowded blocks 2 and 4.")
    space.get_by_label("Response due by").fill((today + dt.timedelta(days=30)).isoformat())
    space.get_by_role("button", name="Issue the recommendation").click()
    page.wait_for_load_state("networkidle")
    camera.shot(page, "10-findings-confirmed", focus="#confirmed-heading")
    product.run_jobs()  # the worker sends the critical findings' notices

    print("The prosecutor's notice", flush=True)
    prosecutor_context = new()
    prosecutor = prosecutor_context.new_page()
    log_in(prosecutor, PROSECUTOR)
    prosecutor.goto("/visits/notices/")
    expect_text(prosecutor, "main", "critical")
    camera.shot(prosecutor, "11-prosecutor-notice")
    prosecutor_context.close()

    print("The facility officer answers", flush=True)
    officer_context = new()
    officer = officer_context.new_page()
    log_in(officer, OFFICER)
    officer.get_by_role("navigation").get_by_role("link", name="Recommendations").click()
    officer.wait_for_load_state("networkidle")
    camera.shot(officer, "12-officer-list")
    officer.locator("tbody tr", has_text="Awaiting response").first.locator("a").click()
    officer.wait_for_load_state("networkidle")
    officer.get_by_label("Accepted", exact=True).check()
    officer.locator("#action_1").fill("Move 40 people to the repaired block 3")
    officer.locator("#due_1").fill((today + dt.timedelta(days=60)).isoformat())
    camera.shot(officer, "13-officer-answers", full=True, max_height=1300)
    officer.get_by_role("button", name="Send").click()
    officer.wait_for_load_state("networkidle")
    expect_text(officer, ".statements", "Move 40 people")
    officer_context.close()

    print("The next visit checks the recommendation and the people interviewed", flush=True)
    next_visit = plan_visit(page, today + dt.timedelta(days=1))
    page.goto(f"/visits/{next_visit}/follow-up/")
    item = page.locator("#open-heading ~ article", has_text="Give every person").first
    item.get_by_label("Partly implemented", exact=True).check()
    item.get_by_label("What the monitors saw").fill(
        "Block 3 repaired and in use; block 4 still holds 3.5 m² per person.")
    camera.shot(page, "14-next-visit-follow-up", full=True, max_height=1500)
    item.get_by_role("button", name="Record the check").click()
    page.wait_for_load_state("networkidle")

    print("The report, its PDF in three languages, the national view", flush=True)
    page.goto(f"/visits/{visit_id}/report/")
    camera.shot(page, "15-report", full=True, max_height=1500)
    pdfs = {}
    for code in ("en", "ru", "kk"):
        choose_language(page, code)
        with page.expect_download() as download:
            page.locator("a[href*='report.pdf']").first.click()
        pdf = Path(download.value.path()).read_bytes()
        if not pdf.startswith(b"%PDF"):
            sys.exit(f"the {code} report is not a PDF")
        pdfs[code] = (download.value.suggested_filename, len(pdf))
    camera.shot(page, "16-report-kk", focus="h1")
    choose_language(page, "en")
    page.goto("/visits/national/")
    expect_text(page, "h1", "national picture")
    camera.shot(page, "17-national")

    print("At phone width", flush=True)
    phone_context = new(PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    log_in(phone, MONITOR)
    choose_language(phone, "kk")
    phone.goto(f"/visits/{visit_id}/checklist/")
    phone.wait_for_load_state("networkidle")
    camera.shot(phone, "18-phone-checklist-kk", focus="h1")
    phone.goto(f"/visits/{visit_id}/findings/")
    camera.shot(phone, "19-phone-findings-kk", focus="#confirmed-heading")
    choose_language(phone, "en")  # the language is the user's: leave it as it was
    phone_context.close()
    monitor_context.close()
    return pdfs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="a directory kept by an earlier --keep run: reuse its database (faster retakes)")
    args = parser.parse_args()
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(chromium).exists():
        sys.exit(f"no chromium at {chromium} (set CHROMIUM_PATH)")
    reuse = args.workdir is not None and (args.workdir / "prepared").exists()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="custodywatch-screenshots-"))
    try:
        product = Product(workdir)
        if not reuse:
            product.prepare()
            (workdir / "prepared").touch()
        from playwright.sync_api import sync_playwright

        with product.serving(), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                pdfs = walk(browser, product, Camera(args.out))
            finally:
                browser.close()
        for code, (name, size) in pdfs.items():
            print(f"PDF report ({code}): {name}, {size // 1024} KB")
    finally:
        if args.keep or args.workdir:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
