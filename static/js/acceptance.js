/* Acceptance page: while the probe of the delivered system or a record is being made, follow it through the API
   and reload the page once it is finished (the rows it filled, the download link). Without JavaScript the
   "Actualiser" link does the same. */
(function () {
  "use strict";

  var POLL_MS = 2000;

  function follow(element) {
    var url = element.dataset.pollUrl;
    if (!url || element.dataset.finished === "true") { return; }
    function tick() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && (data.status === "done" || data.status === "failed" || data.status === "cancelled")) {
            window.location.reload();
          } else {
            window.setTimeout(tick, POLL_MS);
          }
        })
        .catch(function () { window.setTimeout(tick, POLL_MS * 5); });
    }
    window.setTimeout(tick, POLL_MS);
  }

  document.querySelectorAll("[data-poll-url]").forEach(follow);
})();
