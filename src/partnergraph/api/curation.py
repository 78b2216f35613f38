"""Curation over HTTP: `/api/ingest`, `/api/validate`, `/api/batches` and the Graph Store Protocol at `/graphs`.

Writes need a bearer token (curator or admin); reads are open. Every write is validated against the
shapes together with the stored data and recorded as a batch (see `services.curation`). A write the
shapes refuse gets 422 with the SHACL report: the error envelope (each result with the line of the body
where its focus node is described, for line-based syntaxes) or Turtle on `Accept: text/turtle`.

Routes are plain `def`: FastAPI runs them in worker threads, so parsing a body or validating it never
holds up the event loop (the body itself is read by the async `BodyDep`, with its size limit).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from partnergraph.api.auth import CuratorDep, OptionalPrincipalDep
from partnergraph.api.deps import BodyDep, read_limited
from partnergraph.api.errors import response_for
from partnergraph.api.hosts import absolute_url
from partnergraph.api.negotiation import negotiate
from partnergraph.api.streaming import cut_on_error
from partnergraph.errors import (AuthenticationRequired, BadRequest, GraphNotFound, InvalidBatch, TooManyRequests,
                                 ValidationFailed)
from partnergraph.rdf.formats import GRAPH_FORMATS, LINE_SYNTAXES, Representation, body_syntax
from partnergraph.rdf.parsing import parse_bytes
from partnergraph.rdf.serializing import serialize_stream
from partnergraph.rdf.source_lines import node_lines
from partnergraph.services.curation.writes import CurationService, WriteOutcome, WriteRequest, check_iri, parse_time
from partnergraph.services.tokens import Principal

router = APIRouter(tags=["Curation"])

JSON = Representation("json", "application/json")
TURTLE_REPORT = Representation("turtle", "text/turtle")
REPORT_FORMATS = (JSON, TURTLE_REPORT)
_BODY_DOC = ("The body is RDF in Turtle, N-Triples, N-Quads, TriG, JSON-LD or RDF/XML, chosen by "
             "`Content-Type`. RDF/XML that declares XML entities is refused unparsed.")
_REQUEST_BODY = {"content": {t: {"schema": {"type": "string"}} for t in
                             ("text/turtle", "application/n-triples", "application/trig", "application/ld+json",
                              "application/rdf+xml", "application/n-quads")}, "required": True}

Sources = Annotated[list[str], Query(description="IRI of a source document the triples come from (repeat for "
                                                 "several); required for every write but DELETE.")]
Comment = Annotated[str | None, Query(description="Why this change: kept in the batch's record.", max_length=2000)]


def get_curation(request: Request) -> CurationService:
    """The curation service built in the lifespan (writes off for stores without one)."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None or runtime.curation is None:
        raise AuthenticationRequired("writes are disabled on this server")
    return runtime.curation


CurationDep = Annotated[CurationService, Depends(get_curation)]


# --- request bodies -----------------------------------------------------------------------------------------

def _syntax_of(request: Request) -> Representation:
    return body_syntax(request.headers.get("content-type", ""))


def _triples(body: bytes, syntax: Representation, graph: str | None,
             timeout: float | None = None) -> tuple[list[ox.Triple], str | None]:
    """The body's triples and the graph it names (a TriG/N-Quads/JSON-LD body may name exactly one)."""
    if graph is not None:
        graph = check_iri(graph, "graph")
    statements = parse_bytes(body, syntax, base_iri=graph, source="request body", timeout=timeout)
    named = {s.graph_name.value for s in statements if isinstance(s, ox.Quad)}
    if len(named) > 1:
        raise InvalidBatch(f"the body names {len(named)} graphs; send one graph per request")
    if named:
        inner = named.pop()
        if graph is not None and inner != graph:
            raise InvalidBatch(f"the body names the graph <{inner}> but graph= is <{graph}>")
        graph = inner
    return [s.triple if isinstance(s, ox.Quad) else s for s in statements], graph


def _with_lines(results: list[dict], body: bytes, syntax: Representation) -> list[dict]:
    """Add to each result the body line where its focus node is described (line-based syntaxes)."""
    if syntax.name not in LINE_SYNTAXES:
        return results
    lines = node_lines(body.decode("utf-8", errors="replace"))
    for result in results:
        focus = result["focus_node"]
        if focus and focus["type"] == "uri" and focus["value"] in lines:
            result["line"] = lines[focus["value"]]
    return results


def _report_response(request: Request, exc: ValidationFailed, body: bytes, syntax: Representation) -> Response:
    """422 with the SHACL report: the error envelope (results with body lines) or SHACL Turtle."""
    if negotiate(request.headers.get("accept"), REPORT_FORMATS) is TURTLE_REPORT:
        return Response(exc.report.to_turtle(), status_code=422, media_type="text/turtle; charset=utf-8")
    return response_for(exc, _with_lines(exc.report.to_json()["results"], body, syntax))


def _write(request: Request, service: CurationService, principal: Principal, body: bytes, mode: str,
           sources: list[str], comment: str | None, graph: str | None) -> tuple[WriteOutcome | None, Response | None]:
    syntax = _syntax_of(request) if mode != "delete" else None
    timeout = request.app.state.settings.parse_timeout
    triples, graph = _triples(body, syntax, graph, timeout) if syntax is not None else ([], graph)
    try:
        return service.write(WriteRequest(triples, sources, comment, graph, mode), principal), None
    except ValidationFailed as exc:
        return None, _report_response(request, exc, body, syntax)


def _created(request: Request, outcome: WriteOutcome, status: int = 201) -> JSONResponse:
    location = absolute_url(request, request.app.url_path_for("get_batch", batch_id=outcome.record.id))
    return JSONResponse({"ok": True, **outcome.to_json(), "url": location}, status_code=status,
                        headers={"Location": location})


# --- /api/ingest and /api/validate --------------------------------------------------------------------------

@router.post("/api/ingest", status_code=201, summary="Add a batch of triples (validated, recorded)",
             openapi_extra={"requestBody": _REQUEST_BODY},
             description="Validates the body against the shapes together with the stored data, then writes it "
             "to its own named graph (or to `graph=`, replacing that graph's content) with a PROV record: "
             "curator, time, sources, comment, counts. 201 with the batch; 422 with the SHACL report and "
             "nothing written. " + _BODY_DOC)
def ingest(request: Request, service: CurationDep, principal: CuratorDep, body: BodyDep,
           source: Sources = [], comment: Comment = None,  # noqa: B006 - FastAPI reads the default
           graph: Annotated[str | None, Query(description="Named graph to write; its content is replaced "
                                              "(default: a new graph for the batch).")] = None) -> Response:
    """Ingest a batch."""
    outcome, refused = _write(request, service, principal, body, "replace", source, comment, graph)
    return refused or _created(request, outcome)


async def read_validation_body(request: Request, principal: OptionalPrincipalDep) -> bytes:
    """The body of a dry run: within `max_body_bytes` with a token, `max_anonymous_validate_bytes` without."""
    settings = request.app.state.settings
    return await read_limited(request, settings.max_body_bytes if principal is not None
                              else settings.max_anonymous_validate_bytes)


@router.post("/api/validate", summary="Validate a batch without writing it",
             openapi_extra={"requestBody": _REQUEST_BODY},
             description="The same check as `/api/ingest` (shapes, stored data, sources), as a dry run: "
             "nothing is written. 200 with `validation.conforms` true or false and the results; each result "
             "has the body line of its focus node where the syntax allows. No token is needed, but without "
             "one a body may be at most `max_anonymous_validate_bytes` and only `anonymous_validations` "
             "dry runs run at once (429 beyond). " + _BODY_DOC)
def validate(request: Request, service: CurationDep, principal: OptionalPrincipalDep,
             body: Annotated[bytes, Depends(read_validation_body)], source: Sources = [],  # noqa: B006
             comment: Comment = None,
             graph: Annotated[str | None, Query(description="The graph the batch would replace.")] = None
             ) -> JSONResponse:
    """Dry run of an ingest."""
    syntax = _syntax_of(request)
    slots = request.app.state.anonymous_validations
    if principal is None and not slots.acquire(blocking=False):
        raise TooManyRequests("too many dry runs without a token are running; retry in a moment, or send "
                              "a curator token")
    try:
        triples, graph = _triples(body, syntax, graph, request.app.state.settings.parse_timeout)
        outcome = service.validate(WriteRequest(triples, source, comment, graph), None)
    finally:
        if principal is None:
            slots.release()
    data = outcome.to_json()
    _with_lines(data["validation"]["results"], body, syntax)
    data.pop("batch")
    return JSONResponse({"ok": True, **data})


# --- /api/batches --------------------------------------------------------------------------------------------

@router.get("/api/batches", summary="List batches",
            description="Batch records, oldest first, filtered by curator (token name), source document, graph "
            "and time written (`since`/`until`, ISO 8601; UTC when no offset is given). Paged with "
            "`limit`/`offset`; `next` is the URL of the next page or null.")
def list_batches(request: Request, service: CurationDep,
                 curator: Annotated[str | None, Query(description="Token name of the curator.")] = None,
                 source: Annotated[str | None, Query(description="IRI of a source document.")] = None,
                 graph: Annotated[str | None, Query(description="IRI of the target graph.")] = None,
                 since: Annotated[str | None, Query(description="Written at or after (ISO 8601).")] = None,
                 until: Annotated[str | None, Query(description="Written at or before (ISO 8601).")] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 offset: Annotated[int, Query(ge=0)] = 0) -> dict:
    """The batch list."""
    records = service.batches(curator=curator, source=source, graph=graph, since=parse_time(since, "since"),
                              until=parse_time(until, "until"))
    page = records[offset:offset + limit]
    next_url = None
    if offset + limit < len(records):
        params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
        params += [("limit", str(limit)), ("offset", str(offset + limit))]
        next_url = absolute_url(request, request.url.path, urlencode(params))
    return {"ok": True, "batches": [r.to_json() for r in page], "total": len(records), "limit": limit,
            "offset": offset, "next": next_url}


@router.get("/api/batches/{batch_id}", summary="One batch: its record and its triples",
            description="The record and the triples the batch wrote (also after it was replaced or reverted). "
            "JSON by default; the triples alone as Turtle, N-Triples, JSON-LD, RDF/XML, TriG or N-Quads by "
            "`Accept` or `?format=`. Streamed: a large batch is never held in memory as JSON.")
def get_batch(request: Request, batch_id: str, service: CurationDep,
              format: Annotated[str | None, Query(description="turtle, ntriples, jsonld, rdfxml, trig, nquads "
                                                  "or json")] = None) -> Response:
    """One batch."""
    record = service.get(batch_id)
    representation = negotiate(request.headers.get("accept"), (JSON, *GRAPH_FORMATS), format)
    triples = service.content(record)
    if representation is JSON:
        return StreamingResponse(cut_on_error(_batch_json(record.to_json(), triples)), media_type="application/json")
    graph = ox.NamedNode(record.graph)
    quads = (ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    return StreamingResponse(cut_on_error(serialize_stream(quads, representation.name)),
                             media_type=representation.content_type)


def _batch_json(record: dict, triples) -> Iterator[bytes]:
    head = json.dumps({"ok": True, "batch": record})
    yield (head[:-1] + ', "triples": [').encode()
    first = True
    for t in triples:
        row = json.dumps([str(t.subject), str(t.predicate), str(t.object)], ensure_ascii=False)
        yield (row if first else "," + row).encode()
        first = False
    yield b"]}"


# --- Graph Store Protocol: /graphs ----------------------------------------------------------------------------

GraphParam = Annotated[str | None, Query(alias="graph", description="IRI of the named graph.")]
DefaultParam = Annotated[str | None, Query(alias="default", description="The default graph (not stored: "
                                                                        "partnergraph keeps data in named graphs).")]


def _graph_iri(graph: str | None, default: str | None, writing: bool) -> str:
    if graph is not None and default is not None:
        raise BadRequest("give either ?graph=IRI or ?default, not both")
    if graph is None:
        if default is not None or writing:
            raise BadRequest("partnergraph keeps every triple in a named graph: name one with ?graph=IRI")
        raise BadRequest("name the graph with ?graph=IRI")
    return graph


@router.head("/graphs", include_in_schema=False)
@router.get("/graphs", summary="Read a named graph (Graph Store Protocol)",
            description="The triples of `?graph=IRI` as Turtle, N-Triples, JSON-LD, RDF/XML, TriG or "
            "N-Quads (by `Accept`), streamed. 404 when there is no such graph.")
def read_graph(request: Request, service: CurationDep, graph: GraphParam = None,
               default: DefaultParam = None) -> Response:
    """GSP GET/HEAD."""
    if graph is None and default is not None:
        raise BadRequest("partnergraph keeps every triple in a named graph; the default graph of the store is "
                         "empty. Name a graph with ?graph=IRI (the service description, GET /sparql, lists them)")
    iri = _graph_iri(graph, default, writing=False)
    if not service.has_graph(iri):
        raise GraphNotFound(f"there is no graph <{iri}>")
    representation = negotiate(request.headers.get("accept"), GRAPH_FORMATS, request.query_params.getlist("format"))
    headers = {"Vary": "Accept"}
    if request.method == "HEAD":
        return Response(status_code=200, media_type=representation.content_type, headers=headers)
    return StreamingResponse(cut_on_error(serialize_stream(service.graph_quads(iri), representation.name)),
                             media_type=representation.content_type, headers=headers)


def _graph_write(request: Request, service: CurationService, principal: Principal, body: bytes, mode: str,
                 graph: str | None, sources: list[str], comment: str | None) -> Response:
    existed = graph is not None and service.has_graph(graph)
    outcome, refused = _write(request, service, principal, body, mode, sources, comment, graph)
    if refused is not None:
        return refused
    return _created(request, outcome, status=200 if existed else 201)


@router.put("/graphs", summary="Replace a named graph (Graph Store Protocol)",
            openapi_extra={"requestBody": _REQUEST_BODY},
            description="The body becomes the content of `?graph=IRI`, validated and recorded as a batch "
            "(needs `source=`). 201 when the graph is new, 200 when it replaced content. " + _BODY_DOC)
def put_graph(request: Request, service: CurationDep, principal: CuratorDep, body: BodyDep,
              graph: GraphParam = None, default: DefaultParam = None, source: Sources = [],  # noqa: B006
              comment: Comment = None) -> Response:
    """GSP PUT."""
    iri = _graph_iri(graph, default, writing=True)
    return _graph_write(request, service, principal, body, "replace", iri, source, comment)


@router.post("/graphs", summary="Add to a named graph, or create a new one (Graph Store Protocol)",
             openapi_extra={"requestBody": _REQUEST_BODY},
             description="With `?graph=IRI` the body's triples are added to that graph; without it they go to a "
             "new graph (its IRI in `Location`'s record and in `graph`). Validated and recorded as a batch "
             "(needs `source=`). " + _BODY_DOC)
def post_graph(request: Request, service: CurationDep, principal: CuratorDep, body: BodyDep,
               graph: GraphParam = None, default: DefaultParam = None, source: Sources = [],  # noqa: B006
               comment: Comment = None) -> Response:
    """GSP POST."""
    if default is not None:
        _graph_iri(graph, default, writing=True)
    if graph is None:
        outcome, refused = _write(request, service, principal, body, "replace", source, comment, None)
        return refused or _created(request, outcome)
    return _graph_write(request, service, principal, body, "append", graph, source, comment)


@router.delete("/graphs", summary="Delete a named graph (Graph Store Protocol)",
               description="Empties `?graph=IRI`, after validating that nothing else depends on its triples; "
               "recorded as a batch, so it can be reverted. 404 when there is no such graph.")
def delete_graph(request: Request, service: CurationDep, principal: CuratorDep, graph: GraphParam = None,
                 default: DefaultParam = None, source: Sources = [],  # noqa: B006
                 comment: Comment = None) -> Response:
    """GSP DELETE."""
    iri = _graph_iri(graph, default, writing=True)
    if not service.has_graph(iri):
        raise GraphNotFound(f"there is no graph <{iri}>")
    outcome, refused = _write(request, service, principal, b"", "delete", source, comment, iri)
    return refused or _created(request, outcome, status=200)


@router.delete("/api/batches/{batch_id}", summary="Revert a batch",
               description="Gives the batch's graph back the content it had before the batch, after validating "
               "that the store stays free of Violations, and records the revert (who, when, why). Curators "
               "revert their own batches, admins any. 409 when a later batch changed the same graph.")
def revert_batch(batch_id: str, service: CurationDep, principal: CuratorDep,
                 comment: Comment = None) -> JSONResponse:
    """Revert a batch."""
    record = service.revert(batch_id, principal, comment)
    return JSONResponse({"ok": True, "batch": record.to_json()})

