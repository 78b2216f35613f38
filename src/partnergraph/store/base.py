"""The store contract: what every backend (embedded Oxigraph, remote SPARQL 1.1) provides."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

if TYPE_CHECKING:
    from partnergraph.store.graph_change import GraphChange

Term = NamedNode | BlankNode | Literal
STAGING_PREFIX = "https://w3id.org/partnergraph/graph/staging/"


@dataclass
class SelectResult:
    """Rows of a SELECT query: `variables` in projection order, each row a dict of bound terms."""

    variables: list[str]
    rows: Iterator[dict[str, Term]]


@dataclass
class AskResult:
    """The answer of an ASK query."""

    value: bool


@dataclass
class GraphResult:
    """Triples of a CONSTRUCT or DESCRIBE query."""

    triples: Iterator[Triple]


QueryResult = SelectResult | AskResult | GraphResult


@dataclass
class Dataset:
    """An explicit RDF dataset for one query: default and named graph IRIs (SPARQL Protocol)."""

    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


class GraphStore(ABC):
    """A quad store with named graphs, queried with SPARQL 1.1.

    Queries see the union of all named graphs as their default graph unless an explicit Dataset is
    given. Writes replace whole named graphs atomically.
    """

    @abstractmethod
    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              dataset: Dataset | None = None) -> QueryResult:
        """Run a SPARQL query; `bindings` substitute variables with RDF terms, never text."""

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
        """Named graph IRI -> number of triples in it."""

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
