"""The query page at `/`: YASGUI on our `/sparql`, working offline, with the canned queries as examples.

Each test drives Debian's chromium against the real app served by uvicorn (see conftest.py); every
request to a host other than the test server is aborted and fails the test.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from partnergraph.services.querying.canned_queries import CannedQueryService
from partnergraph.services.querying.catalogue import Catalogue
from partnergraph.web.routes import PAGE_TITLE, render_page

SCREENSHOT = "/tmp/partnergraph-query-page.png"
EDITOR = "#yasgui .yasqe .CodeMirror"
RESULT_ROWS = "#yasgui .yasr .dataTable tbody tr"
TIMEOUT_MS = 60_000


def open_query_page(watch):
    """Load `/` and wait until YASGUI has drawn its editor."""
    response = watch.page.goto("/", wait_until="networkidle")
    assert response is not None and response.status == 200
    watch.page.wait_for_selector(EDITOR, timeout=TIMEOUT_MS)
    return watch.page


def editor_value(page) -> str:
    return page.evaluate("() => window.partnergraphYasgui.getTab().getYasqe().getValue()")


def assert_offline_and_clean(watch) -> None:
    assert watch.foreign_requests == [], f"requests to other hosts: {watch.foreign_requests}"
    elsewhere = [url for url in watch.requests if urlsplit(url).scheme in ("http", "https")
                 and not url.startswith(watch.origin + "/")]
    assert elsewhere == [], f"requests that bypassed the route guard: {elsewhere}"
    assert watch.page_errors == [], f"uncaught exceptions: {watch.page_errors}"
    assert watch.console_errors == [], f"console errors: {watch.console_errors}"


def test_page_loads_offline_without_console_errors(watched_page):
    page = open_query_page(watched_page)

    assert page.title() == PAGE_TITLE
    assert page.get_by_role("heading", level=1).inner_text() == PAGE_TITLE
    value = editor_value(page)
    assert "PREFIX pg: <https://w3id.org/partnergraph/ontology#>" in value
    assert "PREFIX pgid: <https://w3id.org/partnergraph/id/>" in value
    endpoint = page.evaluate("() => window.partnergraphYasgui.getTab().getEndpoint()")
    assert endpoint == watched_page.origin + "/sparql"

    # Typing a prefix and a predicate must not reach out either (prefix.cc, Linked Open Vocabularies).
    page.click(EDITOR)
    page.evaluate("""() => {
        const yasqe = window.partnergraphYasgui.getTab().getYasqe();
        const line = yasqe.getValue().split("\\n").findIndex(l => /WHERE\\s*\\{/.test(l));
        yasqe.setCursor({line: line, ch: yasqe.getLine(line).length});
    }""")
    page.keyboard.type("\n  ?s rdfs:lab")
    page.keyboard.press("Control+Space")
    page.keyboard.type("\n  ?s a foaf:Pers")
    page.keyboard.press("Control+Space")
    page.wait_for_timeout(1000)
    page.wait_for_load_state("networkidle")

    assert_offline_and_clean(watched_page)
    loaded = {urlsplit(url).path for url in watched_page.requests}
    assert {"/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css",
            "/static/app.js", "/static/app.css"} <= loaded


def test_default_query_shows_result_rows(watched_page):
    page = open_query_page(watched_page)

    with page.expect_response(lambda r: urlsplit(r.url).path == "/sparql", timeout=TIMEOUT_MS) as info:
        page.click("#yasgui .yasqe_queryButton")
    assert info.value.status == 200
    page.wait_for_selector(RESULT_ROWS, timeout=TIMEOUT_MS)

    rows = page.locator(RESULT_ROWS)
    assert rows.count() > 0
    assert "agreement" in page.locator("#yasgui .yasr .dataTable thead").inner_text()
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert_offline_and_clean(watched_page)


def test_canned_query_opens_in_a_new_editor_tab(watched_page):
    page = open_query_page(watched_page)
    data = json.loads(page.locator("#pg-page-data").text_content())
    selects = [entry for entry in data["queries"] if entry["form"] == "SELECT"]
    assert selects, "the catalogue offers no canned SELECT query to open"
    first = selects[0]
    item = page.locator(f'li.canned-query[data-query="{first["name"]}"]')
    assert item.locator("h3").inner_text() == first["title"]

    button = item.get_by_role("button", name=f"Open {first['title']} in editor")
    button.focus()
    page.keyboard.press("Enter")  # keyboard-usable: a real <button>

    page.wait_for_function(
        "name => window.partnergraphYasgui.getTab().getName() === name", arg=first["title"],
        timeout=TIMEOUT_MS)
    value = editor_value(page)
    assert value == first["text"]
    assert f"/api/queries/{first['name']}" in value
    tab_names = page.locator("#yasgui .tabsList .tab").all_inner_texts()
    assert len(tab_names) == 2

    link = item.locator("a.rest-link")
    assert link.get_attribute("href") == first["rest_url"]
    api = page.request.get(first["rest_url"])
    assert api.status == 200, api.text()
    api_body = api.json()
    assert api_body["ok"] is True

    # Run in the editor (focus is there), it gives the rows the API gives for the example values.
    with page.expect_response(lambda r: urlsplit(r.url).path == "/sparql", timeout=TIMEOUT_MS) as info:
        page.keyboard.press("Control+Enter")
    assert info.value.status == 200
    page.wait_for_function(
        "() => { const y = window.partnergraphYasgui.getTab().getYasr(); return !!(y && y.results); }",
        timeout=TIMEOUT_MS)
    in_editor = page.evaluate(
        "() => window.partnergraphYasgui.getTab().getYasr().results.getBindings().length")
    if api_body.get("truncated"):
        assert in_editor >= len(api_body["rows"])
    else:
        assert in_editor == len(api_body["rows"])
    assert_offline_and_clean(watched_page)


def test_shared_link_runs_its_query_on_this_server_only(watched_page):
    page = watched_page.page
    shared = "/?" + urlencode({"query": "ASK { ?s ?p ?o }", "endpoint": "https://dbpedia.org/sparql"})
    with page.expect_response(lambda r: urlsplit(r.url).path == "/sparql", timeout=TIMEOUT_MS) as info:
        page.goto(shared)
    assert info.value.status == 200
    page.wait_for_selector(EDITOR, timeout=TIMEOUT_MS)
    assert editor_value(page) == "ASK { ?s ?p ?o }"
    assert page.evaluate("() => window.partnergraphYasgui.getTab().getEndpoint()") == \
        watched_page.origin + "/sparql"
    assert_offline_and_clean(watched_page)


@pytest.mark.parametrize(("link", "path", "expect"), [
    ("#link-docs", "/docs", "text/html"),
    ("#link-queries-api", "/api/queries", "application/json"),
])
def test_header_link_leads_to_a_working_page(watched_page, link, path, expect):
    page = open_query_page(watched_page)
    anchor = page.locator(f"header nav {link}")
    assert anchor.get_attribute("href") == path

    with page.expect_navigation(timeout=TIMEOUT_MS) as navigation:
        anchor.click()
    response = navigation.value
    assert response.status == 200
    assert response.headers["content-type"].startswith(expect)
    assert urlsplit(page.url).path == path
    assert watched_page.foreign_from("/") == []


def test_canned_query_list_link_targets_the_list(watched_page):
    page = open_query_page(watched_page)
    page.locator("header nav #link-canned").click()
    assert page.url.endswith("#canned-queries")
    assert page.get_by_role("heading", name="Canned queries").is_visible()


def test_static_files_do_not_escape_their_directory(live_server):
    with httpx.Client(base_url=live_server) as client:
        assert client.get("/static/app.js").status_code == 200
        assert client.get("/static/../routes.py").status_code == 404
        assert client.get("/static/..%2Froutes.py").status_code == 404


def page_data(client: httpx.Client) -> dict:
    page = client.get("/")
    assert page.status_code == 200
    start = page.text.index('<script type="application/json" id="pg-page-data">')
    body = page.text[page.text.index(">", start) + 1:page.text.index("</script>", start)]
    return json.loads(body)


def test_every_canned_query_opens_with_the_rows_its_api_link_gives(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as client:
        entries = page_data(client)["queries"]
        assert entries, "the catalogue offers no canned queries"
        for entry in entries:
            api = client.get(entry["rest_url"])
            assert api.status_code == 200, (entry["name"], api.text)
            sparql = client.post("/sparql", content=entry["text"].encode(), headers={
                "content-type": "application/sparql-query",
                "accept": "application/sparql-results+json, application/n-triples;q=0.9"})
            assert sparql.status_code == 200, (entry["name"], sparql.text)
            if not sparql.headers["content-type"].startswith("application/sparql-results+json"):
                continue  # CONSTRUCT or DESCRIBE: the API answers with RDF, not rows
            results = sparql.json()
            if "boolean" in results:
                continue
            bindings = results["results"]["bindings"]
            rows = api.json()["rows"]
            if api.json().get("truncated"):
                assert len(bindings) >= len(rows), entry["name"]
            else:
                assert len(bindings) == len(rows), entry["name"]


def request_for(app: FastAPI, root_path: str = "") -> Request:
    return Request({"type": "http", "app": app, "root_path": root_path, "headers": [],
                    "method": "GET", "path": root_path + "/"})


def test_page_without_a_catalogue_still_offers_the_editor():
    page = render_page(request_for(FastAPI()))
    assert 'id="yasgui"' in page
    assert "no canned query catalogue" in page


def test_page_links_honour_the_root_path():
    page = render_page(request_for(FastAPI(), root_path="/pg"))
    assert 'href="/pg/static/app.css"' in page
    assert 'src="/pg/static/vendor/yasgui/yasgui.min.js"' in page
    assert 'href="/pg/docs"' in page
    assert 'href="/pg/api/queries"' in page
    assert '"endpoint": "/pg/sparql"' in page


def test_query_header_text_cannot_break_out_of_the_page(tmp_path):
    (tmp_path / "odd-title.rq").write_text(
        "#+ title: </script><script>alert(1)</script>\n"
        "#+ summary: Fish & chips <b>bold</b>\n"
        "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\n", encoding="utf-8")
    app = FastAPI()
    catalogue = Catalogue.from_directory(tmp_path)
    app.state.runtime = SimpleNamespace(canned_queries=CannedQueryService(
        catalogue, executor=None, timeout=1, default_limit=10, max_limit=10))  # the page runs no query
    page = render_page(request_for(app))
    assert "<script>alert(1)" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Fish &amp; chips &lt;b&gt;bold&lt;/b&gt;" in page
    assert page.count("</script>") == 3  # the page data and the two script elements


def test_openapi_page_works_offline_and_lists_every_canned_query(watched_page):
    page = watched_page.page
    response = page.goto("/docs", wait_until="networkidle")
    assert response is not None and response.status == 200
    page.wait_for_selector(".swagger-ui .opblock", timeout=TIMEOUT_MS)
    text = page.inner_text(".swagger-ui")
    catalogue = httpx.get(watched_page.origin + "/api/queries", timeout=30).json()["queries"]
    for entry in catalogue:
        assert f"/api/queries/{entry['name']}" in text
    assert_offline_and_clean(watched_page)
