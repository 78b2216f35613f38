/* partnergraph query page: YASGUI on this server's /sparql, offline, with the canned queries as examples.
 *
 * Everything the page needs comes from this server. YASGUI's features that call other hosts are off:
 * its default endpoint and endpoint catalogue (dbpedia, wikidata), the prefix.cc lookup (prefixCcApi),
 * the Linked Open Vocabularies property/class autocompleters, the URL shortener and the CORS proxy.
 */
(function () {
  "use strict";

  var pageData = readPageData();
  var editorStatus = document.getElementById("editor-status");
  var cannedStatus = document.getElementById("canned-status");

  function readPageData() {
    var el = document.getElementById("pg-page-data");
    try {
      return JSON.parse(el.textContent);
    } catch (err) {
      return { endpoint: "sparql", prefixes: {}, default_query: "SELECT * WHERE { ?s ?p ?o } LIMIT 10", queries: [] };
    }
  }

  function showEditorProblem(message) {
    editorStatus.textContent = message;
    editorStatus.hidden = false;
  }

  // The endpoint is relative to the page (it honours a root path); YASGUI wants an absolute URL.
  var endpoint = new URL(pageData.endpoint, window.location.href).href;

  if (typeof window.Yasgui !== "function") {
    showEditorProblem("The query editor could not be loaded. You can still send SPARQL queries to "
      + endpoint + " or use the canned queries' links.");
    return;
  }
  var Yasgui = window.Yasgui;

  // Offline autocompletion only: prefixes from YASQE's bundled list and variables from the query.
  // "property" and "class" fetch suggestions from lov.linkeddata.es, so they are not registered.
  // Set on the defaults too: YASGUI merges arrays index by index, so a shorter list would not win.
  var completers = ["prefixes", "variables"];
  Yasgui.Yasqe.defaults.autocompleters = completers.slice();
  Yasgui.defaults.yasqe.autocompleters = completers.slice();
  Yasgui.Yasqe.defaults.prefixCcApi = null;

  function ourEndpoint() {
    return [{ endpoint: endpoint }];
  }

  // A shared link (#query=...&endpoint=...) opens its query here, but always against this server.
  function pinEndpoint(tabConfig) {
    tabConfig.requestConfig = Object.assign({}, tabConfig.requestConfig, { endpoint: endpoint });
    return tabConfig;
  }

  var yasgui;
  try {
    yasgui = new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: { getData: ourEndpoint },
      corsProxy: undefined,
      populateFromUrl: pinEndpoint,
      persistenceId: null,
      autofocus: false,
      tabName: "Query",
      yasqe: {
        value: pageData.default_query,
        persistenceId: null,
        prefixCcApi: null,
        autocompleters: completers,
        collapsePrefixesOnLoad: true,
        screenReaderLabel: "SPARQL query",
      },
      yasr: { persistenceId: null, prefixes: pageData.prefixes },
    });
  } catch (err) {
    showEditorProblem("The query editor failed to start: " + err.message);
    return;
  }
  window.partnergraphYasgui = yasgui; // for the browser tests and the curious

  var queriesByName = {};
  (pageData.queries || []).forEach(function (entry) {
    queriesByName[entry.name] = entry;
  });

  function openCannedQuery(name) {
    var entry = queriesByName[name];
    if (!entry) {
      return;
    }
    var tab = yasgui.addTab(true, {
      name: entry.title,
      yasqe: { value: entry.text },
      requestConfig: { endpoint: endpoint },
    }, { avoidDuplicateTabs: true });
    cannedStatus.textContent = "Opened \u201c" + entry.title + "\u201d in the editor.";
    cannedStatus.className = "status-ok";
    document.getElementById("editor").scrollIntoView({ block: "start" });
    if (tab && typeof tab.getYasqe === "function" && tab.getYasqe()) {
      tab.getYasqe().focus();
    }
  }

  document.querySelectorAll("button.open-query").forEach(function (button) {
    button.addEventListener("click", function () {
      openCannedQuery(button.getAttribute("data-query"));
    });
  });
})();
