// The checklist without a network: every answer is kept in IndexedDB (an outbox of edits, each with
// its own id, and the latest draft per question), photos too, and sent to /api/v1/visits/<id>/sync
// when there is a network. The server ignores an edit it has seen (same id), and keeps an edit made
// from an older version beside the saved answer instead of overwriting it.
//
// Interview notes are sealed here, with age (the complaints follow-up form's module), to the
// visiting body's public key before they are kept: IndexedDB and the server only ever hold the
// sealed file, and nobody can read the notes on this device afterwards. Every record carries the
// id of the user who typed it; another user's page deletes them unread (docs/visits.md). Log-out
// clears this database and the worker's cache (the server answers it with Clear-Site-Data).
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  if (!app) { return; }
  var form = document.getElementById("checklist-form");
  var status = document.getElementById("sync-status");
  var visit = app.dataset.visit;
  var user = app.dataset.user;
  var sealTo = app.dataset.sealTo;
  var recordable = app.dataset.recordable === "1";
  var DB = "custodywatch-visits";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(app.dataset.worker, { scope: "/visits/" }).catch(function () {});
  }
  // Keep this page and its files for a reload without a network (the worker serves them then).
  if (window.caches && navigator.onLine) {
    var urls = [location.pathname, app.dataset.crypto];
    document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=manifest][href]").forEach(function (el) {
      urls.push(el.getAttribute("src") || el.getAttribute("href"));
    });
    caches.open("custodywatch-visits-v1").then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (response.ok) { return cache.put(url, response); }
        }).catch(function () {});
      }));
    }).catch(function () {});
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("outbox", { keyPath: "device_id" });
        db.createObjectStore("drafts", { keyPath: "key" });
        db.createObjectStore("files", { keyPath: "device_id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function store(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function all(name) {
    return store(name, "readonly", function (s) { return s.getAll(); });
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function field(name) { return form ? form.elements.namedItem(name) : null; }
  function say(text) { status.textContent = text; }
  function mark(code, text, kind) {
    var el = document.getElementById("state-" + code);
    if (el) { el.textContent = text; el.className = "device-state small " + (kind || ""); }
  }

  function editOf(code) {
    var na = field("na-" + code);
    var note = field("note-" + code);
    var value = field("answer-" + code).value;
    return {
      device_id: newId(), indicator: code, value: value === "" ? null : value,
      not_applicable: !!(na && na.checked), note: note ? note.value : "",
      base_version: parseInt(field("version-" + code).value || "0", 10)
    };
  }

  function keep(code) {
    var edit = editOf(code);
    var key = visit + ":" + code;
    return store("outbox", "readwrite", function (s) {
      // One pending edit per question: a newer one replaces the older (same base version).
      var all = s.getAll();
      all.onsuccess = function () {
        all.result.forEach(function (item) { if (item.key === key) { s.delete(item.device_id); } });
        s.put(Object.assign({ key: key, visit: visit, user: user }, edit));
      };
    }).then(function () {
      return store("drafts", "readwrite", function (s) { s.put(Object.assign({ key: key, visit: visit, user: user }, edit)); });
    }).then(function () {
      mark(code, app.dataset.tDevice, "pending");
      return pending();
    }).then(function () { if (navigator.onLine) { return sync(); } return offline(); });
  }

  function pending() {
    return Promise.all([all("outbox"), all("files")]).then(function (lists) {
      var n = lists[0].filter(function (e) { return e.visit === visit; }).length +
              lists[1].filter(function (e) { return e.visit === visit; }).length;
      if (n) { say(app.dataset.tPending + " " + n); }
      return n;
    });
  }

  // Without a network: say so, and how much is waiting on this device.
  function offline() {
    return pending().then(function (n) {
      say(app.dataset.tOffline + (n ? " " + app.dataset.tPending + " " + n : ""));
    });
  }

  function csrf() {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  var syncing = null;
  // The body of one upload: the pending answers, and what was kept on the spot (arrival, access,
  // observations, interviews), each with the id the device gave it.
  function batch(items) {
    var body = { answers: [], observations: [], interviews: [] };
    items.forEach(function (e) {
      if (e.kind === "arrival") { body.arrived_at = e.at; }
      else if (e.kind === "access") { body.access = { outcome: e.outcome, delay_minutes: e.delay_minutes, details: e.details }; }
      else if (e.kind === "observation") { body.observations.push({ device_id: e.device_id, text: e.text }); }
      else if (e.kind === "interview") {
        var interview = { device_id: e.device_id, label: e.label };
        if (e.sealed_notes) { interview.sealed_notes = e.sealed_notes; }
        body.interviews.push(interview);
      }
      else {
        body.answers.push({ device_id: e.device_id, indicator: e.indicator, value: e.value,
                            not_applicable: e.not_applicable, note: e.note, base_version: e.base_version });
      }
    });
    return body;
  }

  function sync() {
    if (syncing) { return syncing; }
    syncing = all("outbox").then(function (items) {
      items = items.filter(function (e) { return e.visit === visit; });
      if (!items.length) { return; }
      return fetch(app.dataset.syncUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(batch(items))
      }).then(function (response) {
        if (response.status >= 400 && response.status < 500) {
          // Refused as a whole (the form of the batch): kept on the device, and the reason shown.
          return response.json().then(function (body) {
            var why = (body.errors || []).map(function (e) { return (e.field ? e.field + ": " : "") + e.error; });
            var refused = new Error(app.dataset.tRefused + " " + why.join(" "));
            refused.refused = true;
            throw refused;
          });
        }
        if (!response.ok) { throw new Error(""); }
        return response.json();
      }).then(function (answer) {
        // Everything sent has an answer now: refused items say why and are not sent again.
        return store("outbox", "readwrite", function (s) {
          items.forEach(function (item) { s.delete(item.device_id); });
        }).then(function () {
          return store("drafts", "readwrite", function (s) {
            answer.results.forEach(function (result) { if (result.indicator) { s.delete(visit + ":" + result.indicator); } });
          });
        }).then(function () {
          var spot = [];
          answer.results.forEach(function (result) {
            var code = result.indicator;
            var why = result.errors.map(function (e) { return e.error; }).join(" ");
            if (result.kind !== "answer") {
              spot.push(result.outcome === "refused" ? app.dataset.tRefused + " " + why : app.dataset.tSynced);
              return;
            }
            if (result.outcome === "refused") { mark(code, app.dataset.tRefused + " " + why, "refused"); return; }
            if (result.outcome === "conflict") { mark(code, app.dataset.tConflict, "conflict"); return; }
            if (result.version) { field("version-" + code).value = String(result.version); }
            mark(code, app.dataset.tSynced, "synced");
          });
          var spotStatus = document.getElementById("spot-status");
          if (spotStatus && spot.length) { spotStatus.textContent = spot.join(" "); }
        });
      });
    }).then(sendFiles).then(function () {
      return pending().then(function (n) { if (!n) { say(app.dataset.tSynced); } });
    }).catch(function (error) {
      if (error && error.refused) { say(error.message); } else { return offline(); }
    }).then(function () { syncing = null; });
    return syncing;
  }

  function sendFiles() {
    return all("files").then(function (files) {
      files = files.filter(function (e) { return e.visit === visit; });
      return files.reduce(function (chain, item) {
        return chain.then(function () {
          var data = new FormData();
          data.append("file", item.blob, item.name || "evidence");
          data.append("device_id", item.device_id);
          return fetch(app.dataset.evidenceUrl, {
            method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }, body: data
          }).then(function (response) {
            // Refused files (wrong type, too large) are not kept for ever: the answer says why.
            if (response.ok || (response.status >= 400 && response.status < 500)) {
              if (!response.ok) {
                response.json().then(function (body) {
                  say(app.dataset.tRefused + " " + body.errors.map(function (e) { return e.error; }).join(" "));
                }).catch(function () {});
              }
              return store("files", "readwrite", function (s) { s.delete(item.device_id); });
            }
            throw new Error(String(response.status));
          });
        });
      }, Promise.resolve());
    });
  }

  // Records another user typed on this device (who never logged out) are deleted unread: they are
  // not shown to this user, and never sent in this user's name.
  function forget() {
    return Promise.all(["outbox", "drafts", "files"].map(function (name) {
      return store(name, "readwrite", function (s) {
        var every = s.getAll();
        every.onsuccess = function () {
          every.result.forEach(function (item) { if (item.user !== user) { s.delete(s.keyPath === "key" ? item.key : item.device_id); } });
        };
      });
    }));
  }

  function restore() {
    return forget().then(function () { return all("drafts"); }).then(function (drafts) {
      drafts.filter(function (d) { return d.visit === visit; }).forEach(function (draft) {
        var input = field("answer-" + draft.indicator);
        if (!input) { return; }
        input.value = draft.value === null ? "" : draft.value;
        var na = field("na-" + draft.indicator);
        if (na) { na.checked = draft.not_applicable; }
        var note = field("note-" + draft.indicator);
        if (note) { note.value = draft.note; }
        mark(draft.indicator, app.dataset.tDevice, "pending");
      });
    }).then(pending);
  }

  if (!recordable || !form) { forget(); return; }
  form.addEventListener("change", function (event) {
    var holder = event.target.closest(".indicator");
    if (holder) { keep(holder.dataset.code); }
  });
  form.addEventListener("submit", function (event) {
    // With this script the answers are already saved one by one; the button synchronises.
    if (event.submitter && event.submitter.getAttribute("formaction")) { return; }
    event.preventDefault();
    sync();
  });
  var button = document.getElementById("sync-now");
  if (button) { button.addEventListener("click", function () { sync(); }); }
  var photo = document.getElementById("offline-photo");
  if (photo) {
    photo.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(photo.files);
      store("files", "readwrite", function (s) {
        chosen.forEach(function (file) {
          s.put({ device_id: newId(), visit: visit, user: user, name: file.name, blob: file });
        });
      }).then(function () {
        photo.value = "";
        say(app.dataset.tPhoto);
        return pending();
      }).then(function () { if (navigator.onLine) { return sync(); } });
    });
  }
  function keepSpot(record) {
    record.device_id = newId();
    record.visit = visit;
    record.user = user;
    record.key = visit + ":" + record.kind + ":" + record.device_id;
    return store("outbox", "readwrite", function (s) { s.put(record); }).then(function () {
      document.getElementById("spot-status").textContent = app.dataset.tKept;
      return pending();
    }).then(function () { if (navigator.onLine) { return sync(); } return offline(); });
  }
  function value(id) { var el = document.getElementById(id); return el ? el.value : ""; }
  function clear(ids) { ids.forEach(function (id) { document.getElementById(id).value = ""; }); }
  function on(id, work) {
    var el = document.getElementById(id);
    if (el) { el.addEventListener("click", work); }
  }
  on("spot-arrived", function () { keepSpot({ kind: "arrival", at: new Date().toISOString() }); });
  on("spot-keep-access", function () {
    var delay = value("spot-delay");
    keepSpot({ kind: "access", outcome: value("spot-access"), delay_minutes: delay === "" ? null : parseInt(delay, 10),
               details: value("spot-details") });
  });
  on("spot-keep-observation", function () {
    if (!value("spot-observation").trim()) { return; }
    keepSpot({ kind: "observation", text: value("spot-observation") }).then(function () { clear(["spot-observation"]); });
  });
  // The notes as an age file (base64) to the body's key; without a key they are not kept at all,
  // as the server would not keep them either.
  function seal(notes) {
    if (!notes.trim() || !sealTo) { return Promise.resolve(null); }
    return import(app.dataset.crypto).then(function (crypto) {
      var encrypter = new crypto.Encrypter();
      encrypter.addRecipient(sealTo);
      return encrypter.encrypt(new TextEncoder().encode(notes));
    }).then(function (sealed) {
      var binary = "";
      for (var i = 0; i < sealed.length; i++) { binary += String.fromCharCode(sealed[i]); }
      return btoa(binary);
    });
  }
  on("spot-keep-interview", function () {
    var notes = value("spot-notes");
    seal(notes).then(function (sealed) {
      var record = { kind: "interview", label: value("spot-label") };
      if (sealed) { record.sealed_notes = sealed; }
      clear(["spot-notes"]);
      return keepSpot(record);
    }).then(function () {
      clear(["spot-label"]);
      if (notes.trim() && sealTo) { document.getElementById("spot-status").textContent = app.dataset.tSealed; }
    });
  });
  window.addEventListener("online", function () { sync(); });
  window.addEventListener("offline", offline);
  restore().then(function () { if (navigator.onLine) { sync(); } else { offline(); } });
})();
