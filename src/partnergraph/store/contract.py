"""The store contract: what every backend (embedded Oxigraph, remote SPARQL 1.1) provides.

A backend answers queries in-process (`GraphStore.query`, for partnergraph's own reads) and opens the
executor that runs the public's queries (`GraphStore.open_executor`): time-limited, streamed, serialised.
Each backend chooses its own executor, so nothing above the store asks which backend it has.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

import pyoxigraph as ox
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from partnergraph.errors import PartnergraphError, UnsupportedFormat
from partnergraph.namespaces import STAGING_PREFIX
from partnergraph.rdf.formats import result_format
from partnergraph.rdf.serializing import serialize_rdf
from partnergraph.store.graph_change import GraphChange

Term = NamedNode | BlankNode | Literal
__all__ = ["STAGING_PREFIX", "AskResult", "Dataset", "GraphChange", "GraphResult", "GraphStore", "QueryExecutor",
           "QueryResult", "QueryStream", "SelectResult", "Term"]


class SelectResult:
    """The solutions of a SELECT query, read once: as rows (`rows`, or iterating) or serialised (`write`).

    Backends hand over pyoxigraph's own solutions (from the engine, or parsed from a server's answer) and
    a function that turns a failure while reading them into a PartnergraphError.
    """

    def __init__(self, solutions: ox.QuerySolutions,
                 failure: Callable[[Exception], PartnergraphError]) -> None:
        self.variables = [v.value for v in solutions.variables]
        self._solutions = solutions
        self._failure = failure

    @property
    def rows(self) -> Iterator[dict[str, Term]]:
        """Each solution as a dict of its bound variables."""
        variables = self.variables
        try:
            for solution in self._solutions:
                yield {name: term for name, term in zip(variables, solution) if term is not None}
        except (OSError, RuntimeError, ValueError, SyntaxError) as exc:
            raise self._failure(exc) from exc

    def __iter__(self) -> Iterator[dict[str, Term]]:
        return self.rows

    def write(self, fmt: str, output: BinaryIO) -> None:
        """Serialise the solutions (json, xml, csv, tsv) into `output` as they are read."""
        target = result_format(fmt).results
        if target is None:
            raise UnsupportedFormat(f"a SELECT result cannot be written as {fmt!r}")
        try:
            self._solutions.serialize(output, target)
        except (OSError, RuntimeError, ValueError, SyntaxError) as exc:
            raise self._failure(exc) from exc


@dataclass
class AskResult:
    """The answer of an ASK query."""

    value: bool

    def write(self, fmt: str, output: BinaryIO) -> None:
        """Serialise the answer in SPARQL JSON or XML (CSV and TSV have no boolean)."""
        word = "true" if self.value else "false"
        if fmt == "json":
            output.write(b'{"head":{},"boolean":' + word.encode() + b"}")
        elif fmt == "xml":
            output.write(b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                         b"<head></head><boolean>" + word.encode() + b"</boolean></sparql>")
        else:
            raise UnsupportedFormat(f"an ASK result can be written as json or xml, not {fmt!r}")


@dataclass
class GraphResult:
    """Triples of a CONSTRUCT or DESCRIBE query."""

    triples: Iterator[Triple]

    def write(self, fmt: str, output: BinaryIO, prefixes: dict[str, str] | None = None) -> None:
        """Serialise the triples in an RDF syntax into `output`."""
        serialize_rdf(self.triples, fmt, prefixes, output=output)


QueryResult = SelectResult | AskResult | GraphResult


@dataclass
class Dataset:
    """An explicit RDF dataset for one query: default and named graph IRIs (SPARQL Protocol)."""

    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


class QueryStream(Protocol):
    """The serialised result of one query: bytes chunks, the first one ready; close() stops it early."""

    form: str

    def __iter__(self) -> Iterator[bytes]: ...

    def read(self) -> bytes: ...

    def close(self) -> None: ...


class QueryExecutor(Protocol):
    """Runs queries with a time limit and returns serialised, streamed results."""

    def execute(self, query: str, *, default_graphs: list[str] | None = None,
                named_graphs: list[str] | None = None, union_default_graph: bool = True,
                substitutions: Mapping[str, Term] | None = None, result_format: str = "json",
                timeout: float | None = None) -> QueryStream: ...

    def store_changed(self) -> None:
        """The store was written: later queries must see the change."""

    def status(self) -> dict:
        """What a health check reports about the executor (workers alive, waiting requests...)."""

    def close(self) -> None: ...


class GraphStore(ABC):
    """A quad store with named graphs, queried with SPARQL 1.1.

    Queries see the union of all named graphs as their default graph unless an explicit Dataset is
    given. Writes replace whole named graphs atomically.
    """

    tracks_writes = True
    """True when every write goes through this object, so a local write counter can version the store
    (for ETags); False for a server that other clients may write."""

    @abstractmethod
    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              dataset: Dataset | None = None) -> QueryResult:
        """Run a SPARQL query; `bindings` substitute variables with RDF terms, never text."""

    @abstractmethod
    def open_executor(self, *, workers: int, timeout: float | None, network: bool = False,
                      max_waiting: int | None = None) -> QueryExecutor:
        """The executor for the public's queries: `workers` at a time, each stopped at `timeout` seconds,
        at most `max_waiting` more waiting for their turn (None: no bound).

        Only an executor opened with `network=True` may evaluate SERVICE clauses that reach the network.
        """

    @abstractmethod
    def replace_graph(self, graph: str, triples: Iterable[Triple]) -> int:
        """Atomically replace the content of named graph `graph`; returns the triple count."""

    @abstractmethod
    def apply(self, change: GraphChange) -> None:
        """Apply a change to several graphs atomically: all of it lands, or nothing does."""

    @abstractmethod
    def drop_graph(self, graph: str) -> None:
        """Remove a named graph and its triples (no error if absent)."""

    @abstractmethod
    def graphs(self) -> dict[str, int]:
        """Named graph IRI -> number of triples in it (counts every triple: costs a scan)."""

    @abstractmethod
    def has_graph(self, graph: str) -> bool:
        """True when the named graph exists (cheap: no count)."""

    @abstractmethod
    def quads(self, graph: str | None = None) -> Iterator[Quad]:
        """All quads, or those of one named graph."""

    @abstractmethod
    def close(self) -> None:
        """Release the store (files, locks, connections)."""

    def is_empty(self) -> bool:
        """True when the store holds no named graph."""
        return not self.graphs()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
