"""Atomic changes to several named graphs at once, written as one SPARQL 1.1 Update request.

A `GraphChange` sets some graphs to new contents (dropping whatever they held) and adds triples to
others. Both backends run it as ONE update request, which Oxigraph executes in one transaction (and
RocksDB commits with one write batch): either every graph changes or none does, also when the process is
killed half-way. Terms are written in N-Triples syntax by pyoxigraph, which escapes every special
character, so no value ever becomes update syntax. Blank nodes keep their labels within the request:
a blank node shared by two triples of the change stays one node.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from partnergraph.errors import StoreError
from partnergraph.namespaces import STAGING_PREFIX
from partnergraph.rdf.iris import absolute_iri


def _graph_iri(graph: str) -> ox.NamedNode:
    node = absolute_iri(graph, "a graph name")
    if graph.startswith(STAGING_PREFIX):
        raise StoreError(f"graph names under {STAGING_PREFIX} are reserved: {graph}")
    return node


@dataclass
class GraphChange:
    """New contents for some named graphs (an empty list drops the graph) and triples added to others."""

    contents: dict[str, list[ox.Triple]] = field(default_factory=dict)
    additions: dict[str, list[ox.Triple]] = field(default_factory=dict)

    def set_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Replace the content of `graph` with `triples` (none: the graph is dropped)."""
        self.contents[graph] = list(triples)

    def add(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add `triples` to `graph`, keeping what it holds."""
        self.additions.setdefault(graph, []).extend(triples)

    @property
    def is_empty(self) -> bool:
        """True when the change does nothing."""
        return not self.contents and not any(self.additions.values())

    def added_quads(self) -> list[ox.Quad] | None:
        """Every triple the change writes, as quads; None when it also drops a graph or names a blank node
        (an update gives a change's blank nodes fresh identities; a list of quads would keep their labels)."""
        if any(not triples for triples in self.contents.values()):
            return None
        quads = []
        for graph, triples in (*self.contents.items(), *self.additions.items()):
            node = _graph_iri(graph)
            for t in triples:
                if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
                    return None
                quads.append(ox.Quad(t.subject, t.predicate, t.object, node))
        return quads

    def update_parts(self) -> Iterator[str]:
        """The text of the update request, in pieces (join them; no piece holds a partial term)."""
        for graph in self.contents:
            yield f"DROP SILENT GRAPH {_graph_iri(graph)} ;\n"
        blocks = [(graph, triples) for graph, triples in self.contents.items() if triples]
        blocks += [(graph, triples) for graph, triples in self.additions.items() if triples]
        if not blocks:
            yield "CLEAR SILENT GRAPH <urn:partnergraph:nothing>\n"  # an update needs one operation
            return
        yield "INSERT DATA {\n"
        for graph, triples in blocks:
            yield f"GRAPH {_graph_iri(graph)} {{\n"
            for t in triples:
                yield f"{t.subject} {t.predicate} {t.object} .\n"
            yield "}\n"
        yield "}\n"

    def to_update(self) -> str:
        """The whole update request as one string."""
        return "".join(self.update_parts())
