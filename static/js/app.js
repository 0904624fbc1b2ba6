// CustodyWatch's only script besides htmx: no inline handlers, so the Content-Security-Policy
// can forbid inline script. Elements opt in with data attributes.
(function () {
  "use strict";
  // <select data-submit-on-change>: submit its form when a choice is made (the language switch).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change") && target.form) {
      target.form.submit();
    }
  });
})();
