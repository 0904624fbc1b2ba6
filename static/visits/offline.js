// The checklist without a network: every answer is kept in IndexedDB (an outbox of edits, each with
// its own id, and the latest draft per question), photos too, and sent to /api/v1/visits/<id>/sync
// when there is a network. The server ignores an edit it has seen (same id), and keeps an edit made
// from an older version beside the saved answer instead of overwriting it.
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  if (!app) { return; }
  var form = document.getElementById("checklist-form");
  var status = document.getElementById("sync-status");
  var visit = app.dataset.visit;
  var recordable = app.dataset.recordable === "1";
  var DB = "custodywatch-visits";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(app.dataset.worker, { scope: "/visits/" }).catch(function () {});
  }
  // Keep this page and its files for a reload without a network (the worker serves them then).
  if (window.caches && navigator.onLine) {
    var urls = [location.pathname];
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
        s.put(Object.assign({ key: key, visit: visit }, edit));
      };
    }).then(function () {
      return store("drafts", "readwrite", function (s) { s.put(Object.assign({ key: key, visit: visit }, edit)); });
    }).then(function () {
      mark(code, app.dataset.tDevice, "pending");
      return pending();
    }).then(function () { if (navigator.onLine) { return sync(); } say(app.dataset.tOffline); });
  }

  function pending() {
    return Promise.all([all("outbox"), all("files")]).then(function (lists) {
      var n = lists[0].filter(function (e) { return e.visit === visit; }).length +
              lists[1].filter(function (e) { return e.visit === visit; }).length;
      if (n) { say(app.dataset.tPending + " " + n); }
      return n;
    });
  }

  function csrf() {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  var syncing = null;
  function sync() {
    if (syncing) { return syncing; }
    syncing = all("outbox").then(function (items) {
      items = items.filter(function (e) { return e.visit === visit; });
      if (!items.length) { return; }
      var body = { answers: items.map(function (e) {
        return { device_id: e.device_id, indicator: e.indicator, value: e.value, not_applicable: e.not_applicable,
                 note: e.note, base_version: e.base_version };
      }) };
      return fetch(app.dataset.syncUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(body)
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (answer) {
        return store("outbox", "readwrite", function (s) {
          answer.results.forEach(function (result) { s.delete(result.device_id); });
        }).then(function () {
          return store("drafts", "readwrite", function (s) {
            answer.results.forEach(function (result) { s.delete(visit + ":" + result.indicator); });
          });
        }).then(function () {
          answer.results.forEach(function (result) {
            var code = result.indicator;
            if (result.outcome === "refused") {
              mark(code, app.dataset.tRefused + " " + result.errors.map(function (e) { return e.error; }).join(" "), "refused");
              return;
            }
            if (result.outcome === "conflict") { mark(code, app.dataset.tConflict, "conflict"); return; }
            if (result.version) { field("version-" + code).value = String(result.version); }
            mark(code, app.dataset.tSynced, "synced");
          });
        });
      });
    }).then(sendFiles).then(function () {
      return pending().then(function (n) { if (!n) { say(app.dataset.tSynced); } });
    }).catch(function () {
      say(app.dataset.tOffline);
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

  function restore() {
    return all("drafts").then(function (drafts) {
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

  if (!recordable || !form) { return; }
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
          s.put({ device_id: newId(), visit: visit, name: file.name, blob: file });
        });
      }).then(function () {
        photo.value = "";
        say(app.dataset.tPhoto);
        return pending();
      }).then(function () { if (navigator.onLine) { return sync(); } });
    });
  }
  window.addEventListener("online", function () { sync(); });
  window.addEventListener("offline", function () { say(app.dataset.tOffline); });
  restore().then(function () { if (navigator.onLine) { sync(); } else { say(app.dataset.tOffline); } });
})();
