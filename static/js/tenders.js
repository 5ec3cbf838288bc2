/* Tender editor: ask for documents through the API, follow their progress, offer the download.
   Without JavaScript the forms still work (POST, then the page lists the document). */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var labels = document.getElementById("document-labels");
  var list = document.getElementById("document-list");
  var statusBox = document.getElementById("documents-status");

  function label(status) {
    return (labels && labels.dataset[status]) || status;
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function announce(text) {
    if (statusBox) { statusBox.textContent = text; }
  }

  function update(row, data) {
    row.dataset.status = data.status;
    var status = row.querySelector("[data-role=status]");
    var progress = row.querySelector("[data-role=progress]");
    var error = row.querySelector("[data-role=error]");
    var download = row.querySelector("[data-role=download]");
    status.textContent = label(data.status);
    progress.value = data.progress;
    progress.setAttribute("aria-valuenow", String(data.progress));
    progress.textContent = data.progress + " %";
    if (data.status === "done") {
      progress.hidden = true;
      download.href = data.download_url;
      download.hidden = false;
      announce(row.querySelector("[data-role=title], span").textContent + " — " + label("done"));
    } else if (data.status === "failed") {
      progress.hidden = true;
      error.textContent = data.error;
      error.hidden = false;
      announce(data.error);
    } else if (data.error) {
      error.textContent = data.error;
      error.hidden = false;
    }
    markStale(row, data);
  }

  // A done document whose tender changed since: "périmé — régénérer" (the row's data-stale-label).
  function markStale(row, data) {
    var stale = data.stale && data.status === "done";
    row.dataset.stale = stale ? "true" : "false";
    var note = row.querySelector("[data-role=stale]");
    var text = row.dataset.staleLabel || (labels && labels.dataset.stale);
    if (stale && !note && text) {
      note = document.createElement("p");
      note.className = "small mb-0";
      note.dataset.role = "stale";
      var badge = document.createElement("span");
      badge.className = "badge text-bg-warning";
      badge.textContent = text;
      note.appendChild(badge);
      row.querySelector("div").insertAdjacentElement("afterend", note);
    }
    if (note) { note.hidden = !stale; }
  }

  // After an edit saved in place, ask again about the finished documents (are they stale now?).
  function recheckDocuments() {
    if (!list) { return; }
    list.querySelectorAll(".document-row[data-status=done]").forEach(function (row) { poll(row); });
  }

  function poll(row) {
    var url = row.dataset.documentUrl;
    if (!url) { return; }
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
      .then(function (data) {
        update(row, data);
        if (data.status === "queued" || data.status === "running") {
          window.setTimeout(function () { poll(row); }, POLL_MS);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(row); }, POLL_MS * 5); });
  }

  function addRow(id, title) {
    var template = document.getElementById("document-row-template");
    var row = template.content.firstElementChild.cloneNode(true);
    row.id = "document-" + id;
    row.dataset.documentUrl = "/api/v1/documents/" + id + "/";
    row.querySelector("[data-role=title]").textContent = title + " n° " + id;
    row.querySelector("[data-role=progress]").setAttribute("aria-label", title + " n° " + id);
    list.insertBefore(row, list.firstChild);
    return row;
  }

  document.querySelectorAll("form[data-document-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      var body = { kind: form.elements.kind.value, format: form.elements.format.value };
      button.disabled = true;
      fetch(form.dataset.apiUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken(form) },
        body: JSON.stringify(body)
      })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
        })
        .then(function (result) {
          if (result.status === 202) {
            var row = addRow(result.data.id, form.dataset.rowLabel || button.textContent.trim());
            announce((form.dataset.rowLabel || button.textContent.trim()) + " — " + label("queued"));
            poll(row);
          } else {
            var message = result.data.detail || Object.values(result.data).join(" ");
            if (result.data.id) { addRow(result.data.id, form.dataset.rowLabel || button.textContent.trim()); }
            announce(message || (labels && labels.dataset.error));
          }
        })
        .catch(function () { announce(labels && labels.dataset.error); })
        .then(function () { button.disabled = false; });
    });
  });

  if (list) {
    list.querySelectorAll(".document-row").forEach(function (row) {
      if (row.dataset.status === "queued" || row.dataset.status === "running") { poll(row); }
    });
  }

  // Clause parameters: one "Enregistrer tout" form (the fields join it through their form="" attribute).
  // Leaving the page with changed, unsaved values asks first (beforeunload).
  var editorLabels = document.getElementById("editor-labels");
  var editorStatus = document.getElementById("editor-status");
  var dirty = false;

  function say(text) {
    if (editorStatus) { editorStatus.textContent = text || ""; }
  }

  // Guarded forms: "Enregistrer tout" and the tender-wide values. A field belongs to a form through
  // its form="" attribute or by being inside it (field.form covers both).
  var guarded = Array.prototype.slice.call(document.querySelectorAll("form[data-unsaved-guard]"));
  if (guarded.length) {
    var markDirty = function (event) {
      var field = event.target;
      if (!field.form || guarded.indexOf(field.form) === -1 || dirty) { return; }
      dirty = true;
      field.form.dataset.dirty = "true";
      say(editorLabels && editorLabels.dataset.dirty);
    };
    document.addEventListener("input", markDirty);
    document.addEventListener("change", markDirty);
    guarded.forEach(function (form) {
      form.addEventListener("submit", function () { dirty = false; delete form.dataset.dirty; });
    });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) { return undefined; }
      event.preventDefault();
      event.returnValue = (editorLabels && editorLabels.dataset.unsaved) || "";
      return event.returnValue;
    });
  }

  // Keyboard shortcuts, documented on the page: Ctrl+S (⌘+S) saves all, Alt+Shift+P asks for the PDF.
  document.addEventListener("keydown", function (event) {
    var target = null;
    if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "s") {
      target = document.querySelector("[data-shortcut=save]");
    } else if (event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey && event.code === "KeyP") {
      target = document.querySelector("[data-shortcut=pdf]");
    }
    if (!target) { return; }
    event.preventDefault();
    if (target.form && typeof target.form.requestSubmit === "function") {
      target.form.requestSubmit(target);
    } else {
      target.click();
    }
  });

  // Drag and drop to reorder (the ↑ ↓ buttons do the same from the keyboard).
  var dragged = null;
  document.querySelectorAll(".tender-clause[draggable=true]").forEach(function (item) {
    item.addEventListener("dragstart", function (event) {
      if (event.target.closest("input, select, button, textarea")) { event.preventDefault(); return; }
      dragged = item;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.tenderClause);
    });
    item.addEventListener("dragover", function (event) {
      if (dragged && dragged !== item) { event.preventDefault(); }
    });
    item.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!dragged || dragged === item) { return; }
      var items = Array.prototype.slice.call(document.querySelectorAll(".tender-clause"));
      var position = items.indexOf(item);
      var form = document.querySelector("form input[name=csrfmiddlewaretoken]");
      fetch(dragged.dataset.moveUrl, {
        method: "PATCH",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json",
                   "X-CSRFToken": form ? form.value : "" },
        body: JSON.stringify({ position: position })
      }).then(function (response) {
        if (response.ok) {
          window.location.hash = dragged.id;
          window.location.reload();
        } else {
          response.json().then(function (data) { say(data.detail || ""); });
        }
      });
    });
  });

  // After a move, save or add, bring keyboard focus back to the clause that changed.
  // (after "load": the browser's own fragment scrolling would otherwise reset it)
  window.addEventListener("load", function () {
    if (!window.location.hash) { return; }
    var id = window.location.hash.slice(1);
    var target = document.getElementById(id + "-title") || document.getElementById(id);
    if (target && target.tagName === "DETAILS") { target.open = true; }
    if (target) { window.setTimeout(function () { target.focus(); }, 0); }
  });
})();
