"""The rules of the public SPARQL endpoint: what may run, on which dataset, within which limits."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from partnergraph.errors import BadRequest, PayloadTooLarge, QuerySyntaxError, ServiceNotAllowed, UpdateNotAllowed
from partnergraph.rdf.iris import absolute_iri
from partnergraph.services.querying.federation_policy import ServicePolicy
from partnergraph.sparql.lexer import is_update, nesting_depth, query_form
from partnergraph.store.contract import QueryExecutor, QueryStream

log = logging.getLogger(__name__)

MAX_NESTING = 1000
"""Deepest nesting of a query accepted (pyoxigraph's parser overflows its stack near 5,000 levels)."""


@dataclass
class SparqlRequest:
    """A query and its dataset as the protocol delivered them."""

    query: str
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    federated: bool = False  # set by the check: the query calls an allow-listed SERVICE endpoint


class SparqlEndpoint:
    """Checks a query against the endpoint's rules, then runs it through the executor.

    Queries that call allow-listed SERVICE endpoints run through `federation_executor` (workers with
    network access); every other query through `executor`, whose workers cannot reach the network.
    """

    def __init__(self, executor: QueryExecutor, policy: ServicePolicy, *, timeout: float,
                 max_query_length: int, federation_executor: QueryExecutor | None = None) -> None:
        self.executor = executor
        self.federation_executor = federation_executor
        self.policy = policy
        self.timeout = timeout
        self.max_query_length = max_query_length

    def check(self, request: SparqlRequest) -> str:
        """Validate a request and return its query form (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
        if len(request.query.encode("utf-8")) > self.max_query_length:
            raise PayloadTooLarge(
                f"the query is longer than the limit of {self.max_query_length} bytes")
        if not request.query.strip():
            raise BadRequest("the query is empty")
        if nesting_depth(request.query, MAX_NESTING) > MAX_NESTING:
            raise QuerySyntaxError(f"the query nests parentheses and braces more than {MAX_NESTING} levels deep, "
                                   "more than the engine reads")
        if is_update(request.query):
            raise UpdateNotAllowed("this endpoint answers queries only; SPARQL updates are not accepted")
        for graph in request.default_graphs:
            absolute_iri(graph, "default-graph-uri", BadRequest)
        for graph in request.named_graphs:
            absolute_iri(graph, "named-graph-uri", BadRequest)
        request.federated = self.policy.check(request.query)
        return query_form(request.query)

    def run(self, request: SparqlRequest, result_format: str) -> QueryStream:
        """Run a checked request; the first chunk is ready when this returns."""
        explicit = bool(request.default_graphs or request.named_graphs)
        log.debug("sparql query: %s", request.query)
        executor = self.executor
        if request.federated:
            if self.federation_executor is None:
                raise ServiceNotAllowed("this server runs no SERVICE queries")
            executor = self.federation_executor
        return executor.execute(
            request.query,
            default_graphs=request.default_graphs if explicit else None,
            named_graphs=request.named_graphs if explicit else None,
            union_default_graph=not explicit,
            result_format=result_format,
            timeout=self.timeout,
        )
