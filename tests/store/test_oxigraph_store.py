"""Embedded-store specifics: the directory lock, bad paths, leftover staging graphs, persistence."""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph as ox
import pytest

from partnergraph.errors import StoreLocked, StoreUnavailable
from partnergraph.store.contract import STAGING_PREFIX
from partnergraph.store.oxigraph.graph_writes import LOADING_GRAPH
from partnergraph.store.oxigraph.store import OxigraphStore

EX = "http://example.org/"
G1 = f"{EX}graph/1"
T = ox.Triple(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("o"))
HOLDER = """
import sys, pyoxigraph
store = pyoxigraph.Store(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


def test_a_directory_held_by_another_process_is_store_locked(tmp_path):
    path = tmp_path / "store"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(StoreLocked) as caught:
            OxigraphStore(path)
        assert str(path) in caught.value.message
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
    with OxigraphStore(path) as store:  # released when the other process exits
        assert store.graphs() == {}


def test_a_path_that_is_a_regular_file_is_store_unavailable(tmp_path):
    path = tmp_path / "not-a-directory"
    path.write_text("hello")
    with pytest.raises(StoreUnavailable) as caught:
        OxigraphStore(path)
    assert str(path) in caught.value.message
    assert not isinstance(caught.value, StoreLocked)
    assert path.read_text() == "hello"


def test_leftover_staging_graphs_are_removed_on_open(tmp_path, caplog):
    path = tmp_path / "store"
    staging = ox.NamedNode(f"{STAGING_PREFIX}interrupted")
    raw = ox.Store(str(path))
    raw.extend([ox.Quad(T.subject, T.predicate, T.object, ox.NamedNode(G1)),
                ox.Quad(T.subject, T.predicate, ox.Literal("half-written"), staging)])
    raw.flush()
    del raw
    with OxigraphStore(path) as store:
        assert store.graphs() == {G1: 1}
        assert staging not in set(store.pyoxigraph_store.named_graphs())
        assert not store.query('ASK { ?s ?p "half-written" }').value
    assert "staging graph" in caplog.text
    with OxigraphStore(path) as store:  # gone for good, not just hidden
        assert set(store.pyoxigraph_store.named_graphs()) == {ox.NamedNode(G1)}


def test_data_persists_across_close_and_reopen(tmp_path):
    path = tmp_path / "store"
    bnode = ox.BlankNode("kept")
    data = [T, ox.Triple(T.subject, ox.NamedNode(f"{EX}q"), bnode),
            ox.Triple(bnode, ox.NamedNode(f"{EX}name"), ox.Literal("Zürich", language="de"))]
    store = OxigraphStore(path)
    store.replace_graph(G1, data)
    store.replace_graph(f"{EX}graph/empty", [])
    before = set(store.quads())
    store.close()
    store.close()  # closing twice is harmless
    with OxigraphStore(path) as reopened:
        assert set(reopened.quads()) == before
        assert reopened.graphs() == {G1: 3, f"{EX}graph/empty": 0}


def test_a_graph_whose_bulk_load_was_interrupted_is_dropped_on_open(tmp_path, caplog):
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.replace_graph(G1, [T])
    raw = ox.Store(str(path))  # what a load killed half-way leaves: its marker and part of its triples
    half = f"{EX}graph/half"
    raw.add(ox.Quad(LOADING_GRAPH, ox.NamedNode(f"{STAGING_PREFIX}loads"), ox.NamedNode(half), LOADING_GRAPH))
    raw.add(ox.Quad(T.subject, T.predicate, ox.Literal("half-loaded"), ox.NamedNode(half)))
    raw.flush()
    del raw
    with OxigraphStore(path) as store:
        assert store.graphs() == {G1: 1}
        assert not store.query('ASK { ?s ?p "half-loaded" }').value
    assert f"removing graph {half}" in caplog.text
    with OxigraphStore(path) as store:
        assert set(store.pyoxigraph_store.named_graphs()) == {ox.NamedNode(G1)}


def test_a_graph_being_loaded_is_not_seen_by_reads_until_it_is_whole(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    store.replace_graph(G1, [T])
    seen = []

    def source():
        for i in range(1_000):
            if i == 500:
                seen.append((store.graphs(), store.query("SELECT ?g WHERE { GRAPH ?g { } }").rows,
                             store.query('ASK { ?s ?p "0" }').value))
            yield ox.Triple(T.subject, T.predicate, ox.Literal(str(i)))

    assert store.replace_graph(f"{EX}graph/2", source()) == 1_000
    graphs, named, found = seen[0]
    assert graphs == {G1: 1}
    assert [row["g"] for row in named] == [ox.NamedNode(G1)]
    assert not found
    assert store.graphs() == {G1: 1, f"{EX}graph/2": 1_000}
    store.close()


def test_replacing_a_graph_writes_the_difference_blank_nodes_included(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    kept, gone, new = ox.BlankNode("kept"), ox.BlankNode("gone"), ox.BlankNode("new")
    p = ox.NamedNode(f"{EX}p")
    old = [ox.Triple(T.subject, p, kept), ox.Triple(kept, p, ox.Literal("a")),
           ox.Triple(T.subject, p, gone), ox.Triple(T.subject, p, ox.Literal("plain, going"))]
    replacement = [ox.Triple(T.subject, p, kept), ox.Triple(kept, p, ox.Literal("a")),
                   ox.Triple(T.subject, p, new), ox.Triple(new, p, ox.Literal("b")), T]
    store.replace_graph(G1, old)
    assert store.replace_graph(G1, replacement) == len(replacement)
    assert {ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(G1)} == set(replacement)
    assert store.replace_graph(G1, [T]) == 1  # no blank node in the difference: DATA blocks
    assert {ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(G1)} == {T}
    assert set(store.pyoxigraph_store.named_graphs()) == {ox.NamedNode(G1)}
    store.close()
