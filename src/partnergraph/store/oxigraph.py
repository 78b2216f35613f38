"""The embedded backend: Oxigraph through pyoxigraph, on disk or in memory."""

from __future__ import annotations

import logging
import uuid
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
from partnergraph.store.base import (
    STAGING_PREFIX,
    AskResult,
    Dataset,
    GraphResult,
    GraphStore,
    QueryResult,
    SelectResult,
    Term,
)

log = logging.getLogger(__name__)


def _open(path: Path) -> ox.Store:
    if path.exists() and not path.is_dir():
        raise StoreUnavailable(f"cannot open the store at {path}: it is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create the store directory {path}: {exc.strerror}") from exc
    try:
        return ox.Store(str(path))
    except OSError as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise StoreLocked(
                f"the store at {path} is locked: another partnergraph process (a running "
                f"`partnergraph serve`, or another command) holds it; stop it or use another --store"
            ) from exc
        raise StoreUnavailable(f"cannot open the store at {path}: {text}") from exc


class OxigraphStore(GraphStore):
    """A GraphStore over a pyoxigraph Store; `path=None` keeps everything in memory."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.pyoxigraph_store = _open(self.path) if self.path is not None else ox.Store()
        self._drop_staging()

    def _drop_staging(self) -> None:
        for graph in list(self.pyoxigraph_store.named_graphs()):
            if isinstance(graph, ox.NamedNode) and graph.value.startswith(STAGING_PREFIX):
                log.warning("removing staging graph %s left by an interrupted write", graph.value)
                self.pyoxigraph_store.remove_graph(graph)

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              dataset: Dataset | None = None) -> QueryResult:
        """Run a SPARQL query; bindings become pyoxigraph substitutions."""
        kwargs: dict = {}
        if dataset is None:
            kwargs["use_default_graph_as_union"] = True
        else:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs] or \
                [ox.DefaultGraph()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
        if bindings:
            kwargs["substitutions"] = {ox.Variable(k.lstrip("?$")): v for k, v in bindings.items()}
        try:
            result = self.pyoxigraph_store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from exc
        except (OSError, ValueError, TypeError) as exc:
            raise QueryEvaluationError(f"the query failed: {exc}") from exc
        if isinstance(result, ox.QueryBoolean):
            return AskResult(bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            return SelectResult(variables, _rows(result, variables))
        return GraphResult(_triples(result))

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> int:
        """Load into a staging graph, then swap it in with one update (one transaction)."""
        staging = ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4()}")
        target = ox.NamedNode(graph)
        count = 0

        def quads() -> Iterator[ox.Quad]:
            nonlocal count
            for t in triples:
                count += 1
                yield ox.Quad(t.subject, t.predicate, t.object, staging)

        store = self.pyoxigraph_store
        try:
            store.extend(quads())
            store.update(f"DROP SILENT GRAPH {target} ; MOVE SILENT GRAPH {staging} TO {target}")
        except BaseException as exc:
            if store.contains_named_graph(staging):
                store.remove_graph(staging)
            if isinstance(exc, (OSError, ValueError, SyntaxError)):
                raise StoreError(f"writing graph {graph} failed: {exc}") from exc
            raise
        if count == 0:
            # MOVE of an empty (absent) staging graph leaves nothing; keep an empty graph visible
            store.add_graph(target)
        return count

    def drop_graph(self, graph: str) -> None:
        """Remove a named graph (no error if absent)."""
        self.pyoxigraph_store.update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")

    def graphs(self) -> dict[str, int]:
        """Named graph IRI -> triple count (staging graphs excluded)."""
        result = self.pyoxigraph_store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        counts = {s["g"].value: int(s["n"].value) for s in result
                  if not s["g"].value.startswith(STAGING_PREFIX)}
        for graph in self.pyoxigraph_store.named_graphs():
            if isinstance(graph, ox.NamedNode) and not graph.value.startswith(STAGING_PREFIX):
                counts.setdefault(graph.value, 0)
        return counts

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad in named graphs, or those of one graph."""
        if graph is not None:
            yield from self.pyoxigraph_store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            return
        for quad in self.pyoxigraph_store:
            if isinstance(quad.graph_name, ox.NamedNode) and \
                    not quad.graph_name.value.startswith(STAGING_PREFIX):
                yield quad

    def close(self) -> None:
        """Flush and release the store (and its lock)."""
        store = getattr(self, "pyoxigraph_store", None)
        if store is not None and self.path is not None:
            try:
                store.flush()
            except OSError as exc:
                log.warning("flushing the store failed: %s", exc)
        self.pyoxigraph_store = None
        del store


def _rows(solutions: ox.QuerySolutions, variables: list[str]) -> Iterator[dict[str, Term]]:
    try:
        for solution in solutions:
            yield {v: solution[v] for v in variables if solution[v] is not None}
    except OSError as exc:
        raise QueryEvaluationError(f"the query failed: {exc}") from exc


def _triples(triples: ox.QueryTriples) -> Iterator[ox.Triple]:
    try:
        yield from triples
    except OSError as exc:
        raise QueryEvaluationError(f"the query failed: {exc}") from exc
