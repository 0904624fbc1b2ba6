// The body chart of the examination form: clicking a region on the front or back outline puts it
// in the region choice of the injury being entered (the first one without a region, or the one
// whose fieldset has focus). Without JavaScript the region is chosen from the list.
(function () {
  "use strict";
  var current = null;
  document.addEventListener("focusin", function (event) {
    var fieldset = event.target.closest && event.target.closest("fieldset.injury");
    if (fieldset) { current = fieldset; }
  });
  function choose(region) {
    var selects = Array.prototype.slice.call(document.querySelectorAll("fieldset.injury select[name$='-region']"));
    var target = current ? current.querySelector("select[name$='-region']") : null;
    if (!target || target.value) {
      target = selects.filter(function (s) { return !s.value; })[0] || selects[selects.length - 1];
    }
    if (!target) { return; }
    target.value = region.getAttribute("data-region");
    target.dispatchEvent(new Event("change", { bubbles: true }));
    document.querySelectorAll(".body-region[aria-pressed='true']").forEach(function (r) {
      r.setAttribute("aria-pressed", "false");
    });
    region.setAttribute("aria-pressed", "true");
    var status = document.getElementById("bodychart-chosen");
    if (status) { status.textContent = region.getAttribute("aria-label"); }
  }
  document.addEventListener("click", function (event) {
    var region = event.target.closest && event.target.closest(".body-region");
    if (region) { event.preventDefault(); choose(region); }
  });
  document.addEventListener("keydown", function (event) {
    var region = event.target.closest && event.target.closest(".body-region");
    if (region && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); choose(region); }
  });
})();
