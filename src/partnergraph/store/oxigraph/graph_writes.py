"""Replacing a named graph of the embedded store, all or nothing, at the cost of what changes.

Two ways, chosen by what the graph holds:

* Absent or empty: the triples are bulk-loaded straight into the graph (`Store.bulk_extend`, the speed
  and memory of Oxigraph's bulk loader), which is not one transaction. So a marker naming the graph is
  written first (one transaction, in `LOADING_GRAPH`, under the reserved staging prefix) and removed last:
  `OxigraphStore` leaves the graph out of queries while it loads, and opening a store drops every marked
  graph (a load that was interrupted) before anything reads it. A failing source drops it at once.
* Holding triples: the change against the stored triples is computed (each stored triple looked up in a
  set of the new ones, each new one looked up in the store) and only the change is written, in one
  transaction: `DELETE DATA` + `INSERT DATA` when no blank node is involved, else both sides bulk-loaded
  into staging graphs and moved by one `DELETE/INSERT ... WHERE` update. The same content writes nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

import pyoxigraph as ox

from partnergraph.namespaces import STAGING_PREFIX

log = logging.getLogger(__name__)

LOADING_GRAPH = ox.NamedNode(f"{STAGING_PREFIX}loading")
_LOADS = ox.NamedNode(f"{STAGING_PREFIX}loads")


def interrupted_loads(store: ox.Store) -> list[ox.NamedNode]:
    """The graphs whose bulk load began and did not finish (their markers are still there)."""
    return [q.object for q in store.quads_for_pattern(LOADING_GRAPH, _LOADS, None, LOADING_GRAPH)
            if isinstance(q.object, ox.NamedNode)]


def load_into_empty(store: ox.Store, target: ox.NamedNode, quads: Iterable[ox.Quad]) -> None:
    """Bulk-load `quads` (all in `target`, which holds nothing) under a marker; nothing stays on failure."""
    marker = ox.Quad(LOADING_GRAPH, _LOADS, target, LOADING_GRAPH)
    store.add(marker)  # one transaction: from here on, an interruption is undone when the store opens
    try:
        store.bulk_extend(quads)
        store.add_graph(target)  # an empty source still creates the graph
    except BaseException:
        try:
            store.remove_graph(target)
        except OSError as cleanup:  # the marker stays: the next open drops the graph
            log.error("could not remove the partly loaded graph %s: %s", target.value, cleanup)
            raise
        store.remove_graph(LOADING_GRAPH)
        raise
    store.remove_graph(LOADING_GRAPH)  # the marker (writers take turns: it is the only one)


def replace_by_change(store: ox.Store, target: ox.NamedNode, triples: list[ox.Triple]) -> tuple[int, int]:
    """Make `target` hold exactly `triples` by writing only the difference; (removed, added) counts."""
    new = set(triples)
    removed = [q.triple for q in store.quads_for_pattern(None, None, None, target) if q.triple not in new]
    added = [t for t in new if ox.Quad(t.subject, t.predicate, t.object, target) not in store]
    if not removed and not added:
        return 0, 0
    if any(isinstance(n, ox.BlankNode) for t in (*removed, *added) for n in (t.subject, t.object)):
        _move_through_staging(store, target, removed, added)
    else:
        parts = []
        if removed:
            parts.append(_data_block("DELETE", target, removed))
        if added:
            parts.append(_data_block("INSERT", target, added))
        store.update(" ;\n".join(parts))
    return len(removed), len(added)


def _data_block(operation: str, target: ox.NamedNode, triples: list[ox.Triple]) -> str:
    lines = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    return f"{operation} DATA {{ GRAPH {target} {{\n{lines}\n}} }}"


def _move_through_staging(store: ox.Store, target: ox.NamedNode, removed: list[ox.Triple],
                          added: list[ox.Triple]) -> None:
    """The change with blank nodes (DATA blocks cannot name them): staged, then one update moves it."""
    gone = ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4()}")
    new = ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4()}")
    try:
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, gone) for t in removed)
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, new) for t in added)
        store.update(f"DELETE {{ GRAPH {target} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {gone} {{ ?s ?p ?o }} }} ;\n"
                     f"INSERT {{ GRAPH {target} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {new} {{ ?s ?p ?o }} }}")
    finally:
        for staging in (gone, new):
            try:
                store.remove_graph(staging)
            except OSError as cleanup:  # dropped when the store next opens
                log.error("could not remove staging graph %s: %s", staging.value, cleanup)
