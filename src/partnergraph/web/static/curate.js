/* partnergraph curator page: paste or load RDF, validate it (POST /api/validate, a dry run) or submit it
 * (POST /api/ingest with a bearer token), and show the SHACL report grouped by focus node.
 *
 * Everything shown that comes from the server or the user goes into the page as text (textContent,
 * setAttribute), never as HTML. The token is sent only in the Authorization header; it is kept in this
 * tab's sessionStorage only when the user ticks "Remember for this tab", never in localStorage or cookies.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "partnergraph.curate.token";
  var SEVERITIES = ["Violation", "Warning", "Info"];
  // File extension -> media type (the server reads the body by Content-Type).
  var FORMAT_OF_EXTENSION = {
    ttl: "text/turtle", turtle: "text/turtle", nt: "application/n-triples", nq: "application/n-quads",
    trig: "application/trig", jsonld: "application/ld+json", json: "application/ld+json",
    rdf: "application/rdf+xml", xml: "application/rdf+xml", owl: "application/rdf+xml",
  };
  var READABLE_LOCAL = /^[A-Za-z0-9_][A-Za-z0-9_.\/#-]*$/;

  var data = readPageData();
  var prefixes = Object.keys(data.prefixes || {})
    .map(function (p) { return [p, data.prefixes[p]]; })
    .sort(function (a, b) { return b[1].length - a[1].length; });

  function $(id) { return document.getElementById(id); }

  var els = {
    file: $("rdf-file"), fileStatus: $("file-status"), format: $("rdf-format"), body: $("rdf-body"),
    sources: $("source-list"), addSource: $("add-source"), comment: $("comment"), graph: $("graph"),
    token: $("token"), remember: $("remember-token"), validate: $("validate-button"), submit: $("submit-button"),
    status: $("status"), error: $("error"), batch: $("batch-result"), report: $("report"),
    reportHeading: $("report-heading"), reportSummary: $("report-summary"), counts: $("report-counts"),
    notes: $("notes"), table: $("report-table"),
  };

  function readPageData() {
    try {
      return JSON.parse(document.getElementById("pg-curate-data").textContent);
    } catch (err) {
      return { validate_url: "api/validate", ingest_url: "api/ingest", batches_url: "api/batches", prefixes: {} };
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  // --- IRIs for people -------------------------------------------------------------------------------------

  function shortIri(iri) {
    for (var i = 0; i < prefixes.length; i++) {
      var ns = prefixes[i][1];
      if (iri.indexOf(ns) === 0 && READABLE_LOCAL.test(iri.slice(ns.length))) {
        return prefixes[i][0] + ":" + iri.slice(ns.length);
      }
    }
    return "<" + iri + ">";
  }

  function termText(term) {
    if (!term) { return ""; }
    if (term.type === "uri") { return shortIri(term.value); }
    if (term.type === "bnode") { return "_:" + term.value; }
    var text = JSON.stringify(term.value);
    if (term["xml:lang"]) { return text + "@" + term["xml:lang"]; }
    if (term.datatype) { return text + "^^" + shortIri(term.datatype); }
    return text;
  }

  // A path is an IRI, or SPARQL property-path text with <IRI>s in it.
  function pathText(path) {
    if (!path) { return ""; }
    if (path.charAt(0) !== "(" && path.charAt(0) !== "^" && path.charAt(0) !== "<") { return shortIri(path); }
    return path.replace(/<([^<>\s]+)>/g, function (match, iri) { return shortIri(iri); });
  }

  function withTitle(node, full) {
    if (full) { node.title = full; }
    return node;
  }

  // --- the form ---------------------------------------------------------------------------------------------

  var sourceCount = 1;

  function addSource(value) {
    sourceCount += 1;
    var id = "source-" + sourceCount;
    var item = el("li", "source-item");
    var label = el("label", "visually-hidden", "Source IRI " + sourceCount);
    label.htmlFor = id;
    var input = el("input", "source-input");
    input.type = "url";
    input.id = id;
    input.name = "source";
    input.autocomplete = "off";
    if (value) { input.value = value; }
    var remove = el("button", "secondary remove-source", "Remove");
    remove.type = "button";
    remove.setAttribute("aria-label", "Remove source IRI " + sourceCount);
    remove.addEventListener("click", function () {
      item.parentNode.removeChild(item);
      els.addSource.focus();
    });
    item.appendChild(label);
    item.appendChild(input);
    item.appendChild(remove);
    els.sources.appendChild(item);
    return input;
  }

  els.addSource.addEventListener("click", function () { addSource().focus(); });

  function sources() {
    var values = [];
    els.sources.querySelectorAll("input.source-input").forEach(function (input) {
      var value = input.value.trim();
      if (value) { values.push(value); }
    });
    return values;
  }

  els.file.addEventListener("change", function () {
    var file = els.file.files && els.file.files[0];
    if (!file) { return; }
    var dot = file.name.lastIndexOf(".");
    var extension = dot >= 0 ? file.name.slice(dot + 1).toLowerCase() : "";
    var reader = new FileReader();
    reader.onload = function () {
      els.body.value = String(reader.result);
      var format = FORMAT_OF_EXTENSION[extension];
      if (format) {
        els.format.value = format;
        els.fileStatus.textContent = "Loaded " + file.name + " (" + file.size + " bytes) as "
          + els.format.options[els.format.selectedIndex].text + ".";
      } else {
        els.fileStatus.textContent = "Loaded " + file.name + " (" + file.size + " bytes). Its format could not "
          + "be told from its extension: choose it in the Format list.";
      }
    };
    reader.onerror = function () {
      els.fileStatus.textContent = "Could not read " + file.name + ".";
    };
    reader.readAsText(file);
  });

  // --- the token: only in sessionStorage, and only when asked -----------------------------------------------

  function storage() {
    try { return window.sessionStorage; } catch (err) { return null; }
  }

  function keepToken() {
    var store = storage();
    if (!store) { return; }
    try {
      if (els.remember.checked && els.token.value) {
        store.setItem(TOKEN_KEY, els.token.value);
      } else {
        store.removeItem(TOKEN_KEY);
      }
    } catch (err) { /* storage full or refused: the token just is not remembered */ }
  }

  (function restoreToken() {
    var store = storage();
    var saved = null;
    try { saved = store ? store.getItem(TOKEN_KEY) : null; } catch (err) { saved = null; }
    if (saved) {
      els.token.value = saved;
      els.remember.checked = true;
    }
  })();
  els.remember.addEventListener("change", keepToken);
  els.token.addEventListener("input", keepToken);

  // --- talking to the API -----------------------------------------------------------------------------------

  function requestUrl(base) {
    var params = new URLSearchParams();
    sources().forEach(function (source) { params.append("source", source); });
    var comment = els.comment.value.trim();
    if (comment) { params.append("comment", comment); }
    var graph = els.graph.value.trim();
    if (graph) { params.append("graph", graph); }
    var query = params.toString();
    return base + (query ? "?" + query : "");
  }

  function busy(on, message) {
    els.validate.disabled = on;
    els.submit.disabled = on;
    document.getElementById("outcome").setAttribute("aria-busy", on ? "true" : "false");
    if (message) { setStatus(message, "status-ok"); }
  }

  function setStatus(text, className) {
    els.status.textContent = text;
    els.status.className = className || "status-ok";
  }

  function resetOutcome() {
    els.error.hidden = true;
    clear(els.error);
    els.batch.hidden = true;
    els.report.hidden = true;
  }

  function send(kind) {
    resetOutcome();
    var headers = { "Content-Type": els.format.value + "; charset=utf-8", "Accept": "application/json" };
    var url;
    if (kind === "submit") {
      var token = els.token.value.trim();
      if (!token) {
        showError({ message: "Enter your curator token to submit (Validate needs none)." }, null);
        setStatus("Not submitted.", "status-message");
        els.token.focus();
        return;
      }
      headers.Authorization = "Bearer " + token;
      url = requestUrl(data.ingest_url);
    } else {
      url = requestUrl(data.validate_url);
    }
    busy(true, kind === "submit" ? "Submitting\u2026" : "Validating\u2026");
    fetch(url, { method: "POST", headers: headers, body: els.body.value, credentials: "omit", cache: "no-store" })
      .then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try { body = JSON.parse(text); } catch (err) { body = null; }
          return { response: response, body: body, text: text };
        });
      })
      .then(function (answer) { show(kind, answer); })
      .catch(function (err) {
        showError({ message: "The server could not be reached: " + err.message }, null);
        setStatus("Nothing was sent.", "status-message");
      })
      .then(function () { busy(false); });
  }

  els.validate.addEventListener("click", function () { send("validate"); });
  els.submit.addEventListener("click", function () { send("submit"); });
  document.getElementById("curate-form").addEventListener("submit", function (event) {
    event.preventDefault(); // Enter in a field sends nothing; the two buttons say what they do
  });

  // --- showing answers --------------------------------------------------------------------------------------

  function show(kind, answer) {
    var status = answer.response.status;
    var body = answer.body;
    if (!body || typeof body !== "object") {
      showError({ message: "The server answered " + status + " " + answer.response.statusText
                  + " without a JSON body." }, status);
      setStatus(kind === "submit" ? "Not written." : "Not validated.", "status-message");
      return;
    }
    if (body.ok && kind === "validate") {
      var v = body.validation || {};
      setStatus(v.conforms ? "Valid: the batch conforms to the shapes (nothing was written)."
                : "Not valid: see the report below (nothing was written).", v.conforms ? "status-ok" : "status-message");
      showReport(v, body.notes, describeChange(body));
      return;
    }
    if (body.ok) {
      setStatus("Written: batch " + body.batch.id + ".", "status-ok");
      showBatch(body.batch);
      showReport(body.validation || {}, body.notes, describeChange(body));
      return;
    }
    if (body.code === "validation_failed") {
      setStatus("Refused: the batch breaks the shapes; nothing was written.", "status-message");
      showError(body, status);
      var summary = Object.assign({ conforms: false }, body.report || {}, { results: body.details || [] });
      showReport(summary, [], null);
      return;
    }
    setStatus(kind === "submit" ? "Not written." : "Not validated.", "status-message");
    showError(body, status);
  }

  function describeChange(body) {
    if (body.triple_count === undefined) { return null; }
    return body.triple_count + " triple(s) for the graph " + shortIri(body.graph || "") + " (" + body.operation
      + ": " + body.added + " added, " + body.removed + " removed).";
  }

  function showError(body, status) {
    clear(els.error);
    var head = el("p", "error-message");
    if (status) { head.appendChild(el("strong", null, "Error " + status + (body.code ? " (" + body.code + ")" : "") + ": ")); }
    head.appendChild(document.createTextNode(String(body.message || "unknown error")));
    els.error.appendChild(head);
    var positions = (body.code !== "validation_failed" && Array.isArray(body.details) ? body.details : [])
      .filter(function (d) { return d && typeof d.line === "number"; });
    if (positions.length) {
      var list = el("ul", "error-positions");
      positions.forEach(function (d) {
        var item = el("li", "error-position");
        item.appendChild(document.createTextNode("Line " + d.line + (typeof d.column === "number" ? ", column " + d.column : "") + " "));
        item.appendChild(lineButton(d.line, d.column));
        list.appendChild(item);
      });
      els.error.appendChild(list);
    }
    els.error.hidden = false;
  }

  function showBatch(batch) {
    $("batch-id").textContent = batch.id;
    var graph = $("batch-graph");
    clear(graph);
    graph.appendChild(withTitle(el("code", null, batch.graph), batch.graph));
    $("batch-triples").textContent = String(batch.triple_count);
    $("batch-curator").textContent = batch.curator || "";
    var link = $("batch-link");
    link.href = data.batches_url + "/" + encodeURIComponent(batch.id);
    link.textContent = data.batches_url + "/" + batch.id;
    els.batch.hidden = false;
  }

  function plural(count, word) {
    return count + " " + word + (count === 1 ? "" : "s");
  }

  function showReport(validation, notes, change) {
    var results = Array.isArray(validation.results) ? validation.results : [];
    var counts = { Violation: 0, Warning: 0, Info: 0 };
    results.forEach(function (r) { if (counts[r.severity] !== undefined) { counts[r.severity] += 1; } });
    // The summary counts cover the whole check; the listed results may be fewer (e.g. Violations only).
    if (typeof validation.violations === "number") { counts.Violation = validation.violations; }
    if (typeof validation.warnings === "number") { counts.Warning = validation.warnings; }
    if (typeof validation.infos === "number") { counts.Info = validation.infos; }

    var summary = validation.conforms ? "Conforms." : "Does not conform.";
    if (change) { summary += " " + change; }
    if (typeof validation.ms === "number") {
      summary += " Checked " + (validation.full_validation ? "the whole store" : plural(validation.affected_nodes || 0, "affected node"))
        + " in " + validation.ms + " ms.";
    }
    els.reportSummary.textContent = summary;

    clear(els.counts);
    SEVERITIES.forEach(function (severity) {
      var item = el("li", "count count-" + severity.toLowerCase());
      item.setAttribute("data-severity", severity);
      item.appendChild(el("span", "badge badge-" + severity.toLowerCase(), severity + "s"));
      item.appendChild(el("span", "count-number", String(counts[severity])));
      els.counts.appendChild(item);
    });

    clear(els.notes);
    (notes || []).forEach(function (note) { els.notes.appendChild(el("li", "note", note)); });
    els.notes.hidden = !(notes && notes.length);

    renderTable(results);
    els.report.hidden = false;
  }

  function renderTable(results) {
    els.table.querySelectorAll("tbody").forEach(function (tbody) { tbody.parentNode.removeChild(tbody); });
    var groups = [];
    var byKey = {};
    results.forEach(function (r) {
      var focus = r.focus_node || { type: "none", value: "" };
      var key = focus.type + " " + focus.value;
      if (!byKey[key]) {
        byKey[key] = { focus: r.focus_node, line: null, results: [] };
        groups.push(byKey[key]);
      }
      if (typeof r.line === "number" && byKey[key].line === null) { byKey[key].line = r.line; }
      byKey[key].results.push(r);
    });

    groups.forEach(function (group) {
      var tbody = el("tbody", "focus-group");
      tbody.setAttribute("data-focus-node", group.focus ? group.focus.value : "");
      var headRow = el("tr", "focus-row");
      var head = el("th", "focus-head");
      head.colSpan = 5;
      head.scope = "rowgroup";
      head.appendChild(el("span", "focus-label", "Focus node "));
      head.appendChild(withTitle(el("code", "focus-node", group.focus ? termText(group.focus) : "(none)"),
                                 group.focus ? group.focus.value : null));
      if (group.line !== null) {
        var where = el("span", "focus-line");
        where.setAttribute("data-line", String(group.line));
        where.appendChild(document.createTextNode("line " + group.line + " "));
        where.appendChild(lineButton(group.line, null));
        head.appendChild(where);
      }
      var worst = SEVERITIES.filter(function (s) {
        return group.results.some(function (r) { return r.severity === s; });
      });
      head.appendChild(el("span", "focus-count", plural(group.results.length, "result")
        + (worst.length ? " (" + worst.join(", ") + ")" : "")));
      headRow.appendChild(head);
      tbody.appendChild(headRow);

      group.results.forEach(function (r) {
        var row = el("tr", "result-row severity-" + String(r.severity || "").toLowerCase());
        row.setAttribute("data-severity", r.severity || "");
        var severity = el("td", "result-severity");
        severity.appendChild(el("span", "badge badge-" + String(r.severity || "").toLowerCase(), r.severity));
        row.appendChild(severity);
        var path = el("td", "result-path");
        path.appendChild(withTitle(el("code", null, pathText(r.path)), r.path));
        row.appendChild(path);
        var value = el("td", "result-value");
        value.appendChild(withTitle(el("code", null, termText(r.value)), r.value ? r.value.value : null));
        row.appendChild(value);
        row.appendChild(el("td", "result-message", r.message || ""));
        var shape = el("td", "result-shape");
        shape.appendChild(withTitle(el("code", null, r.source_shape ? shortIri(r.source_shape) : ""),
                                    [r.source_shape, r.constraint].filter(Boolean).join("\n")));
        row.appendChild(shape);
        tbody.appendChild(row);
      });
      els.table.appendChild(tbody);
    });
    els.table.hidden = groups.length === 0;
  }

  // A button that selects the given line of the pasted text, so the curator sees what is meant.
  function lineButton(line, column) {
    var button = el("button", "goto-line secondary", "Show in the text");
    button.type = "button";
    button.setAttribute("aria-label", "Show line " + line + " in the text");
    button.addEventListener("click", function () { selectLine(line, column); });
    return button;
  }

  function selectLine(line, column) {
    var text = els.body.value;
    var start = 0;
    for (var n = 1; n < line && start >= 0; n++) {
      start = text.indexOf("\n", start);
      if (start >= 0) { start += 1; }
    }
    if (start < 0) { start = text.length; }
    var end = text.indexOf("\n", start);
    if (end < 0) { end = text.length; }
    els.body.focus();
    if (typeof column === "number" && column > 0) {
      var at = Math.min(start + column - 1, end);
      els.body.setSelectionRange(at, end);
    } else {
      els.body.setSelectionRange(start, end);
    }
    var lineHeight = parseFloat(window.getComputedStyle(els.body).lineHeight) || 18;
    els.body.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }
})();
