"""The curator page at `/curate`: paste RDF, validate it, submit it with a token, read the report.

Each browser test drives Debian's chromium against the real app under uvicorn on a temporary on-disk store
with a token file (this module's `live_server` replaces the shared in-memory one, so `watched_page` from
conftest.py opens this server); every request to another host is aborted and fails the test.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from partnergraph.web.routes import CURATE_TITLE, render_curate_page
from tests.curation_samples import PGID, PREFIXES, SOURCE

TIMEOUT_MS = 60_000
SCREENSHOT = "/tmp/partnergraph-curate-page.png"
# The signature is described from line 8 on; it names an agreement the store does not have.
UNKNOWN_AGREEMENT = PREFIXES + """
pgid:signature\\/us-slv-aca-2019-curate-page
    a pg:Signature ;
    pg:ofAgreement pgid:agreement\\/no-such-agreement ;
    pg:signatory pgid:person\\/kevin-k-mcaleenan ;
    pg:onBehalfOf pgid:state\\/SLV ;
    pg:signingDate "2019-09-20"^^xsd:date ;
    prov:wasDerivedFrom pgid:source\\/dhs-2019-09-20-joint-statement-el-salvador .
"""
UNKNOWN_FOCUS = PGID + "signature/us-slv-aca-2019-curate-page"
PERSON = PREFIXES + """
pgid:person\\/curate-page-person a foaf:Person ;
    foaf:name "Curate Page Person" ;
    skos:prefLabel "Curate Page Person"@en ;
    prov:wasDerivedFrom pgid:source\\/dhs-2019-09-20-joint-statement-el-salvador .
"""


@pytest.fixture(scope="module")
def curator(tmp_path_factory):
    """A temporary on-disk store, its token file with one curator token, and the app's settings."""
    from partnergraph.services.tokens import TokenRegistry
    from partnergraph.settings import Settings

    root = tmp_path_factory.mktemp("curate-page")
    settings = Settings(store=str(root / "store"), tokens_file=str(root / "tokens.json"), query_workers=1)
    _, secret = TokenRegistry(root / "tokens.json").create("carla", "curator")
    return settings, secret


@pytest.fixture(scope="module")
def live_server(curator, serve_app):
    """This module's server: the real app on the curator store (overrides conftest's in-memory one)."""
    from partnergraph.app import create_app

    with serve_app(create_app(curator[0])) as url:
        yield url


@pytest.fixture
def token(curator) -> str:
    return curator[1]


def open_curate_page(watch):
    """Load `/curate` and wait until its script has wired the buttons."""
    response = watch.page.goto("/curate", wait_until="networkidle")
    assert response is not None and response.status == 200
    watch.page.wait_for_selector("#validate-button:enabled", timeout=TIMEOUT_MS)
    return watch.page


def fill_batch(page, body: str, source: str = SOURCE) -> None:
    page.fill("#rdf-body", body)
    page.fill("#source-1", source)


def assert_offline_and_clean(watch) -> None:
    assert watch.foreign_requests == [], f"requests to other hosts: {watch.foreign_requests}"
    elsewhere = [url for url in watch.requests if urlsplit(url).scheme in ("http", "https")
                 and not url.startswith(watch.origin + "/")]
    assert elsewhere == [], f"requests that bypassed the route guard: {elsewhere}"
    assert watch.page_errors == [], f"uncaught exceptions: {watch.page_errors}"
    unexpected = [e for e in watch.console_errors if "status of 4" not in e]  # refused writes log a 4xx
    assert unexpected == [], f"console errors: {unexpected}"


def api_request(page, path: str):
    """Wait for the page's POST to `path` while the caller clicks."""
    return page.expect_response(lambda r: urlsplit(r.url).path == path and r.request.method == "POST",
                                timeout=TIMEOUT_MS)


def test_page_loads_offline_with_links_back(watched_page):
    page = open_curate_page(watched_page)

    assert page.title() == CURATE_TITLE
    assert page.get_by_role("heading", level=1).inner_text() == CURATE_TITLE
    assert page.locator("header nav #link-query").get_attribute("href") == "/"
    assert page.locator("header nav #link-docs").get_attribute("href") == "/docs"
    assert page.locator("#token").get_attribute("type") == "password"
    assert page.get_by_role("button", name="Validate").is_visible()
    assert page.get_by_role("button", name="Submit").is_visible()
    formats = page.locator("#rdf-format option").all_inner_texts()
    assert {"Turtle", "N-Triples", "TriG", "JSON-LD", "RDF/XML"} <= set(formats)

    assert_offline_and_clean(watched_page)
    assert watched_page.requests, "Playwright saw no request at all"
    loaded = {urlsplit(url).path for url in watched_page.requests}
    assert {"/curate", "/static/curate.js", "/static/curate.css", "/static/app.css"} <= loaded


def test_query_page_links_to_the_curator_page(watched_page):
    page = watched_page.page
    page.goto("/", wait_until="domcontentloaded")
    link = page.locator("header nav #link-curate")
    assert link.get_attribute("href") == "/curate"
    with page.expect_navigation(timeout=TIMEOUT_MS) as navigation:
        link.click()
    assert navigation.value.status == 200
    page.wait_for_selector("#validate-button:enabled", timeout=TIMEOUT_MS)
    assert urlsplit(page.url).path == "/curate"


def test_invalid_batch_shows_its_violations_grouped_by_focus_node(watched_page, live_server):
    page = open_curate_page(watched_page)
    fill_batch(page, UNKNOWN_AGREEMENT)
    page.click("#add-source")
    page.locator("#source-list input.source-input").nth(1).fill(SOURCE)
    page.fill("#comment", "checking the curator page")

    with api_request(page, "/api/validate") as info:
        page.get_by_role("button", name="Validate").click()
    response = info.value
    assert response.status == 200
    sent = parse_qs(urlsplit(response.url).query)
    assert sent["source"] == [SOURCE, SOURCE] and sent["comment"] == ["checking the curator page"]
    assert response.request.headers["content-type"].startswith("text/turtle")
    assert "authorization" not in response.request.headers

    group = page.locator(f'#report-table tbody.focus-group[data-focus-node="{UNKNOWN_FOCUS}"]')
    group.wait_for(timeout=TIMEOUT_MS)
    assert group.locator(".focus-node").inner_text() == "pgid:signature/us-slv-aca-2019-curate-page"
    assert group.locator(".focus-line").get_attribute("data-line") == "8"
    assert "line 8" in group.locator(".focus-line").inner_text()

    violation = group.locator("tr.result-row", has=page.locator("td.result-path", has_text="pg:ofAgreement"))
    assert violation.get_attribute("data-severity") == "Violation"
    assert violation.locator(".badge").inner_text() == "Violation"
    assert violation.locator("td.result-value").inner_text() == "pgid:agreement/no-such-agreement"
    assert "A signature needs exactly one pg:ofAgreement" in violation.locator("td.result-message").inner_text()

    report = response.json()["validation"]
    counts = {sev: page.locator(f'#report-counts li[data-severity="{sev}"] .count-number').inner_text()
              for sev in ("Violation", "Warning", "Info")}
    assert counts == {"Violation": str(report["violations"]), "Warning": str(report["warnings"]),
                      "Info": str(report["infos"])}
    assert report["violations"] >= 1
    assert page.locator("#report-table tr.result-row").count() == len(report["results"])
    assert "Not valid" in page.locator("#status").inner_text()

    # Nothing was written by the dry run.
    batches = httpx.get(live_server + "/api/batches", params={"curator": "carla"}, timeout=30).json()
    assert all(b["comment"] != "checking the curator page" for b in batches["batches"])
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert_offline_and_clean(watched_page)


def test_valid_batch_submitted_with_the_token_is_written(watched_page, live_server, token):
    page = open_curate_page(watched_page)
    fill_batch(page, PERSON)
    page.fill("#comment", "a person from the curator page")
    page.fill("#token", token)

    with api_request(page, "/api/ingest") as info:
        page.get_by_role("button", name="Submit").click()
    response = info.value
    assert response.status == 201, response.text()
    assert response.request.headers["authorization"] == f"Bearer {token}"

    page.wait_for_selector("#batch-result:not([hidden])", timeout=TIMEOUT_MS)
    batch_id = page.locator("#batch-id").inner_text()
    assert batch_id == response.json()["batch"]["id"]
    assert page.locator("#batch-triples").inner_text() == "4"
    assert page.locator("#batch-graph").inner_text() == response.json()["batch"]["graph"]
    assert page.locator("#batch-link").get_attribute("href") == f"/api/batches/{batch_id}"

    record = httpx.get(f"{live_server}/api/batches/{batch_id}", timeout=30)
    assert record.status_code == 200
    assert record.json()["batch"]["id"] == batch_id
    assert record.json()["batch"]["curator"] == "carla"
    assert record.json()["batch"]["comment"] == "a person from the curator page"
    assert len(record.json()["triples"]) == 4

    # The token went nowhere but the header: no cookie, no localStorage, no sessionStorage unless asked.
    stored = page.evaluate("() => [document.cookie, localStorage.length, sessionStorage.length]")
    assert stored == ["", 0, 0]
    page.check("#remember-token")
    assert page.evaluate("() => Object.values(sessionStorage)") == [token]
    page.reload(wait_until="networkidle")
    assert page.input_value("#token") == token and page.is_checked("#remember-token")
    page.uncheck("#remember-token")
    assert page.evaluate("() => [document.cookie, localStorage.length, sessionStorage.length]") == ["", 0, 0]
    assert_offline_and_clean(watched_page)


def test_wrong_token_shows_the_401_message(watched_page, live_server):
    page = open_curate_page(watched_page)
    fill_batch(page, PERSON.replace("curate-page-person", "never-written-person"))
    page.fill("#token", "not-a-real-token")

    with api_request(page, "/api/ingest") as info:
        page.get_by_role("button", name="Submit").click()
    assert info.value.status == 401
    error = page.locator("#error")
    error.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert "401" in error.inner_text()
    assert "the token is not valid (unknown or revoked)" in error.inner_text()
    assert page.locator("#batch-result").is_hidden()
    batches = httpx.get(live_server + "/api/batches", timeout=30).json()["batches"]
    assert all("never-written-person" not in str(b) for b in batches)
    assert_offline_and_clean(watched_page)


def test_refused_submit_and_syntax_error_are_shown_plainly(watched_page, token):
    page = open_curate_page(watched_page)
    fill_batch(page, UNKNOWN_AGREEMENT)
    page.fill("#token", token)
    with api_request(page, "/api/ingest") as info:
        page.get_by_role("button", name="Submit").click()
    assert info.value.status == 422
    page.wait_for_selector(f'tbody.focus-group[data-focus-node="{UNKNOWN_FOCUS}"]', timeout=TIMEOUT_MS)
    assert "validation_failed" in page.locator("#error").inner_text()
    assert page.locator("#batch-result").is_hidden()

    # A body that does not parse: the message and its line and column, and nothing else.
    page.fill("#rdf-body", "@prefix x: <https://example.org/> .\nx:a x:b .\n")
    with api_request(page, "/api/validate") as info:
        page.get_by_role("button", name="Validate").click()
    assert info.value.status == 400
    details = info.value.json()["details"][0]
    position = page.locator("#error .error-position")
    position.wait_for(timeout=TIMEOUT_MS)
    assert f"Line {details['line']}, column {details['column']}" in position.inner_text()
    assert info.value.json()["message"] in page.locator("#error").inner_text()
    assert page.locator("#report").is_hidden()

    # A missing source is the server's word, shown as it is.
    page.fill("#rdf-body", PERSON)
    page.fill("#source-1", "")
    with api_request(page, "/api/validate") as info:
        page.get_by_role("button", name="Validate").click()
    assert info.value.status == 422
    page.wait_for_selector("#error:not([hidden])", timeout=TIMEOUT_MS)
    assert info.value.json()["message"] in page.locator("#error").inner_text()
    assert_offline_and_clean(watched_page)


def test_uploaded_file_fills_the_text_and_guesses_the_format(watched_page, tmp_path):
    page = open_curate_page(watched_page)
    upload = tmp_path / "person.nt"
    upload.write_text(f"<{PGID}person/x> <http://xmlns.com/foaf/0.1/name> \"X\" .\n", encoding="utf-8")
    page.set_input_files("#rdf-file", str(upload))
    page.wait_for_function("() => document.getElementById('rdf-body').value.length > 0", timeout=TIMEOUT_MS)
    assert page.input_value("#rdf-body") == upload.read_text(encoding="utf-8")
    assert page.input_value("#rdf-format") == "application/n-triples"
    assert "person.nt" in page.locator("#file-status").inner_text()


def test_server_text_is_shown_as_text_not_markup(watched_page):
    page = open_curate_page(watched_page)
    hostile = "<img src=x onerror=\"window.pwned=1\">"
    page.route("**/api/validate*", lambda route: route.fulfill(status=400, content_type="application/json", json={
        "ok": False, "status": 400, "code": "rdf_syntax_error", "message": hostile,
        "details": [{"line": 1, "column": 1}]}))
    fill_batch(page, PERSON)
    page.get_by_role("button", name="Validate").click()
    page.wait_for_selector("#error:not([hidden])", timeout=TIMEOUT_MS)
    assert hostile in page.locator("#error").inner_text()
    assert page.locator("#error img").count() == 0
    assert page.evaluate("() => window.pwned") is None


def request_for(app: FastAPI, root_path: str = "") -> Request:
    return Request({"type": "http", "app": app, "root_path": root_path, "headers": [],
                    "method": "GET", "path": root_path + "/curate"})


def test_curate_page_links_honour_the_root_path():
    page = render_curate_page(request_for(FastAPI(), root_path="/pg"))
    assert 'src="/pg/static/curate.js"' in page
    assert 'href="/pg/static/curate.css"' in page
    assert 'href="/pg/"' in page and 'href="/pg/docs"' in page
    assert '"validate_url": "/pg/api/validate"' in page
    assert '"ingest_url": "/pg/api/ingest"' in page


def test_curate_page_is_not_in_the_openapi_schema(live_server):
    schema = httpx.get(live_server + "/openapi.json", timeout=30).json()
    assert "/curate" not in schema["paths"]
