/* Every page: wide tables scroll inside their own box instead of the whole page scrolling sideways
   (phone width). The box is a labelled region, focusable when it scrolls, so keyboard users can
   scroll it too. Tables already in a .table-responsive wrapper get the same treatment. */
(function () {
  "use strict";

  var fallback = document.documentElement.lang === "en" ? "Table" : "Tableau";

  function labelFor(table) {
    var caption = table.querySelector("caption");
    var text = caption ? caption.textContent.trim() : "";
    if (!text && table.getAttribute("aria-label")) { text = table.getAttribute("aria-label"); }
    if (!text && table.id) {
      var named = document.querySelector("[aria-labelledby='" + table.id + "']");
      text = named ? named.textContent.trim() : "";
    }
    return text || fallback;
  }

  function fit(box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
    } else if (box.dataset.scrollBox === "added") {
      box.removeAttribute("tabindex");
    }
  }

  var boxes = [];
  document.querySelectorAll("main table").forEach(function (table) {
    var box = table.parentElement;
    if (!box.classList.contains("table-responsive") && !box.classList.contains("table-scroll")) {
      box = document.createElement("div");
      box.className = "table-scroll";
      box.dataset.scrollBox = "added";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    } else if (!box.hasAttribute("tabindex")) {
      box.dataset.scrollBox = "added";
    }
    if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
    if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
      box.setAttribute("aria-label", labelFor(table));
    }
    boxes.push(box);
    fit(box);
  });
  window.addEventListener("resize", function () { boxes.forEach(fit); });
})();
