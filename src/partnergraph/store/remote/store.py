"""The remote store: any SPARQL 1.1 server, through the SPARQL Protocol and the Graph Store Protocol.

How the contract is kept over HTTP:

- Queries are POSTed as forms (`query=`); SELECT and ASK ask for SPARQL JSON, CONSTRUCT and DESCRIBE for
  N-Triples. The whole answer is read before `query` returns, so no connection stays open while rows are
  consumed; pyoxigraph's own results parser reads it. A 200 answer that does not parse is a query that
  failed half-way (Oxigraph then appends its error text to a truncated body).
- The default graph is the union of the named graphs. Unless the server is trusted to do that itself
  (`remote_union_default_graph`, e.g. `oxigraph serve --union-default-graph`, which then gets no
  dataset parameters), every query names each of the server's named graphs both as `default-graph-uri`
  and as `named-graph-uri`. That list is cached: it is fetched again on the first query after a write
  made through this client and otherwise at most every `graph_list_ttl` seconds (5 by default), so a
  graph created or dropped by another client may stay unseen, or seen, by this one for that long.
- The protocol cannot say "no default graph": a dataset without default graphs (an explicit Dataset with
  only named graphs, or a store without named graphs) names EMPTY_GRAPH, a graph partnergraph never
  writes, as its only `default-graph-uri`. An explicit Dataset is otherwise sent exactly as given, and
  protocol parameters override a query's own FROM / FROM NAMED, as the SPARQL Protocol specifies.
- Bindings become VALUES blocks (`sparql.rewriting.bind_values`) of terms written in pyoxigraph's
  N-Triples form, which escapes every special character: values never become query syntax.
  As in the embedded store, only IRIs and literals can be bound. To come close to pyoxigraph's
  substitution, the block also goes first into every subquery that projects the variable, and a
  `DESCRIBE ?x` without WHERE gets one. Still different: a FILTER in a nested plain group or UNION
  branch does not see the bound value (pyoxigraph substitutes it there too).
- `replace_graph` serialises the triples to a temporary file first, so an iterator that fails changes
  nothing on the server, then PUTs the file to the Graph Store; the PUT is as atomic as the server makes
  it (Oxigraph keeps the old content when a PUT fails). An empty graph is a PUT of an empty body:
  Oxigraph keeps an empty named graph, which `graphs()` lists with 0 triples; a server that does not
  keep empty graphs simply will not list it.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from partnergraph.errors import (
    QuerySyntaxError,
    StoreError,
    StoreUnavailable,
)
from partnergraph.namespaces import STAGING_PREFIX
from partnergraph.settings import Settings
from partnergraph.sparql.lexer import query_form
from partnergraph.sparql.rewriting import bind_values
from partnergraph.store.contract import (
    AskResult,
    Dataset,
    GraphResult,
    GraphStore,
    QueryExecutor,
    QueryResult,
    SelectResult,
    Term,
)
from partnergraph.store.direct_executor import DirectExecutor
from partnergraph.store.graph_change import GraphChange
from partnergraph.store.remote import answers

log = logging.getLogger(__name__)

EMPTY_GRAPH = "https://w3id.org/partnergraph/graph/no-default-graph"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
FORM = "application/x-www-form-urlencoded"
LIST_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
COUNT_GRAPHS = "SELECT ?g (COUNT(?s) AS ?n) WHERE { GRAPH ?g { OPTIONAL { ?s ?p ?o } } } GROUP BY ?g"
_JSON_TYPES = (RESULTS_JSON, "application/json")
_N_TRIPLES_TYPES = (N_TRIPLES, "text/plain")
_SPOOL = 16 * 1024 * 1024
_POSITION = re.compile(r"\bat (\d+):(\d+)")


class RemoteStore(GraphStore):
    """A GraphStore over a SPARQL 1.1 server: query endpoint, Graph Store endpoint, one HTTP client."""

    tracks_writes = False  # other clients may write the server: no local version of its content

    def __init__(self, query_url: str, update_url: str, graph_store_url: str, *,
                 timeout: float = 60.0, union_default_graph: bool = False,
                 graph_list_ttl: float = 5.0, transport: httpx.BaseTransport | None = None) -> None:
        self.query_url = query_url
        self.update_url = update_url  # `apply` posts its changes here
        self.graph_store_url = graph_store_url
        self.timeout = timeout
        self.union_default_graph = union_default_graph
        self.graph_list_ttl = graph_list_ttl
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport)
        self._lock = threading.Lock()
        self._graph_list: list[str] | None = None
        self._graph_list_at = 0.0
        self._writes = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """A RemoteStore for `settings.store`, with endpoints defaulting to the `oxigraph serve` layout."""
        base = settings.store.rstrip("/")
        return cls(settings.remote_query_url or f"{base}/query",
                   settings.remote_update_url or f"{base}/update",
                   settings.remote_graph_store_url or f"{base}/store",
                   timeout=settings.remote_timeout,
                   union_default_graph=settings.remote_union_default_graph)

    # -- queries -------------------------------------------------------------------------------

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              dataset: Dataset | None = None) -> QueryResult:
        """Run a query on the server; bindings are sent as a VALUES block of escaped terms."""
        form = query_form(sparql)
        log.debug("remote %s query: %s", form, sparql)
        text = sparql
        if bindings:
            text = bind_values(sparql, answers.checked_bindings(bindings))
        params = self._dataset_params(dataset)
        if form in ("CONSTRUCT", "DESCRIBE"):
            response = self._post_query(text, params, N_TRIPLES, _N_TRIPLES_TYPES, text == sparql)
            return GraphResult(iter(answers.triples(response.content)))
        response = self._post_query(text, params, RESULTS_JSON, _JSON_TYPES, text == sparql)
        results = answers.results(response.content)
        if form == "ASK":
            if not isinstance(results, ox.QueryBoolean):
                raise StoreError("the remote store answered an ASK query without a boolean")
            return AskResult(bool(results))
        if not isinstance(results, ox.QuerySolutions):
            raise StoreError("the remote store answered a SELECT query without solutions")
        return SelectResult(results, lambda exc: answers.failed_answer(response.content))

    def open_executor(self, *, workers: int, timeout: float | None, network: bool = False,
                      max_waiting: int | None = None) -> QueryExecutor:
        """Queries run on the server (its own limits apply); this process only relays them."""
        return DirectExecutor(self, timeout=timeout)

    def _dataset_params(self, dataset: Dataset | None) -> list[tuple[str, str]]:
        if dataset is None:
            if self.union_default_graph:
                return []
            graphs = self._union_graphs()
            dataset = Dataset(graphs, graphs)
        params = [("default-graph-uri", g) for g in dataset.default_graphs or [EMPTY_GRAPH]]
        return params + [("named-graph-uri", g) for g in dataset.named_graphs]

    def _union_graphs(self) -> list[str]:
        """The named graphs making up the union default graph (cached; see the module docstring)."""
        with self._lock:
            if self._graph_list is not None and \
                    time.monotonic() - self._graph_list_at < self.graph_list_ttl:
                return self._graph_list
            writes = self._writes
        graphs = self._list_graphs()
        with self._lock:
            if writes == self._writes:  # no write of ours finished meanwhile: the list is current
                self._graph_list, self._graph_list_at = graphs, time.monotonic()
        return graphs

    def _written(self) -> None:
        with self._lock:
            self._writes += 1
            self._graph_list = None

    def _list_graphs(self) -> list[str]:
        rows = self._select(LIST_GRAPHS)
        return [row["g"].value for row in rows
                if isinstance(row.get("g"), ox.NamedNode) and not row["g"].value.startswith(STAGING_PREFIX)]

    def _select(self, sparql: str) -> list[dict[str, Term]]:
        """Rows of a SELECT sent without dataset parameters: the server's own view of its graphs."""
        response = self._post_query(sparql, [], RESULTS_JSON, _JSON_TYPES, True)
        results = answers.results(response.content)
        if not isinstance(results, ox.QuerySolutions):
            raise StoreError("the remote store answered a SELECT query without solutions")
        return list(SelectResult(results, lambda exc: answers.failed_answer(response.content)).rows)

    def _post_query(self, text: str, params: list[tuple[str, str]], accept: str,
                    accepted: tuple[str, ...], positions: bool) -> httpx.Response:
        body = urlencode([("query", text), *params]).encode("ascii")
        response = self._send("POST", self.query_url, content=body,
                              headers={"Content-Type": FORM, "Accept": accept})
        if response.status_code == 400:
            message = answers.excerpt(response.text)
            match = _POSITION.search(message) if positions else None
            details = [{"line": int(match.group(1)), "column": int(match.group(2))}] if match else []
            raise QuerySyntaxError(f"the remote store refused the query: {message}", details=details)
        self._check(response, "a query")
        answers.check_type(response, accepted, "a query")
        return response

    # -- writes and reads of whole graphs ----------------------------------------------------

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> int:
        """Serialise the triples to a temporary file, then PUT it as the graph's new content."""
        target = answers.graph_node(graph)
        if graph == EMPTY_GRAPH or graph.startswith(STAGING_PREFIX):
            raise StoreError(f"the graph name {graph} is reserved by partnergraph")
        count = 0
        source_error: BaseException | None = None

        def counted() -> Iterator[ox.Triple]:
            nonlocal count, source_error
            source = iter(triples)
            while True:
                try:
                    t = next(source)
                except StopIteration:
                    return
                except BaseException as exc:  # the caller's iterator failed: re-raised as it is
                    source_error = exc
                    raise
                count += 1
                yield t if isinstance(t, ox.Triple) else ox.Triple(t.subject, t.predicate, t.object)

        with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as buffer:
            try:
                ox.serialize(counted(), buffer, format=ox.RdfFormat.N_TRIPLES)
            except (OSError, ValueError, TypeError, AttributeError, SyntaxError) as exc:
                if exc is source_error:
                    raise
                raise StoreError(f"writing graph {graph} failed: {exc}") from exc
            size = buffer.tell()
            buffer.seek(0)
            try:
                response = self._send("PUT", self.graph_store_url, params={"graph": target.value},
                                      content=answers.chunks(buffer),
                                      headers={"Content-Type": N_TRIPLES, "Content-Length": str(size)})
            finally:
                self._written()
        self._check(response, f"replacing graph <{graph}>")
        log.debug("replaced remote graph %s: %d triples", graph, count)
        return count

    def apply(self, change: GraphChange) -> None:
        """POST the change as one SPARQL update request (atomic on servers that run an update as one
        transaction, as Oxigraph does)."""
        if change.is_empty:
            return
        body = change.to_update().encode("utf-8")
        try:
            response = self._send("POST", self.update_url, content=body,
                                  headers={"Content-Type": "application/sparql-update"})
        finally:
            self._written()
        self._check(response, "a change of several graphs (SPARQL update)")

    def drop_graph(self, graph: str) -> None:
        """DELETE the graph from the Graph Store (a 404 means it was already absent)."""
        answers.graph_node(graph)
        try:
            response = self._send("DELETE", self.graph_store_url, params={"graph": graph})
        finally:
            self._written()
        if response.status_code != 404:
            self._check(response, f"dropping graph <{graph}>")

    def graphs(self) -> dict[str, int]:
        """Named graph IRI -> triple count, as the server sees them (staging graphs excluded)."""
        counts: dict[str, int] = {}
        for row in self._select(COUNT_GRAPHS):
            graph, number = row.get("g"), row.get("n")
            if isinstance(graph, ox.NamedNode) and not graph.value.startswith(STAGING_PREFIX):
                try:
                    counts[graph.value] = int(number.value) if number is not None else 0
                except ValueError as exc:
                    raise StoreError(f"the remote store counted {number} triples") from exc
        return counts

    def has_graph(self, graph: str) -> bool:
        """True when the server lists the graph (an ASK, no count)."""
        node = answers.graph_node(graph)
        response = self._post_query(f"ASK {{ GRAPH {node} {{ }} }}", [], RESULTS_JSON, _JSON_TYPES, True)
        results = answers.results(response.content)
        return isinstance(results, ox.QueryBoolean) and bool(results)

    def is_empty(self) -> bool:
        """True when the server lists no named graph (a cheap listing, no count)."""
        return not self._list_graphs()

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad, streamed graph by graph with Graph Store GETs."""
        for name in [graph] if graph is not None else self._list_graphs():
            yield from self._graph_quads(name)

    def _graph_quads(self, name: str) -> Iterator[ox.Quad]:
        graph = answers.graph_node(name)
        response = self._send("GET", self.graph_store_url, params={"graph": name},
                              headers={"Accept": N_TRIPLES}, stream=True)
        try:
            if response.status_code == 404:
                return
            if not response.is_success:
                response.read()
                self._check(response, f"reading graph <{name}>")
            answers.check_type(response, _N_TRIPLES_TYPES, f"reading graph <{name}>")
            reader = answers.ChunkReader(response.iter_bytes())
            try:
                for quad in ox.parse(reader, format=ox.RdfFormat.N_TRIPLES):
                    yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)
            except SyntaxError as exc:
                raise StoreError(f"the remote store sent invalid N-Triples for <{name}>: {exc}") from exc
            except (httpx.TransportError, OSError) as exc:
                raise StoreUnavailable(f"reading graph <{name}> from the remote store at "
                                       f"{answers.safe_url(self.graph_store_url)} failed: {exc}") from exc
        finally:
            response.close()

    def close(self) -> None:
        """Close the HTTP client and its connections."""
        self._client.close()

    # -- HTTP ------------------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, stream: bool = False, **kwargs) -> httpx.Response:
        if self._client.is_closed:
            raise StoreError("the remote store has been closed")
        try:
            request = self._client.build_request(method, url, **kwargs)
            return self._client.send(request, stream=stream)
        except httpx.TimeoutException as exc:
            raise StoreUnavailable(f"the remote store at {answers.safe_url(url)} did not answer within "
                                   f"{self.timeout:g} s") from exc
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"cannot reach the remote store at {answers.safe_url(url)}: {exc}") from exc

    def _check(self, response: httpx.Response, what: str) -> None:
        if response.is_success:
            return
        raise StoreError(f"the remote store at {answers.safe_url(str(response.request.url))} answered "
                         f"HTTP {response.status_code} to {what}: {answers.excerpt(response.text)}")
