"""Curation over HTTP: `/api/ingest`, `/api/validate`, `/api/batches` and the Graph Store Protocol at `/graphs`.

Writes need a bearer token (curator or admin); reads are open. Every write is validated against the
shapes together with the stored data and recorded as a batch (see `services.curation`). A write the
shapes refuse gets 422 with the SHACL report: JSON (each result with the line of the body where its focus
node is described, for Turtle, TriG and N-Triples bodies) or Turtle on `Accept: text/turtle`.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from partnergraph.api.auth import CuratorDep
from partnergraph.api.deps import BodyDep
from partnergraph.api.errors import error_body
from partnergraph.api.negotiation import GRAPH_FORMATS, Representation, negotiate
from partnergraph.errors import (
    AuthenticationRequired,
    BadRequest,
    GraphNotFound,
    InvalidBatch,
    UnsupportedMediaType,
    ValidationFailed,
)
from partnergraph.services.curation import CurationService, WriteOutcome, WriteRequest, check_iri, parse_time
from partnergraph.services.source_lines import node_lines
from partnergraph.services.tokens import Principal
from partnergraph.services.validation_report import ValidationReport
from partnergraph.store.rdf_io import MEDIA_TYPES, parse_rdf, serialize_rdf

router = APIRouter(tags=["Curation"])

JSON = Representation("json", "application/json")
TURTLE = Representation("turtle", "text/turtle")
REPORT_FORMATS = (JSON, TURTLE)
_LINE_FORMATS = ("turtle", "trig", "ntriples", "nquads", "n3")
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
    service = getattr(request.app.state, "curation", None)
    if service is None:
        raise AuthenticationRequired("writes are disabled on this server")
    return service


CurationDep = Annotated[CurationService, Depends(get_curation)]


# --- request bodies -----------------------------------------------------------------------------------------

def _format_of(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not media_type:
        raise UnsupportedMediaType("say what the body is with Content-Type, e.g. text/turtle; accepted: "
                                   + ", ".join(sorted(MEDIA_TYPES)))
    if media_type not in MEDIA_TYPES:
        raise UnsupportedMediaType(f"cannot read a body of type {media_type!r}; accepted: "
                                   + ", ".join(sorted(MEDIA_TYPES)))
    return MEDIA_TYPES[media_type]


def _triples(body: bytes, fmt: str, graph: str | None) -> tuple[list[ox.Triple], str | None]:
    """The body's triples and the graph it names (a TriG/N-Quads/JSON-LD body may name exactly one)."""
    if graph is not None:
        graph = check_iri(graph, "graph")
    statements = parse_rdf(body, fmt, base_iri=graph, source="request body")
    named = {s.graph_name.value for s in statements if isinstance(s, ox.Quad)}
    if len(named) > 1:
        raise InvalidBatch(f"the body names {len(named)} graphs; send one graph per request")
    if named:
        inner = named.pop()
        if graph is not None and inner != graph:
            raise InvalidBatch(f"the body names the graph <{inner}> but graph= is <{graph}>")
        graph = inner
    return [s.triple if isinstance(s, ox.Quad) else s for s in statements], graph


def _report_response(request: Request, exc: ValidationFailed, body: bytes, fmt: str) -> Response:
    """422 with the SHACL report as the error envelope (results with body lines) or as Turtle."""
    report: ValidationReport = exc.report
    representation = negotiate(request.headers.get("accept"), REPORT_FORMATS)
    if representation is TURTLE:
        return Response(report.to_turtle(), status_code=422, media_type="text/turtle; charset=utf-8")
    lines = node_lines(body.decode("utf-8", errors="replace")) if fmt in _LINE_FORMATS else {}
    results = report.to_json()["results"]
    for result in results:
        focus = result["focus_node"]
        line = lines.get(focus["value"]) if focus and focus["type"] == "uri" else None
        if line is not None:
            result["line"] = line
    envelope = error_body(422, exc.code, exc.message, results)
    envelope["report"] = {k: v for k, v in report.to_json().items() if k != "results"}
    return JSONResponse(envelope, status_code=422)


async def _write(request: Request, service: CurationService, principal: Principal | None, body: bytes,
                 mode: str, sources: list[str], comment: str | None, graph: str | None,
                 dry_run: bool = False) -> tuple[WriteOutcome | None, Response | None]:
    fmt = _format_of(request) if mode != "delete" else "turtle"
    triples, graph = _triples(body, fmt, graph) if mode != "delete" else ([], graph)
    write = WriteRequest(triples, sources, comment, graph, mode)
    try:
        if dry_run:
            return await run_in_threadpool(service.validate, write, principal), None
        return await run_in_threadpool(service.write, write, principal), None
    except ValidationFailed as exc:
        return None, _report_response(request, exc, body, fmt)


def _created(request: Request, outcome: WriteOutcome, status: int = 201) -> JSONResponse:
    record = outcome.record
    location = str(request.url_for("get_batch", batch_id=record.id))
    return JSONResponse({"ok": True, **outcome.to_json(), "url": location}, status_code=status,
                        headers={"Location": location})


# --- /api/ingest and /api/validate --------------------------------------------------------------------------

@router.post("/api/ingest", status_code=201, summary="Add a batch of triples (validated, recorded)",
             openapi_extra={"requestBody": _REQUEST_BODY},
             description="Validates the body against the shapes together with the stored data, then writes it "
             "to its own named graph (or to `graph=`, replacing that graph's content) with a PROV record: "
             "curator, time, sources, comment, counts. 201 with the batch; 422 with the SHACL report and "
             "nothing written. " + _BODY_DOC)
async def ingest(request: Request, service: CurationDep, principal: CuratorDep, body: BodyDep,
                 source: Sources = [], comment: Comment = None,  # noqa: B006 - FastAPI reads the default
                 graph: Annotated[str | None, Query(description="Named graph to write; its content is replaced "
                                                    "(default: a new graph for the batch).")] = None) -> Response:
    """Ingest a batch."""
    outcome, refused = await _write(request, service, principal, body, "replace", source, comment, graph)
    return refused or _created(request, outcome)


@router.post("/api/validate", summary="Validate a batch without writing it",
             openapi_extra={"requestBody": _REQUEST_BODY},
             description="The same check as `/api/ingest` (shapes, stored data, sources), as a dry run: "
             "nothing is written and no token is needed. 200 with `validation.conforms` true or false and "
             "the results; each result has the body line of its focus node where the syntax allows. " + _BODY_DOC)
async def validate(request: Request, service: CurationDep, body: BodyDep, source: Sources = [],  # noqa: B006
                   comment: Comment = None,
                   graph: Annotated[str | None, Query(description="The graph the batch would replace.")] = None
                   ) -> JSONResponse:
    """Dry run of an ingest."""
    fmt = _format_of(request)
    triples, graph = _triples(body, fmt, graph)
    outcome = await run_in_threadpool(service.validate, WriteRequest(triples, source, comment, graph), None)
    data = outcome.to_json()
    lines = node_lines(body.decode("utf-8", errors="replace")) if fmt in _LINE_FORMATS else {}
    for result in data["validation"]["results"]:
        focus = result["focus_node"]
        if focus and focus["type"] == "uri" and focus["value"] in lines:
            result["line"] = lines[focus["value"]]
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
        next_url = str(request.url.replace(query=urlencode(params)))
    return {"ok": True, "batches": [r.to_json() for r in page], "total": len(records), "limit": limit,
            "offset": offset, "next": next_url}


@router.get("/api/batches/{batch_id}", summary="One batch: its record and its triples",
            description="The record and the triples the batch wrote (also after it was replaced or reverted). "
            "JSON by default; the triples alone as Turtle, N-Triples, JSON-LD, RDF/XML, TriG or N-Quads by "
            "`Accept` or `?format=`.")
def get_batch(request: Request, batch_id: str, service: CurationDep,
              format: Annotated[str | None, Query(description="turtle, ntriples, jsonld, rdfxml, trig, nquads "
                                                  "or json")] = None) -> Response:
    """One batch."""
    record = service.get(batch_id)
    triples = service.content(record)
    representation = negotiate(request.headers.get("accept"), (JSON, *GRAPH_FORMATS), format)
    if representation is JSON:
        return JSONResponse({"ok": True, "batch": record.to_json(),
                             "triples": [[str(t.subject), str(t.predicate), str(t.object)] for t in triples]})
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(record.graph)) for t in triples]
    body = serialize_rdf(quads, representation.name)
    return Response(body, media_type=representation.content_type)


@router.delete("/api/batches/{batch_id}", summary="Revert a batch",
               description="Gives the batch's graph back the content it had before the batch, after validating "
               "that the store stays free of Violations, and records the revert (who, when, why). Curators "
               "revert their own batches, admins any. 409 when a later batch changed the same graph.")
async def revert_batch(batch_id: str, service: CurationDep, principal: CuratorDep,
                       comment: Comment = None) -> JSONResponse:
    """Revert a batch."""
    record = await run_in_threadpool(service.revert, batch_id, principal, comment)
    return JSONResponse({"ok": True, "batch": record.to_json()})


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
                  "N-Quads (by `Accept`). 404 when there is no such graph.")
def read_graph(request: Request, service: CurationDep, graph: GraphParam = None,
               default: DefaultParam = None) -> Response:
    """GSP GET/HEAD."""
    if graph is None and default is not None:
        raise BadRequest("partnergraph keeps every triple in a named graph; the default graph of the store is "
                         "empty. Name a graph with ?graph=IRI (GET /sparql lists them: SELECT DISTINCT ?g "
                         "WHERE { GRAPH ?g {} })")
    iri = _graph_iri(graph, default, writing=False)
    counts = service.graph_sizes()
    if iri not in counts:
        raise GraphNotFound(f"there is no graph <{iri}>")
    representation = negotiate(request.headers.get("accept"), GRAPH_FORMATS, request.query_params.getlist("format"))
    headers = {"Vary": "Accept"}
    if request.method == "HEAD":
        return Response(status_code=200, media_type=representation.content_type, headers=headers)
    return StreamingResponse(_serialized(service.graph_quads(iri), representation.name),
                             media_type=representation.content_type, headers=headers)


_CONCATENABLE = ("turtle", "ntriples", "nquads", "trig")  # documents in these syntaxes can be concatenated
_CHUNK = 10_000


def _serialized(quads, fmt: str):
    """The quads serialised in pieces of _CHUNK statements where the syntax allows, else in one piece."""
    if fmt not in _CONCATENABLE:
        yield serialize_rdf(list(quads), fmt)
        return
    batch = []
    for quad in quads:
        batch.append(quad)
        if len(batch) == _CHUNK:
            yield serialize_rdf(batch, fmt)
            batch = []
    if batch:
        yield serialize_rdf(batch, fmt)


async def _graph_write(request: Request, service: CurationService, principal: Principal, body: bytes, mode: str,
                       graph: str | None, sources: list[str], comment: str | None) -> Response:
    existed = graph is not None and graph in service.graph_sizes()
    outcome, refused = await _write(request, service, principal, body, mode, sources, comment, graph)
    if refused is not None:
        return refused
    return _created(request, outcome, status=200 if existed else 201)


@router.put("/graphs", summary="Replace a named graph (Graph Store Protocol)",
            openapi_extra={"requestBody": _REQUEST_BODY},
            description="The body becomes the content of `?graph=IRI`, validated and recorded as a batch "
            "(needs `source=`). 201 when the graph is new, 200 when it replaced content. " + _BODY_DOC)
async def put_graph(request: Request, service: CurationDep, principal: CuratorDep, body: BodyDep,
                    graph: GraphParam = None, default: DefaultParam = None, source: Sources = [],  # noqa: B006
                    comment: Comment = None) -> Response:
    """GSP PUT."""
    iri = _graph_iri(graph, default, writing=True)
    return await _graph_write(request, service, principal, body, "replace", iri, source, comment)


@router.post("/graphs", summary="Add to a named graph, or create a new one (Graph Store Protocol)",
             openapi_extra={"requestBody": _REQUEST_BODY},
             description="With `?graph=IRI` the body's triples are added to that graph; without it they go to a "
             "new graph (its IRI in `Location`'s record and in `graph`). Validated and recorded as a batch "
             "(needs `source=`). " + _BODY_DOC)
async def post_graph(request: Request, service: CurationDep, principal: CuratorDep, body: BodyDep,
                     graph: GraphParam = None, default: DefaultParam = None, source: Sources = [],  # noqa: B006
                     comment: Comment = None) -> Response:
    """GSP POST."""
    if default is not None:
        _graph_iri(graph, default, writing=True)
    if graph is None:
        outcome, refused = await _write(request, service, principal, body, "replace", source, comment, None)
        return refused or _created(request, outcome)
    return await _graph_write(request, service, principal, body, "append", graph, source, comment)


@router.delete("/graphs", summary="Delete a named graph (Graph Store Protocol)",
               description="Empties `?graph=IRI`, after validating that nothing else depends on its triples; "
               "recorded as a batch, so it can be reverted. 404 when there is no such graph.")
async def delete_graph(request: Request, service: CurationDep, principal: CuratorDep, graph: GraphParam = None,
                       default: DefaultParam = None, source: Sources = [],  # noqa: B006
                       comment: Comment = None) -> Response:
    """GSP DELETE."""
    iri = _graph_iri(graph, default, writing=True)
    if iri not in service.graph_sizes():
        raise GraphNotFound(f"there is no graph <{iri}>")
    outcome, refused = await _write(request, service, principal, b"", "delete", source, comment, iri)
    return refused or _created(request, outcome, status=200)
