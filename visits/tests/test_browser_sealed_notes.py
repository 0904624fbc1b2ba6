"""In a real chromium: interview notes typed offline are sealed before they reach IndexedDB, the server
stores the same sealed file, log-out clears the offline cache and the device's records, and another
user's page deletes records it did not type."""

from __future__ import annotations

import base64

import pyrage
import pytest
from django.urls import reverse
from django.utils import timezone

from facilities.factories import TEST_PASSWORD
from lib.testing.browser import log_in
from visits import services
from visits.models import Interview
from visits.tests.followup.world import catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTES = "Says he was beaten on arrival."
OUTBOX = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("custodywatch-visits", 1);
  open.onupgradeneeded = () => { const db = open.result;
    db.createObjectStore("outbox", {keyPath: "device_id"}); db.createObjectStore("drafts", {keyPath: "key"});
    db.createObjectStore("files", {keyPath: "device_id"}); };
  open.onsuccess = () => { const db = open.result; const all = db.transaction("outbox").objectStore("outbox").getAll();
    all.onsuccess = () => { db.close(); resolve(all.result); }; all.onerror = () => reject(all.error); };
})"""
PUT = """(record) => new Promise((resolve) => {
  const open = indexedDB.open("custodywatch-visits", 1);
  open.onupgradeneeded = () => { const db = open.result;
    db.createObjectStore("outbox", {keyPath: "device_id"}); db.createObjectStore("drafts", {keyPath: "key"});
    db.createObjectStore("files", {keyPath: "device_id"}); };
  open.onsuccess = () => { const db = open.result; const tx = db.transaction("outbox", "readwrite");
    tx.objectStore("outbox").put(record); tx.oncomplete = () => { db.close(); resolve(true); }; };
})"""


def test_notes_are_sealed_on_the_device_and_log_out_leaves_nothing_behind(page, personas):
    catalogue()
    identity = pyrage.x25519.Identity.generate()
    services.register_sealing_key(organisation=personas.npm_monitor.organisation,
                                  recipient=str(identity.to_public()))
    visit = services.plan_visit(by=personas.npm_monitor, facility=personas.colony, planned_on=timezone.localdate())
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("visits:checklist", args=[visit.pk]))
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")

    page.context.set_offline(True)
    page.locator("#spot-label").fill("P-01")
    page.locator("#spot-notes").fill(NOTES)
    page.locator("#spot-keep-interview").click()
    page.locator("#spot-status", has_text="can no longer be read here").wait_for()
    [kept] = page.evaluate(OUTBOX)
    assert NOTES not in str(kept)
    assert "notes" not in kept
    sealed = base64.b64decode(kept["sealed_notes"])
    assert sealed.startswith(b"age-encryption.org/v1\n")
    assert page.locator("#spot-notes").input_value() == ""

    page.context.set_offline(False)
    page.get_by_role("button", name="Synchronise now").click()
    page.wait_for_function("() => document.querySelector('#sync-status').textContent.startsWith('Synchronised')")
    stored = Interview.objects.get()
    assert bytes(stored.sealed_notes) == sealed  # the server keeps what the device sealed
    assert pyrage.decrypt(bytes(stored.sealed_notes), [identity]).decode() == NOTES

    # Something still unsent at log-out, and the worker's cache full: log-out clears both.
    page.evaluate(PUT, {"device_id": "11111111-1111-4111-8111-111111111111", "visit": str(visit.pk),
                        "user": str(personas.npm_monitor.pk), "kind": "observation", "text": "Unsent"})
    assert page.evaluate("async () => (await caches.keys()).length") > 0
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    page.wait_for_function("async () => (await caches.keys()).length === 0")
    page.wait_for_function("async () => (await navigator.serviceWorker.getRegistrations()).length === 0")
    assert page.evaluate(OUTBOX) == []

    # Records the monitor left (say the session ran out without a log-out) are not for the next user.
    page.evaluate(PUT, {"device_id": "22222222-2222-4222-8222-222222222222", "visit": str(visit.pk),
                        "user": str(personas.npm_monitor.pk), "kind": "observation", "text": "Left behind"})
    log_in(page, "marat.analyst", TEST_PASSWORD)
    page.goto(reverse("visits:checklist", args=[visit.pk]))
    page.wait_for_load_state("networkidle")
    page.wait_for_function(OUTBOX.replace("resolve(all.result)", "resolve(all.result.length === 0)"))
    assert "Left behind" not in page.content()
