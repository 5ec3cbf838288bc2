// Clause library pages: small enhancements; every page works without them.
(function () {
  "use strict";
  // "Tout cocher" on the upstream updates page: checks or unchecks every clause to pull.
  document.querySelectorAll("[data-check-all]").forEach(function (button) {
    var boxes = document.querySelectorAll('input[type="checkbox"][name="' + button.dataset.checkAll + '"]');
    if (!boxes.length) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var check = Array.prototype.some.call(boxes, function (box) { return !box.checked; });
      boxes.forEach(function (box) { box.checked = check; });
    });
  });
})();
