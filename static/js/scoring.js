/* Evaluation pages: live weight sums in the criteria editor; the evaluator's grid with keyboard
   navigation, the rubric at hand and autosave (optimistic concurrency: a stale version is refused
   by the server with 409 and the cell says so). Without JavaScript the criteria form still posts. */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function parseNumber(text) {
    var value = String(text || "").trim().replace(",", ".");
    if (value === "" || !/^-?\d+(\.\d+)?$/.test(value)) { return null; }
    return parseFloat(value);
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }

  /* Criteria editor: each level's running sum ------------------------------------------------ */
  var weightInputs = document.querySelectorAll(".weight-input");
  var sumsList = document.querySelector(".criteria-sums");
  function updateSums() {
    var sums = {};
    weightInputs.forEach(function (input) {
      var level = input.dataset.level;
      sums[level] = (sums[level] || 0) + (parseNumber(input.value) || 0);
    });
    Object.keys(sums).forEach(function (level) {
      var item = document.querySelector("[data-level-sum='" + level + "']");
      if (!item) { return; }
      var total = Math.round(sums[level] * 100) / 100;
      var shown = String(total).replace(".", document.documentElement.lang === "fr" ? "," : ".");
      item.querySelector("[data-role=total]").textContent = shown;
      item.classList.toggle("sum-ok", total === 100);
      item.classList.toggle("sum-bad", total !== 100);
      // The list is aria-live: the sentence is read out when a level leaves or reaches 100 %.
      var message = item.querySelector("[data-role=message]");
      var text = total === 100 || !sumsList ? "" : format(sumsList.dataset.badMessage, { name: item.dataset.levelName, total: shown });
      if (message && message.textContent !== text) { message.textContent = text; }
    });
  }
  weightInputs.forEach(function (input) { input.addEventListener("input", updateSums); });

  /* The scoring grid ------------------------------------------------------------------------- */
  var grid = document.getElementById("score-grid");
  if (!grid) { return; }
  var messages = grid.dataset;
  var liveStatus = document.getElementById("grid-status");
  var rubricList = document.getElementById("rubric-list");
  var rubricCriterion = document.getElementById("rubric-criterion");
  var comment = document.getElementById("score-comment");
  var current = null;
  var queue = Promise.resolve();

  function cells() { return Array.prototype.slice.call(grid.querySelectorAll(".score-input")); }
  function position(input) {
    var cell = input.closest("td");
    var row = cell.parentElement;
    return { row: Array.prototype.indexOf.call(row.parentElement.children, row), column: Array.prototype.indexOf.call(row.children, cell) };
  }
  function at(row, column) {
    var rows = grid.tBodies[0].rows;
    if (row < 0 || row >= rows.length) { return null; }
    var cell = rows[row].children[column];
    return cell ? cell.querySelector(".score-input") : null;
  }

  function setStatus(input, text, kind) {
    var status = input.parentElement.querySelector("[data-role=status]");
    status.textContent = text;
    status.className = "cell-status small " + (kind ? "is-" + kind : "");
    input.classList.toggle("is-invalid", kind === "error" || kind === "conflict");
    input.setAttribute("aria-invalid", kind === "error" || kind === "conflict" ? "true" : "false");
    if (liveStatus && text) { liveStatus.textContent = input.getAttribute("aria-label") + " : " + text; }
  }

  function save(input, force) {
    var text = input.value.trim();
    if (text === "" || (!force && text === (input.dataset.savedValue || ""))) { return; }
    // Enter saves, then leaving the cell fires "change": never send the same value twice at once.
    if (!force && input.dataset.pending === text) { return; }
    var value = parseNumber(text);
    var max = parseFloat(input.dataset.max);
    if (value === null || value < 0 || value > max) {
      setStatus(input, format(messages.invalid, { max: input.dataset.max }), "error");
      return;
    }
    if (messages.requireJustification === "true" && !(input.dataset.comment || "").trim()) {
      // The tender asks for a written justification: the score waits for it (saved when it is written).
      setStatus(input, messages.justify, "error");
      return;
    }
    setStatus(input, messages.saving, "saving");
    input.dataset.pending = text;
    // One request at a time, in the order the cells were left; the version is read when the request
    // leaves, so two saves of one cell in a row do not trip over each other.
    queue = queue.then(function () { return send(input, value, text); });
  }

  function send(input, value, text) {
    var body = { value: value, comment: input.dataset.comment || "", version: parseInt(input.dataset.version || "0", 10) };
    return fetch(input.dataset.url, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    })
      .then(function (response) { return response.json().then(function (data) { return { status: response.status, data: data }; }); })
      .then(function (result) {
        if (result.status === 200) {
          input.dataset.version = result.data.version;
          input.dataset.savedValue = String(result.data.value);
          input.dataset.comment = result.data.comment;
          setStatus(input, messages.saved, "saved");
        } else if (result.status === 409 && result.data.current) {
          var stored = result.data.current;
          input.dataset.version = stored.version;
          input.dataset.savedValue = String(stored.value);
          input.dataset.comment = stored.comment;
          input.value = String(stored.value);
          setStatus(input, format(messages.conflict, { value: stored.value, mine: text }), "conflict");
        } else {
          var detail = result.data.detail || Object.values(result.data).join(" ");
          setStatus(input, format(messages.error, { message: detail }), "error");
        }
      })
      .catch(function () { setStatus(input, format(messages.error, { message: "" }), "error"); })
      .then(function () { delete input.dataset.pending; });
  }

  function showRubric(input) {
    var row = input.closest("tr");
    var header = row.querySelector("th");
    var template = header.querySelector("template.rubric");
    rubricCriterion.textContent = header.textContent.trim();
    rubricList.innerHTML = "";
    if (template) { rubricList.appendChild(template.content.cloneNode(true)); }
    if (comment) {
      comment.disabled = false;
      comment.value = input.dataset.comment || "";
      comment.setAttribute("aria-label", (comment.dataset.prefix || "") + input.getAttribute("aria-label"));
    }
  }

  cells().forEach(function (input) {
    input.addEventListener("focus", function () { current = input; showRubric(input); });
    input.addEventListener("change", function () { save(input); });
    input.addEventListener("keydown", function (event) {
      var place = position(input);
      var target = null;
      if (event.key === "ArrowDown" || event.key === "Enter") { target = at(place.row + 1, place.column); }
      else if (event.key === "ArrowUp") { target = at(place.row - 1, place.column); }
      else if (event.key === "ArrowRight" && input.selectionStart === input.value.length) { target = at(place.row, place.column + 1); }
      else if (event.key === "ArrowLeft" && input.selectionStart === 0) { target = at(place.row, place.column - 1); }
      else { return; }
      if (event.key === "Enter") { event.preventDefault(); save(input); }
      if (target) { event.preventDefault(); target.focus(); target.select(); }
    });
  });

  if (comment) {
    comment.addEventListener("change", function () {
      if (!current) { return; }
      current.dataset.comment = comment.value;
      save(current, true);
    });
  }
})();
