// Copy buttons: <button data-copy="ID" data-copied="Copied" hidden> copies the text of #ID.
// The buttons stay hidden where this script does not run; the text can still be selected.
(function () {
  "use strict";
  function status(button, text) {
    var next = button.nextElementSibling;
    if (next && next.classList.contains("copy-status")) next.textContent = text;
  }
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    var done = function () { status(button, button.getAttribute("data-copied") || ""); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { if (fallback(text)) done(); });
    } else if (fallback(text)) {
      done();
    }
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
      if (button.dataset.copyReady) return;
      button.dataset.copyReady = "1";
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
