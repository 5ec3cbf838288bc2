/* Clause form: structured editors for a clause's parameters, rubric and references.

   Progressive enhancement over the JSON textareas: the rows are built from the JSON, every change
   is written back to the JSON at once (so the form posts the same field with or without this script),
   and editing the JSON (the "JSON (utilisateurs avancés)" disclosure) rebuilds the rows. Rows are
   added, removed and reordered with labelled buttons (keyboard operable, no drag); each field has a
   label. Keys the editor does not show are kept as they are (the server names them if unknown). */
(function () {
  "use strict";

  var stringsNode = document.getElementById("clause-editor-strings");
  if (!stringsNode) { return; }
  var S = JSON.parse(stringsNode.textContent);
  var uid = 0;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }

  // What each row shows: [key, widget, width class]. Widgets: text, textarea, number, select, checkbox, list.
  var LAYOUT = {
    parameters: [
      ["name", "text", "col-sm-6"], ["label", "text", "col-sm-6"], ["type", "select", "col-sm-6"],
      ["default", "text", "col-sm-6"], ["min", "number", "col-6 col-sm-3"], ["max", "number", "col-6 col-sm-3"],
      ["choices", "list", "col-sm-6"], ["direction", "select", "col-sm-6"], ["help", "text", "col-12"],
      ["required", "checkbox", "col-12"], ["improvable", "checkbox", "col-12"]
    ],
    rubric: [["score", "number", "col-sm-3"], ["description", "textarea", "col-sm-9"]],
    references: [
      ["label", "text", "col-sm-6"], ["url", "url", "col-sm-6"], ["informative", "checkbox", "col-12"],
      ["statutory", "checkbox", "col-12"]
    ],
    price_lines: [
      ["code", "text", "col-sm-6"], ["label", "text", "col-sm-6"], ["unit", "text", "col-6 col-sm-4"],
      ["quantity", "number", "col-6 col-sm-4"], ["period", "select", "col-sm-4"]
    ]
  };
  // A select's first option is the value of a row that has none ("" means null / absent).
  var SELECT_DEFAULT = { type: "text", direction: "", period: "once" };
  var HELP = { name: "name_help", choices: "choices_help", "default": "default_help" };

  function numberOrText(text) {
    var value = String(text).trim().replace(",", ".");
    return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : String(text).trim();
  }

  // A row's value as the server reads it, from the row's inputs over the object it was built from.
  function readRow(kind, row) {
    var item = JSON.parse(JSON.stringify(row._item || {}));
    LAYOUT[kind].forEach(function (spec) {
      var key = spec[0], widget = spec[1], input = row.querySelector("[data-key='" + key + "']");
      if (widget === "checkbox") {
        if (input.checked) { item[key] = true; } else if (kind === "parameters") { item[key] = false; } else { delete item[key]; }
        return;
      }
      if (widget === "select" && key === "direction") {
        item[key] = input.value === "" ? null : input.value;
        return;
      }
      var text = input.value;
      if (text.trim() === "") {
        if (["name", "description", "label", "url", "code", "unit"].indexOf(key) >= 0) { item[key] = ""; } else { delete item[key]; }
        return;
      }
      if (widget === "number") { item[key] = numberOrText(text); }
      else if (widget === "list") { item[key] = text.split(",").map(function (c) { return c.trim(); }).filter(Boolean); }
      else if (key === "default") {
        var type = item.type || "text";
        if (type === "integer" || type === "decimal") { item[key] = numberOrText(text); }
        else if (type === "boolean") { item[key] = /^(oui|true|yes|1)$/i.test(text.trim()); }
        else { item[key] = text; }
      } else { item[key] = text; }
    });
    return item;
  }

  function fieldValue(item, key, widget) {
    var value = item[key];
    if (widget === "checkbox") { return key === "required" ? value !== false : value === true; }
    if (value === undefined || value === null) { return ""; }
    if (widget === "list") { return Array.isArray(value) ? value.join(", ") : String(value); }
    if (typeof value === "boolean") { return value ? "oui" : "non"; }
    return String(value);
  }

  function buildField(kind, spec, item) {
    var key = spec[0], widget = spec[1];
    var id = "structured-" + kind + "-" + (++uid) + "-" + key;
    var col = document.createElement("div");
    col.className = spec[2];
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = S.fields[kind][key];
    var input;
    if (widget === "select") {
      input = document.createElement("select");
      input.className = "form-select form-select-sm";
      var options = S.options[key] || {};
      Object.keys(options).forEach(function (value) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = options[value];
        input.appendChild(option);
      });
      var current = item[key] || SELECT_DEFAULT[key] || "";
      if (options[current] === undefined) {  // an unknown value stays visible, for the server to name
        var odd = document.createElement("option");
        odd.value = odd.textContent = current;
        input.appendChild(odd);
      }
      input.value = current;
    } else if (widget === "textarea") {
      input = document.createElement("textarea");
      input.rows = 2;
      input.className = "form-control form-control-sm";
      input.value = fieldValue(item, key, widget);
    } else {
      input = document.createElement("input");
      if (widget === "checkbox") {
        input.type = "checkbox";
        input.className = "form-check-input";
        input.checked = fieldValue(item, key, widget);
      } else {
        input.type = widget === "url" ? "url" : "text";
        if (widget === "number") { input.inputMode = "decimal"; }
        input.className = "form-control form-control-sm";
        input.value = fieldValue(item, key, widget);
      }
    }
    input.id = id;
    input.dataset.key = key;
    if (widget === "checkbox") {
      col.className += " form-check ms-2";
      label.className = "form-check-label";
      col.appendChild(input);
      col.appendChild(label);
    } else {
      label.className = "form-label small mb-0";
      col.appendChild(label);
      col.appendChild(input);
    }
    if (HELP[key] && (kind === "parameters")) {
      var help = document.createElement("div");
      help.className = "form-text mt-0";
      help.id = id + "-help";
      help.textContent = S[HELP[key]];
      input.setAttribute("aria-describedby", help.id);
      col.appendChild(help);
    }
    return col;
  }

  function button(text, action, css) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm " + css;
    b.textContent = text;
    b.dataset.action = action;
    return b;
  }

  function Editor(box) {
    this.kind = box.dataset.structured;
    this.textarea = document.getElementById(box.dataset.target);
    this.editor = box.querySelector("[data-role=editor]");
    this.advanced = box.querySelector("[data-role=advanced]");
    this.badJson = box.querySelector("[data-role=bad-json]");
    this.list = document.createElement("div");
    this.list.className = "structured-rows";
    this.empty = document.createElement("p");
    this.empty.className = "small text-body-secondary mb-2";
    this.empty.textContent = S.empty[this.kind];
    this.status = document.createElement("p");
    this.status.className = "visually-hidden";
    this.status.setAttribute("aria-live", "polite");
    this.add = button(S.add[this.kind], "add", "btn-outline-primary");
    this.editor.appendChild(this.empty);
    this.editor.appendChild(this.list);
    this.editor.appendChild(this.add);
    this.editor.appendChild(this.status);
    var self = this;
    this.add.addEventListener("click", function () {
      var fresh = { parameters: { type: "text" }, price_lines: { period: "once", quantity: 1 } }[self.kind] || {};
      var row = self.addRow(fresh);
      self.sync();
      var first = row.querySelector("input, select, textarea");
      if (first) { first.focus(); }
    });
    this.list.addEventListener("input", function () { self.sync(); });
    this.list.addEventListener("change", function () { self.sync(); });
    this.list.addEventListener("click", function (event) {
      var target = event.target.closest("button[data-action]");
      if (target) { self.act(target.closest(".structured-row"), target.dataset.action); }
    });
    this.textarea.addEventListener("change", function () { self.load(); });
    // The error summary links to the JSON box: with the rows on show, lead to the rows instead.
    document.querySelectorAll("a[href='#" + this.textarea.id + "']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (self.editor.hidden) { self.advanced.open = true; return; }
        event.preventDefault();
        (self.list.querySelector("input, select, textarea") || self.add).focus();
      });
    });
    this.load();
  }

  Editor.prototype.rows = function () { return Array.prototype.slice.call(this.list.children); };

  // Rows from the JSON; if it does not read, the JSON stays open with a note (the server names the error).
  Editor.prototype.load = function () {
    var text = this.textarea.value.trim(), data;
    try { data = text ? JSON.parse(text) : []; } catch (error) { data = null; }
    if (!Array.isArray(data)) {
      this.editor.hidden = true;
      this.badJson.hidden = false;
      this.badJson.textContent = S.bad_json;
      this.advanced.open = true;
      return;
    }
    this.badJson.hidden = true;
    this.editor.hidden = false;
    this.list.textContent = "";
    var self = this;
    data.forEach(function (item) { self.addRow(item); });
    this.renumber();
    if (!this.started) { this.advanced.open = false; }  // the rows are the editor; the JSON stays one click away
    this.started = true;
  };

  Editor.prototype.addRow = function (item) {
    var kind = this.kind;
    var row = document.createElement("fieldset");
    row.className = "structured-row border rounded p-2 mb-2";
    row._item = item && typeof item === "object" && !Array.isArray(item) ? item : {};
    var legend = document.createElement("legend");
    legend.className = "fs-6 fw-semibold mb-1 float-none w-auto";
    row.appendChild(legend);
    var grid = document.createElement("div");
    grid.className = "row g-2";
    LAYOUT[kind].forEach(function (spec) { grid.appendChild(buildField(kind, spec, row._item)); });
    row.appendChild(grid);
    var actions = document.createElement("div");
    actions.className = "d-flex flex-wrap gap-2 mt-2";
    actions.appendChild(button(S.up, "up", "btn-outline-secondary"));
    actions.appendChild(button(S.down, "down", "btn-outline-secondary"));
    actions.appendChild(button(S.remove, "remove", "btn-outline-danger"));
    row.appendChild(actions);
    this.list.appendChild(row);
    this.renumber();
    return row;
  };

  Editor.prototype.renumber = function () {
    var kind = this.kind;
    var rows = this.rows();
    rows.forEach(function (row, index) {
      var name = format(S.row[kind], { n: index + 1 });
      row.querySelector("legend").textContent = name;
      row.querySelector("[data-action=up]").setAttribute("aria-label", format(S.up_label, { row: name }));
      row.querySelector("[data-action=down]").setAttribute("aria-label", format(S.down_label, { row: name }));
      row.querySelector("[data-action=remove]").setAttribute("aria-label", format(S.remove_label, { row: name }));
      row.querySelector("[data-action=up]").disabled = index === 0;
      row.querySelector("[data-action=down]").disabled = index === rows.length - 1;
    });
    this.empty.hidden = rows.length > 0;
  };

  Editor.prototype.act = function (row, action) {
    var rows = this.rows(), index = rows.indexOf(row), kind = this.kind;
    var name = format(S.row[kind], { n: index + 1 });
    if (action === "remove") {
      var next = rows[index + 1] || rows[index - 1];
      row.remove();
      this.renumber();
      this.sync();
      this.status.textContent = format(S.removed, { row: name });
      (next ? next.querySelector("[data-action=remove]") : this.add).focus();
      return;
    }
    var to = action === "up" ? index - 1 : index + 1;
    if (to < 0 || to >= rows.length) { return; }
    if (action === "up") { this.list.insertBefore(row, rows[to]); } else { this.list.insertBefore(rows[to], row); }
    this.renumber();
    this.sync();
    this.status.textContent = format(S.moved, { row: name, n: to + 1 });
    var same = row.querySelector("[data-action=" + action + "]");
    (same.disabled ? row.querySelector("[data-action=" + (action === "up" ? "down" : "up") + "]") : same).focus();
  };

  // Rows → JSON, after every change: the JSON box always holds what will be posted.
  Editor.prototype.sync = function () {
    var kind = this.kind;
    var items = this.rows().map(function (row) {
      row._item = readRow(kind, row);
      return row._item;
    });
    this.textarea.value = items.length ? JSON.stringify(items, null, 2) : "";
  };

  document.querySelectorAll("[data-structured]").forEach(function (box) { new Editor(box); });
})();
