// The page's layout helpers (a static file, so a strict Content-Security-Policy allows it).
//
// The language switcher submits itself when a language is chosen (a button does it without JavaScript).
//
// Tables on narrow screens. A table wider than its box becomes stacked rows: each row a block,
// each cell labelled with its column's header (the labels are copied from the header once). A
// table that still does not fit scrolls inside its own box, with shadows at the edge that can be
// scrolled to. Without JavaScript every table scrolls in its box; nothing scrolls the page sideways.
(function () {
  "use strict";

  function label(table) {
    if (table.dataset.labelled) return;
    var heads = table.tHead ? table.tHead.rows[0] : null;
    if (!heads) return;
    var names = Array.prototype.map.call(heads.cells, function (cell) {
      return cell.textContent.replace(/\s+/g, " ").trim();
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0, primary = null;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (names[column] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[column]);
          if (!primary && getComputedStyle(cell).display !== "none") primary = cell;
          column += cell.colSpan || 1;
        });
        // The row's first visible cell (usually its name) heads the stacked row, without a label.
        if (primary) primary.setAttribute("data-primary", "");
      });
    });
    table.dataset.labelled = "true";
  }

  function fit(table) {
    var box = table.closest(".table-wrap") || table.parentElement;
    table.classList.remove("stacked");
    if (window.matchMedia("(max-width: 640px)").matches && table.scrollWidth > box.clientWidth + 1) {
      label(table);
      table.classList.add("stacked");
    }
    if (box.classList.contains("table-wrap")) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      box.toggleAttribute("data-scrolls", scrolls);
      // A box that scrolls must be reachable by keyboard to be scrolled.
      if (scrolls) box.setAttribute("tabindex", "0"); else box.removeAttribute("tabindex");
    }
  }

  function fitAll(root) {
    (root || document).querySelectorAll("main table").forEach(fit);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () { fitAll(); });
  });
  document.addEventListener("DOMContentLoaded", function () {
    fitAll();
    var language = document.getElementById("language-select");
    if (language) language.addEventListener("change", function () { language.form.submit(); });
  });
  // Tables opened later (a <details>) or swapped in by htmx.
  document.addEventListener("toggle", function (event) { fitAll(event.target); }, true);
  document.addEventListener("htmx:afterSettle", function (event) { fitAll(event.target); });
})();
