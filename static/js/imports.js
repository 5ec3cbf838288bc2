/* An import of a vendor's file still running in the worker: ask its state every 1.5 s and, once it has
   finished, load the page again (the server then shows the outcome as the page's messages). Without
   JavaScript the panel's « Actualiser » link does the same. */
(function () {
  "use strict";
  var panel = document.getElementById("import-progress");
  if (!panel) { return; }
  var POLL_MS = 1500;
  function poll() {
    fetch(panel.dataset.importUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
      .then(function (job) {
        if (job.status === "done" || job.status === "failed") {
          window.location.replace(panel.dataset.reloadUrl);
        } else {
          window.setTimeout(poll, POLL_MS);
        }
      })
      .catch(function () { window.setTimeout(poll, POLL_MS * 4); });
  }
  window.setTimeout(poll, POLL_MS);
})();
