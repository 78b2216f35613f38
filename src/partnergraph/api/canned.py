"""`/api/queries`: the canned-query catalogue as plain JSON/CSV endpoints, one OpenAPI operation each."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from partnergraph.api.deps import CannedQueriesDep, get_canned_queries
from partnergraph.api.hosts import absolute_url, base_url
from partnergraph.api.negotiation import negotiate
from partnergraph.api.streaming import cut_on_error
from partnergraph.rdf.formats import GRAPH_FORMATS, Representation
from partnergraph.services.querying.canned_queries import CannedResult
from partnergraph.services.querying.catalogue import CannedQuery

router = APIRouter(tags=["Canned queries"])

ENVELOPE = Representation("envelope", "application/json")
CSV = Representation("csv", "text/csv")
SPARQL_JSON = Representation("sparql-json", "application/sparql-results+json")
TABLE_FORMATS = (ENVELOPE, CSV, SPARQL_JSON)

_ENVELOPE_SCHEMA = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean", "const": True},
        "query": {"type": "string"},
        "params": {"type": "object"},
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object"}},
        "truncated": {"type": "boolean", "description": "true when more rows follow (see `next`)"},
        "limit": {"type": ["integer", "null"]},
        "offset": {"type": "integer"},
        "next": {"type": ["string", "null"], "description": "URL of the next page, or null"},
    },
    "required": ["ok", "query", "params", "columns", "rows", "truncated", "next"],
}
_ERROR_SCHEMA = {
    "type": "object",
    "properties": {"ok": {"const": False}, "status": {"type": "integer"}, "code": {"type": "string"},
                   "message": {"type": "string"}, "details": {"type": "array"}},
    "required": ["ok", "status", "code", "message", "details"],
}


@router.get("/api/queries", summary="List the canned queries",
            description="Every canned query with its title, description and declared parameters.")
def list_queries(request: Request, service: CannedQueriesDep) -> dict:
    """The catalogue."""
    base = base_url(request)
    entries = []
    for query in service.catalogue:
        entry = service.describe(query)
        example = {k: v for k, v in query.example_params().items()}
        entry["url"] = f"{base}/api/queries/{query.name}"
        entry["example_url"] = entry["url"] + (("?" + urlencode(example, doseq=True)) if example else "")
        entries.append(entry)
    return {"ok": True, "queries": entries}


def _next_url(request: Request, result: CannedResult) -> str | None:
    if not result.truncated or result.limit is None:
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
    params += [("limit", str(result.limit)), ("offset", str(result.offset + result.limit))]
    return absolute_url(request, request.url.path, urlencode(params))


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A cell for the canned-query CSV: text that a spreadsheet would run as a formula gets a leading `'`.

    OWASP's CSV injection advice: a cell starting with = + - @ (or a tab or carriage return) is prefixed.
    Numbers and booleans are written as they are; SPARQL's own CSV at /sparql is left as the standard says.
    """
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_body(result: CannedResult) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([spreadsheet_safe(row[c]) for c in result.columns])
    return buffer.getvalue().encode("utf-8")


def run_canned_query(request: Request, name: str, *, force_csv: bool = False) -> Response:
    """Run one canned query with the request's parameters and answer in the negotiated format."""
    service = get_canned_queries(request)
    query = service.catalogue.get(name)
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    fmt = request.query_params.get("format")
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        representation = negotiate(request.headers.get("accept"), GRAPH_FORMATS, fmt)
        result = service.run(name, params, graph_format=representation.name)
        return StreamingResponse(cut_on_error(result.graph_chunks), media_type=representation.content_type)
    representation = CSV if force_csv else negotiate(request.headers.get("accept"), TABLE_FORMATS, fmt)
    result = service.run(name, params, limit=request.query_params.get("limit"),
                         offset=request.query_params.get("offset"))
    next_url = _next_url(request, result)
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    if representation is CSV:
        return Response(_csv_body(result), media_type=CSV.content_type, headers=headers)
    if representation is SPARQL_JSON:
        return Response(json.dumps(result.sparql_json), media_type=SPARQL_JSON.content_type,
                        headers=headers)
    return JSONResponse({"ok": True, "query": result.query, "params": result.params,
                         "columns": result.columns, "rows": result.rows, "truncated": result.truncated,
                         "limit": result.limit, "offset": result.offset, "next": next_url},
                        headers=headers)


@router.get("/api/queries/{name}", include_in_schema=False)
def run_any_query(name: str, request: Request) -> Response:
    """Catch-all for names not in the catalogue (404) and the `.csv` suffix."""
    if name.endswith(".csv"):
        return run_canned_query(request, name[: -len(".csv")], force_csv=True)
    return run_canned_query(request, name)


def _parameter_docs(query: CannedQuery) -> list[dict]:
    docs = []
    for spec in query.params.values():
        entry = {"name": spec.name, "in": "query", "required": spec.required,
                 "schema": spec.value_schema(query.max_items(spec.name) if spec.list else None),
                 "description": (spec.description + "\n\n" if spec.description else "")
                 + f"Expected: {spec.expected()}."
                 + (" Repeat the parameter for several values." if spec.list else "")}
        if spec.list:
            entry.update({"style": "form", "explode": True})
        if spec.example is not None:
            entry["example"] = spec.example if not spec.list or isinstance(spec.example, list) \
                else [spec.example]
        docs.append(entry)
    if query.form == "SELECT":
        docs += [
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1}, "description": "Rows per page."},
            {"name": "offset", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 0}, "description": "Rows to skip."},
        ]
    docs.append({"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "Override content negotiation: "
                 + ("json, csv or srj (SPARQL JSON)." if query.form in ("SELECT", "ASK")
                    else "turtle, ntriples, jsonld, rdfxml, trig or nquads.")})
    return docs


def _responses(query: CannedQuery) -> dict:
    errors = {"description": "Invalid parameter (which one and why)",
              "content": {"application/json": {"schema": _ERROR_SCHEMA}}}
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        ok = {"description": "The graph", "content": {r.media_type: {} for r in GRAPH_FORMATS}}
    else:
        ok = {"description": "One page of results",
              "content": {"application/json": {"schema": _ENVELOPE_SCHEMA}, "text/csv": {},
                          "application/sparql-results+json": {}}}
    return {"200": ok, "404": {"description": "No such query"}, "422": errors,
            "503": {"description": "The query ran over the time limit"}}


def _endpoints(name: str):
    def endpoint(request: Request) -> Response:
        return run_canned_query(request, name)

    def csv_endpoint(request: Request) -> Response:
        return run_canned_query(request, name, force_csv=True)

    return endpoint, csv_endpoint


def add_canned_query_routes(app: FastAPI, queries) -> None:
    """Give every canned query its own documented operation (the JSON API and its `.csv` twin)."""
    for query in queries:
        endpoint, csv_endpoint = _endpoints(query.name)
        description = (query.description or query.summary) + \
            f"\n\nSPARQL form: {query.form}. Source: `queries/{query.name}.rq`."
        app.add_api_route(
            f"/api/queries/{query.name}", endpoint, methods=["GET"], name=f"query_{query.name}",
            summary=query.title, description=description, tags=["Canned queries"],
            operation_id=f"query_{query.name.replace('-', '_')}",
            openapi_extra={"parameters": _parameter_docs(query), "responses": _responses(query)})
        if query.form in ("SELECT", "ASK"):
            app.add_api_route(
                f"/api/queries/{query.name}.csv", csv_endpoint, methods=["GET"],
                name=f"query_{query.name}_csv", include_in_schema=False)

