"""Stable blank node labels: the same file loaded twice gives the same blank nodes."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox


def stable_blank_nodes(graph: str, triples: list[ox.Triple]) -> list[ox.Triple]:
    """Relabel blank nodes canonically (RDFC-1.0), scoped by graph, so reloading a file changes nothing."""
    if not any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
               for t in triples):
        return triples
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    scope = hashlib.sha256(graph.encode("utf-8")).hexdigest()[:12]

    def relabel(term):
        return ox.BlankNode(f"g{scope}{term.value}") if isinstance(term, ox.BlankNode) else term

    return [ox.Triple(relabel(q.subject), q.predicate, relabel(q.object)) for q in dataset]
