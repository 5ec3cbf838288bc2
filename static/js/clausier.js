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

  // Only a box that scrolls is a region (labelled, focusable): a landmark per small table would
  // only add noise, and two regions must not share a name.
  var used = {};

  function uniqueLabel(text) {
    used[text] = (used[text] || 0) + 1;
    return used[text] > 1 ? text + " (" + used[text] + ")" : text;
  }

  function fit(box) {
    var scrolls = box.scrollWidth > box.clientWidth + 1;
    if (box.dataset.scrollBox !== "added") { return; }
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", uniqueLabel(labelFor(box.querySelector("table"))));
    } else if (!scrolls && box.hasAttribute("tabindex")) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
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
    } else if (!box.hasAttribute("tabindex") && !box.hasAttribute("role")) {
      box.dataset.scrollBox = "added";
    }
    boxes.push(box);
    fit(box);
  });
  window.addEventListener("resize", function () { boxes.forEach(fit); });
})();
