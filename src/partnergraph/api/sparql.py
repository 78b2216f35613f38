"""`/sparql`: the SPARQL 1.1 Protocol query endpoint, with content negotiation and caching headers."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from partnergraph.api.deps import EndpointDep, EndpointDescriptionDep, QueryBodyDep, StoreVersionDep
from partnergraph.api.hosts import absolute_url
from partnergraph.api.negotiation import negotiate, parse_accept
from partnergraph.api.streaming import cut_on_error
from partnergraph.errors import BadRequest, UnsupportedMediaType, UpdateNotAllowed
from partnergraph.rdf.formats import GRAPH_FORMATS, formats_for
from partnergraph.rdf.serializing import serialize_rdf
from partnergraph.services.querying.sparql_endpoint import SparqlRequest

router = APIRouter(tags=["SPARQL"])

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
QUERY_MEDIA_TYPE = "application/sparql-query"
UPDATE_MEDIA_TYPE = "application/sparql-update"

SPARQL_DOC = """SPARQL 1.1 Protocol query endpoint.

Send a query as `GET /sparql?query=...`, as a form (`POST`, `application/x-www-form-urlencoded`, field
`query`) or directly (`POST`, `application/sparql-query`). `default-graph-uri` and `named-graph-uri` set
the dataset; without them the default graph is the union of all named graphs.

Results are negotiated from `Accept` (q-values and wildcards honoured) or forced with `?format=`:
SELECT/ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD, RDF/XML,
TriG or N-Quads. Every query has a time limit (503 when exceeded). `SERVICE` clauses are refused unless
the operator allow-lists the endpoint. Without a query, `GET /sparql` returns the SPARQL service
description (or redirects browsers to the query page).
"""


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"the request carries {len(values)} '{name}' parameters; send exactly one")
    return values[0] if values else None


def _respond(request: Request, endpoint, state, sparql: SparqlRequest, format_override: list[str]):
    form = endpoint.check(sparql)
    representation = negotiate(request.headers.get("accept"), formats_for(form), format_override)
    etag = state.etag(sparql.query, "|".join(sparql.default_graphs), "|".join(sparql.named_graphs),
                      representation.name) if state is not None else None
    headers = {"Vary": "Accept, Accept-Encoding"}
    if etag is not None:
        headers.update({"ETag": etag, "Last-Modified": state.last_modified,
                        "Cache-Control": "no-cache"})
        if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
    stream = endpoint.run(sparql, representation.name)
    return StreamingResponse(cut_on_error(stream), media_type=representation.content_type, headers=headers)


@router.get("/sparql", summary="SPARQL query (GET) or service description", description=SPARQL_DOC)
def sparql_get(request: Request, endpoint: EndpointDep, state: StoreVersionDep,
               description: EndpointDescriptionDep) -> Response:
    """Run `?query=`, or describe the service when there is none."""
    params = request.query_params
    if params.getlist("update"):
        raise UpdateNotAllowed("this endpoint answers queries only; SPARQL updates are not accepted")
    query = _one(params.getlist("query"), "query")
    if query is None:
        accept = parse_accept(request.headers.get("accept"))
        if any(r.type == "text" and r.subtype == "html" and r.q > 0 for r in accept):
            return RedirectResponse("/", status_code=303)
        representation = negotiate(request.headers.get("accept"), GRAPH_FORMATS,
                                   params.getlist("format"))
        endpoint_url = absolute_url(request, request.app.url_path_for("sparql_get"))
        body = serialize_rdf(description.triples(endpoint_url), representation.name)
        return Response(body, media_type=representation.content_type)
    sparql = SparqlRequest(query, params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))
    return _respond(request, endpoint, state, sparql, params.getlist("format"))


@router.post("/sparql", summary="SPARQL query (POST form or direct)", description=SPARQL_DOC,
             openapi_extra={"requestBody": {"content": {
                 FORM_MEDIA_TYPE: {"schema": {"type": "object", "properties": {
                     "query": {"type": "string"},
                     "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                     "named-graph-uri": {"type": "array", "items": {"type": "string"}}},
                     "required": ["query"]}},
                 QUERY_MEDIA_TYPE: {"schema": {"type": "string"}}}}})
def sparql_post(request: Request, body: QueryBodyDep, endpoint: EndpointDep,
                state: StoreVersionDep) -> Response:
    """Run a query sent as a form or as the request body."""
    media_type = _media_type(request)
    url_params = request.query_params
    if media_type == FORM_MEDIA_TYPE:
        fields = request.app.state.settings.max_form_fields
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                            max_num_fields=fields)
        except UnicodeDecodeError as exc:
            raise BadRequest("the form body is not UTF-8") from exc
        except ValueError as exc:  # parse_qs's "Max number of fields exceeded"
            raise BadRequest(f"the form has more than {fields} fields") from exc
        if form.get("update"):
            raise UpdateNotAllowed("this endpoint answers queries only; SPARQL updates are not accepted")
        query = _one(form.get("query", []), "query")
        if query is None:
            raise BadRequest("the form has no 'query' field")
        sparql = SparqlRequest(query, form.get("default-graph-uri", []) +
                               url_params.getlist("default-graph-uri"),
                               form.get("named-graph-uri", []) + url_params.getlist("named-graph-uri"))
    elif media_type == QUERY_MEDIA_TYPE:
        if url_params.getlist("query"):
            raise BadRequest("send the query either in the body or as ?query=, not both")
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest("the query is not UTF-8") from exc
        sparql = SparqlRequest(query, url_params.getlist("default-graph-uri"),
                               url_params.getlist("named-graph-uri"))
    elif media_type == UPDATE_MEDIA_TYPE:
        raise UpdateNotAllowed("this endpoint answers queries only; SPARQL updates are not accepted")
    else:
        raise UnsupportedMediaType(
            f"POST /sparql takes {FORM_MEDIA_TYPE} or {QUERY_MEDIA_TYPE}, not "
            f"{media_type or 'a body without Content-Type'}")
    return _respond(request, endpoint, state, sparql, url_params.getlist("format"))

