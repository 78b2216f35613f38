"""The embedded backend: Oxigraph through pyoxigraph, on disk or in memory.

Writes: `replace_graph` bulk-loads into an absent or empty graph under a marker that an interrupted load
leaves behind (and opening the store then drops the graph), and replaces a graph that holds triples by
writing only the difference, in one transaction (`graph_writes`). Staging graphs (`STAGING_PREFIX` +
uuid) hold a difference with blank nodes while it is moved; opening a store drops the staging graphs an
interrupted process left behind. Writers are serialised by a lock (pyoxigraph 0.5 does not detect every
write-write conflict).

Reads: a query takes its snapshot when `Store.query` is called. While a write is in progress a staging
graph or a graph being loaded may exist and would show in the union default graph, so queries started
then state the dataset explicitly (the default graph and every named graph but those); other queries use
pyoxigraph's `use_default_graph_as_union`. A write sequence number (odd while writing) tells them apart
without making readers wait.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox

from partnergraph.errors import (
    QueryEvaluationError,
    QuerySyntaxError,
    StoreError,
    StoreLocked,
    StoreUnavailable,
)
from partnergraph.namespaces import STAGING_PREFIX
from partnergraph.rdf.iris import absolute_iri
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
from partnergraph.store.graph_change import GraphChange
from partnergraph.store.oxigraph.graph_writes import interrupted_loads, load_into_empty, replace_by_change
from partnergraph.store.oxigraph.pool import QueryPool

log = logging.getLogger(__name__)

_VARIABLE = re.compile(r"[?$]?(\w+)\Z")
_POSITION = re.compile(r"error at (\d+):(\d+)")
_COUNTS = "SELECT ?g (COUNT(?s) AS ?n) WHERE { GRAPH ?g { OPTIONAL { ?s ?p ?o } } } GROUP BY ?g"


def _open(path: Path) -> ox.Store:
    if path.exists() and not path.is_dir():
        raise StoreUnavailable(f"cannot open the store at {path}: it is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create the store directory {path}: {exc.strerror or exc}") from exc
    try:
        return ox.Store(str(path))
    except OSError as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise StoreLocked(
                f"the store at {path} is locked: another partnergraph process (a running "
                "`partnergraph serve`, or another command) holds it; stop it or use another store"
            ) from exc
        raise StoreUnavailable(f"cannot open the store at {path}: {text}") from exc


def graph_node(graph: str) -> ox.NamedNode:
    """The NamedNode of a graph IRI; StoreError if it is not an absolute IRI."""
    return absolute_iri(graph, "a graph name")


def substitutions(bindings: Mapping[str, Term]) -> dict[ox.Variable, Term]:
    """pyoxigraph substitutions from bindings; names may carry `?`/`$`; only IRIs and literals."""
    result: dict[ox.Variable, Term] = {}
    for name, term in bindings.items():
        match = _VARIABLE.match(name)
        if not match:
            raise QueryEvaluationError(f"not a SPARQL variable name: {name!r}")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryEvaluationError(
                f"?{match.group(1)} can only be bound to an IRI or a literal, not {type(term).__name__}")
        result[ox.Variable(match.group(1))] = term
    return result


def syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    """A QuerySyntaxError keeping the parser's message, with its line and column in `details`."""
    message = str(exc)
    match = _POSITION.search(message)
    details = [{"line": int(match.group(1)), "column": int(match.group(2))}] if match else []
    return QuerySyntaxError(f"SPARQL syntax error: {message}", details=details)


class OxigraphStore(GraphStore):
    """A GraphStore over a pyoxigraph Store; `path=None` keeps everything in memory."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.pyoxigraph_store: ox.Store | None = _open(self.path) if self.path is not None else ox.Store()
        self._write_lock = threading.Lock()
        self._write_seq = 0  # odd while a staging graph or a graph being loaded may exist
        self._loading: set[str] = set()  # graphs being bulk-loaded, left out of reads
        self._drop_staging()

    def _store(self) -> ox.Store:
        if self.pyoxigraph_store is None:
            raise StoreError("the store is closed")
        return self.pyoxigraph_store

    def _drop_staging(self) -> None:
        store = self._store()
        for graph in interrupted_loads(store):
            log.warning("removing graph %s: its load was interrupted", graph.value)
            store.remove_graph(graph)
        for graph in list(store.named_graphs()):
            if isinstance(graph, ox.NamedNode) and graph.value.startswith(STAGING_PREFIX):
                log.warning("removing staging graph %s left by an interrupted write", graph.value)
                store.remove_graph(graph)

    def _hidden(self, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> bool:
        return isinstance(graph, ox.NamedNode) and (graph.value.startswith(STAGING_PREFIX)
                                                    or graph.value in self._loading)

    def _visible_graphs(self) -> list[ox.NamedNode | ox.BlankNode]:
        return [g for g in self._store().named_graphs() if not self._hidden(g)]

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              dataset: Dataset | None = None) -> QueryResult:
        """Run a SPARQL query; bindings become pyoxigraph substitutions."""
        kwargs: dict = {}
        if bindings:
            kwargs["substitutions"] = substitutions(bindings)
        if dataset is not None:
            kwargs["default_graph"] = [graph_node(g) for g in dataset.default_graphs] or \
                [ox.DefaultGraph()]
            kwargs["named_graphs"] = [graph_node(g) for g in dataset.named_graphs]
            result = self._run(sparql, kwargs)
        else:
            seq = self._write_seq
            result = self._run(sparql, {**kwargs, "use_default_graph_as_union": True}) \
                if seq % 2 == 0 else None
            if result is None or self._write_seq != seq:
                # a write started before this snapshot was taken: leave its staging graph out
                named = self._visible_graphs()
                result = self._run(sparql, {**kwargs, "default_graph": [ox.DefaultGraph(), *named],
                                            "named_graphs": named})
        if isinstance(result, ox.QueryBoolean):
            return AskResult(bool(result))
        if isinstance(result, ox.QuerySolutions):
            return SelectResult(result, _evaluation_error)
        return GraphResult(_triples(result))

    def open_executor(self, *, workers: int, timeout: float | None, network: bool = False,
                      max_waiting: int | None = None) -> QueryExecutor:
        """A pool of worker processes on snapshots of this store, confined unless `network`."""
        return QueryPool(self._store(), store_path=self.path, size=workers, timeout=timeout, network=network,
                         max_waiting=max_waiting)

    def _run(self, sparql: str, kwargs: dict) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        log.debug("query: %s", sparql)
        try:
            return self._store().query(sparql, **kwargs)
        except SyntaxError as exc:
            raise syntax_error(exc) from exc
        except (OSError, RuntimeError, ValueError, TypeError) as exc:
            raise QueryEvaluationError(f"the query failed: {exc}") from exc

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> int:
        """Replace a graph atomically: a marked bulk load into an empty graph, else one transaction of the
        difference (see `graph_writes`)."""
        target = graph_node(graph)
        if graph.startswith(STAGING_PREFIX):
            raise StoreError(f"graph names under {STAGING_PREFIX} are reserved: {graph}")
        count = 0
        source_error: BaseException | None = None

        def quads() -> Iterator[ox.Quad]:
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
                yield ox.Quad(t.subject, t.predicate, t.object, target)

        store = self._store()
        with self._write_lock:
            empty = next(iter(store.quads_for_pattern(None, None, None, target)), None) is None
            self._write_seq += 1
            if empty:
                self._loading.add(graph)
            try:
                if empty:
                    load_into_empty(store, target, quads())
                else:
                    new = [ox.Triple(q.subject, q.predicate, q.object) for q in quads()]
                    removed, added = replace_by_change(store, target, new)
                    log.debug("graph %s: %d triples removed, %d added", graph, removed, added)
            except BaseException as exc:
                if exc is not source_error and \
                        isinstance(exc, (OSError, ValueError, TypeError, RuntimeError, SyntaxError)):
                    raise StoreError(f"writing graph {graph} failed: {exc}") from exc
                raise
            finally:
                self._loading.discard(graph)
                self._write_seq += 1
        log.debug("replaced graph %s: %d triples", graph, count)
        return count

    def apply(self, change: GraphChange) -> None:
        """Write the change in one transaction, so all of it lands or nothing does: one `extend` when it
        only adds triples to graphs that do not exist yet (no parsing), else one SPARQL update."""
        if change.is_empty:
            return
        quads = change.added_quads()
        with self._write_lock:
            store = self._store()
            try:
                if quads is not None and not any(store.contains_named_graph(graph_node(g)) for g in change.contents):
                    store.extend(quads)
                else:
                    store.update(change.to_update())
            except SyntaxError as exc:  # the terms are pyoxigraph's own: this would be a bug here
                raise StoreError(f"the change could not be written as an update: {exc}") from exc
            except (OSError, RuntimeError, ValueError) as exc:
                raise StoreError(f"writing the change failed: {exc}") from exc
        log.debug("applied a change to %d graph(s)", len(change.contents) + len(change.additions))

    def drop_graph(self, graph: str) -> None:
        """Remove a named graph (no error if absent)."""
        target = graph_node(graph)
        with self._write_lock:
            try:
                self._store().update(f"DROP SILENT GRAPH {target}")
            except OSError as exc:
                raise StoreError(f"dropping graph {graph} failed: {exc}") from exc

    def graphs(self) -> dict[str, int]:
        """Named graph IRI -> triple count (staging graphs excluded)."""
        try:
            solutions = self._store().query(_COUNTS)
            counts = {s["g"].value: int(s["n"].value) for s in solutions
                      if isinstance(s["g"], ox.NamedNode)}
        except OSError as exc:
            raise StoreError(f"counting graphs failed: {exc}") from exc
        return {g: n for g, n in counts.items() if not self._hidden(ox.NamedNode(g))}

    def has_graph(self, graph: str) -> bool:
        """True when the named graph exists (empty or not)."""
        return self._store().contains_named_graph(graph_node(graph))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad in named graphs, or those of one graph (lazily)."""
        store = self._store()
        if graph is not None:
            yield from store.quads_for_pattern(None, None, None, graph_node(graph))
            return
        for quad in store:
            name = quad.graph_name
            if isinstance(name, ox.NamedNode) and not self._hidden(name):
                yield quad

    def close(self) -> None:
        """Flush and release the store (and its lock)."""
        store, self.pyoxigraph_store = self.pyoxigraph_store, None
        if store is not None and self.path is not None:
            try:
                store.flush()
            except OSError as exc:
                log.warning("flushing the store failed: %s", exc)
        del store


def _evaluation_error(exc: Exception) -> QueryEvaluationError:
    return QueryEvaluationError(f"the query failed: {exc}")


def _triples(triples: ox.QueryTriples) -> Iterator[ox.Triple]:
    try:
        yield from triples
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryEvaluationError(f"the query failed: {exc}") from exc
