"""`/`, `/curate` and `/static/`: the SPARQL query page (YASGUI), the curator page and the files they load,
all served by this app.

Include with `app.include_router(partnergraph.web.routes.router)`; nothing else needs mounting.
The page reads the canned queries from the runtime's CannedQueryService (built in the lifespan).
"""

from __future__ import annotations

import html
import json
import logging
import re
from functools import cache
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import quote, unquote, urlencode
from weakref import WeakKeyDictionary

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from partnergraph.namespaces import PREFIXES
from partnergraph.services.querying.canned_queries import EDITOR_EXAMPLE_QUERY, CannedQueryService
from partnergraph.services.querying.catalogue import CannedQuery, Catalogue

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_PATH = WEB_DIR / "templates" / "index.html"
CURATE_TEMPLATE_PATH = WEB_DIR / "templates" / "curate.html"
DOCS_TEMPLATE_PATH = WEB_DIR / "templates" / "docs.html"

PAGE_TITLE = "partnergraph — SPARQL"
CURATE_TITLE = "partnergraph — curate"

#: Prefixes declared in the editor's default query, in this order.
PAGE_PREFIXES = ("pg", "pgid", "pgc", "pgg", "org", "time", "prov", "skos", "dct", "foaf",
                 "rdf", "rdfs", "xsd", "owl")


router = APIRouter(include_in_schema=False)
_static_files = StaticFiles(directory=STATIC_DIR)
# A catalogue does not change once loaded: its page entries are built once per catalogue and root path.
_entries_cache: WeakKeyDictionary[Catalogue, dict[str, list[dict[str, Any]]]] = WeakKeyDictionary()


def prologue(prefixes: list[str] | tuple[str, ...]) -> str:
    """PREFIX declarations for the named prefixes of `partnergraph.namespaces.PREFIXES`."""
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in prefixes if p in PREFIXES)


def default_query() -> str:
    """The query the editor opens with: agreements, their parties and signing dates."""
    return prologue(PAGE_PREFIXES) + "\n" + EDITOR_EXAMPLE_QUERY


def prefixes_used(text: str) -> list[str]:
    """Known prefixes that `text` uses as `prefix:` but does not declare itself."""
    declared = {m.lower() for m in re.findall(r"(?im)^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", text)}
    return [p for p in PREFIXES
            if p.lower() not in declared and re.search(rf"(?<![\w.:/<#-]){re.escape(p)}:", text)]


def canned_query_entry(service: CannedQueryService, query: CannedQuery, base: str) -> dict[str, Any]:
    """What the page shows and opens for one canned query (title, summary, REST URL, editor text)."""
    examples = query.example_params()
    rest_url = f"{base}/api/queries/{quote(query.name)}"
    if examples:
        rest_url += "?" + urlencode(examples, doseq=True)
    rest_label = unquote(rest_url)
    header = [f"# Canned query {query.name}: {query.title}",
              f"# The API runs it with its parameters bound: {rest_label}"]
    text, written = service.editor_text(query)
    if not written:
        header.append("# Its example parameters could not be written into this text: "
                      "give them values before running it here.")
    elif examples:
        header.append("# Here its example parameters are written as a VALUES block at the start "
                      "of its WHERE pattern.")
    text = text.strip()
    editor = "\n".join(header) + "\n" + prologue(prefixes_used(text)) + "\n" + text + "\n"
    return {
        "name": query.name,
        "title": query.title,
        "summary": query.summary,
        "form": query.form,
        "rest_url": rest_url,
        "rest_label": rest_label,
        "params": {name: values if len(values) > 1 else values[0] for name, values in examples.items()},
        "text": editor,
    }


def canned_queries(request: Request, base: str) -> tuple[list[dict[str, Any]], str | None]:
    """The catalogue's queries as page entries, or an empty list and the message to show instead."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return [], "This server has no canned query catalogue; the editor works without it."
    service: CannedQueryService = runtime.canned_queries
    catalogue = service.catalogue
    cached = _entries_cache.setdefault(catalogue, {})
    if base not in cached:
        try:
            entries = [canned_query_entry(service, catalogue.get(name), base) for name in catalogue.names()]
        except Exception:  # noqa: BLE001 - a broken catalogue must not take the query page down
            log.exception("the query page could not list the canned queries")
            return [], "The canned queries could not be loaded; the editor works without them."
        cached[base] = entries
    if not cached[base]:
        return [], "There are no canned queries yet."
    return cached[base], None


def _script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element (no `</script>`, no HTML comment openers)."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _canned_list_html(entries: list[dict[str, Any]]) -> str:
    items = []
    for entry in entries:
        e = {k: html.escape(str(v)) for k, v in entry.items() if isinstance(v, str)}
        summary = f'\n      <p class="canned-summary">{e["summary"]}</p>' if entry["summary"] else ""
        items.append(
            f'    <li class="canned-query" data-query="{e["name"]}">\n'
            f'      <h3 class="canned-title">{e["title"]}</h3>{summary}\n'
            f'      <p class="canned-actions">'
            f'<button type="button" class="open-query" data-query="{e["name"]}">'
            f'Open <span class="visually-hidden">{e["title"]} </span>in editor</button> '
            f'<a class="rest-link" href="{e["rest_url"]}">{e["rest_label"]}</a></p>\n'
            f"    </li>")
    return "\n".join(items)


@cache
def _template() -> Template:
    return Template(TEMPLATE_PATH.read_text(encoding="utf-8"))


def render_page(request: Request) -> str:
    """The query page's HTML for this request (URLs relative to the app's root path)."""
    base = request.scope.get("root_path", "").rstrip("/")
    entries, message = canned_queries(request, base)
    docs_url = getattr(request.app, "docs_url", None) or "/docs"
    data = {
        "endpoint": f"{base}/sparql",
        "prefixes": {p: PREFIXES[p] for p in PAGE_PREFIXES},
        "default_query": default_query(),
        "queries": entries,
    }
    values = {
        "title": PAGE_TITLE,
        "static": f"{base}/static",
        "docs_url": f"{base}{docs_url}",
        "queries_url": f"{base}/api/queries",
        "curate_url": f"{base}/curate",
        "endpoint": f"{base}/sparql",
        "canned_status": message or f"{len(entries)} canned queries. Open one in a new editor tab, "
                                    "or follow its link to run it through the JSON API.",
        "status_class": "status-message" if message else "status-ok",
    }
    escaped = {k: html.escape(v) for k, v in values.items()}
    return _template().substitute(escaped, canned_list=_canned_list_html(entries),
                               page_data=_script_json(data))


@cache
def _curate_template() -> Template:
    return Template(CURATE_TEMPLATE_PATH.read_text(encoding="utf-8"))


def render_curate_page(request: Request) -> str:
    """The curator page's HTML for this request (URLs relative to the app's root path)."""
    base = request.scope.get("root_path", "").rstrip("/")
    docs_url = getattr(request.app, "docs_url", None) or "/docs"
    data = {
        "validate_url": f"{base}/api/validate",
        "ingest_url": f"{base}/api/ingest",
        "batches_url": f"{base}/api/batches",
        "prefixes": dict(PREFIXES),
    }
    values = {
        "title": CURATE_TITLE,
        "static": f"{base}/static",
        "query_url": f"{base}/",
        "docs_url": f"{base}{docs_url}",
        "batches_url": f"{base}/api/batches",
    }
    escaped = {k: html.escape(v) for k, v in values.items()}
    return _curate_template().substitute(escaped, page_data=_script_json(data))


@cache
def _docs_template() -> Template:
    return Template(DOCS_TEMPLATE_PATH.read_text(encoding="utf-8"))


@router.get("/docs", response_class=HTMLResponse, name="docs_page")
def docs_page(request: Request) -> HTMLResponse:
    """The OpenAPI page: Swagger UI from the app's own static files (no CDN), the validator badge off."""
    base = request.scope.get("root_path", "").rstrip("/")
    values = {"static": f"{base}/static", "openapi_url": f"{base}{request.app.openapi_url}"}
    return HTMLResponse(_docs_template().substitute({k: html.escape(v) for k, v in values.items()}))


@router.get("/curate", response_class=HTMLResponse, name="curate_page")
def curate_page(request: Request) -> HTMLResponse:
    """The curator page: paste or upload RDF, validate it (dry run) or submit it with a token."""
    return HTMLResponse(render_curate_page(request))


@router.get("/", response_class=HTMLResponse, name="query_page")
def query_page(request: Request) -> HTMLResponse:
    """The SPARQL query page: YASGUI on `/sparql`, the default query and the canned queries."""
    return HTMLResponse(render_page(request))


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"], name="static")
async def static_file(path: str, request: Request) -> Response:
    """A file under `web/static/` (the vendored YASGUI bundle, app.js, curate.js, the CSS)."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts:
        raise HTTPException(status_code=404)
    return await _static_files.get_response("/".join(parts), request.scope)
