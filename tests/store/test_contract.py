"""The GraphStore contract, one suite run against every backend (embedded memory/disk, remote, remote union)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from partnergraph.errors import QueryEvaluationError, QuerySyntaxError, StoreError
from partnergraph.store.contract import STAGING_PREFIX, AskResult, Dataset, GraphResult, SelectResult

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
G1, G2, G3 = f"{EX}graph/1", f"{EX}graph/2", f"{EX}graph/3"
NASTY = [
    'say "hello"',
    "two\nlines\r\nand\ttabs",
    "closing } brace { and ; dot .",
    'triple """ quotes \'\'\' too',
    "back\\slash \\n not a newline \\",
    "unicode: Zürich 東京 🚀 \u0000 nul",
    '" } ; DROP ALL ; SELECT * WHERE { ?s ?p "',
    '"^^<http://example.org/evil> . ?s ?p ?o #',
    "",
]


def iri(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


def triple(s: str, p: str, o) -> ox.Triple:
    return ox.Triple(iri(s), iri(p), o if not isinstance(o, str) else iri(o))


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


DATA_1 = [triple("alice", "knows", "bob"), triple("alice", "name", ox.Literal("Alice")),
          triple("bob", "age", typed("42", "integer"))]
DATA_2 = [triple("bob", "name", ox.Literal("Bob")), triple("carol", "knows", "alice")]


@pytest.fixture
def loaded(store):
    store.replace_graph(G1, DATA_1)
    store.replace_graph(G2, DATA_2)
    return store


def select(store, sparql: str, **kwargs) -> list[dict]:
    result = store.query(sparql, **kwargs)
    assert isinstance(result, SelectResult)
    return list(result.rows)


def values(store, sparql: str, var: str, **kwargs) -> set:
    return {row[var] for row in select(store, sparql, **kwargs) if var in row}


def contents(store, graph: str | None = None) -> set[ox.Quad]:
    return set(store.quads(graph))


def test_replaced_graphs_make_up_the_union_default_graph(loaded):
    rows = select(loaded, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    found = {ox.Triple(r["s"], r["p"], r["o"]) for r in rows}
    assert found == set(DATA_1) | set(DATA_2)
    names = values(loaded, f"SELECT ?n WHERE {{ ?who <{EX}name> ?n }}", "n")
    assert names == {ox.Literal("Alice"), ox.Literal("Bob")}


def test_a_join_spans_graphs_in_the_union_default_graph(loaded):
    rows = select(loaded, f"SELECT ?x ?n WHERE {{ ?x <{EX}knows> ?y . ?y <{EX}name> ?n }}")
    assert {(r["x"], r["n"]) for r in rows} == {(iri("alice"), ox.Literal("Bob")),
                                               (iri("carol"), ox.Literal("Alice"))}


def test_replacing_a_graph_twice_gives_the_same_store(store):
    store.replace_graph(G1, DATA_1)
    first = (contents(store), store.graphs())
    assert store.replace_graph(G1, DATA_1) == len(DATA_1)
    assert (contents(store), store.graphs()) == first


def test_replacing_a_graph_drops_its_old_triples(loaded):
    new = [triple("dave", "name", ox.Literal("Dave"))]
    assert loaded.replace_graph(G1, new) == 1
    assert contents(loaded, G1) == {ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G1)) for t in new}
    assert loaded.graphs() == {G1: 1, G2: len(DATA_2)}
    assert values(loaded, f"SELECT ?n WHERE {{ ?who <{EX}name> ?n }}", "n") == \
        {ox.Literal("Bob"), ox.Literal("Dave")}


def failing(triples, after: int):
    for i, t in enumerate(triples):
        if i == after:
            raise RuntimeError("the source broke half-way")
        yield t


def test_failed_replace_leaves_the_old_graph_intact(loaded):
    before = (contents(loaded), loaded.graphs())
    replacement = [triple(f"s{i}", "p", ox.Literal(str(i))) for i in range(100)]
    with pytest.raises(RuntimeError, match="half-way"):
        loaded.replace_graph(G1, failing(replacement, 50))
    with pytest.raises(RuntimeError, match="half-way"):
        loaded.replace_graph(G3, failing(replacement, 50))
    assert (contents(loaded), loaded.graphs()) == before
    assert not any(q.graph_name.value.startswith(STAGING_PREFIX) for q in loaded.quads())
    assert values(loaded, "SELECT ?g WHERE { GRAPH ?g { } }", "g") == {ox.NamedNode(G1), ox.NamedNode(G2)}
    assert not loaded.query(f"ASK {{ <{EX}s1> ?p ?o }}").value


def test_drop_graph_removes_the_graph_and_its_triples(loaded):
    loaded.drop_graph(G1)
    assert loaded.graphs() == {G2: len(DATA_2)}
    assert contents(loaded, G1) == set()
    assert not loaded.query(f"ASK {{ <{EX}alice> <{EX}name> ?n }}").value
    loaded.drop_graph(G1)  # absent: no error
    loaded.drop_graph(G3)
    assert loaded.graphs() == {G2: len(DATA_2)}


def test_reserved_and_invalid_graph_names_are_refused(store):
    with pytest.raises(StoreError, match="reserved"):
        store.replace_graph(f"{STAGING_PREFIX}mine", DATA_1)
    with pytest.raises(StoreError, match="must be an absolute IRI"):
        store.replace_graph("not an iri", DATA_1)
    with pytest.raises(StoreError, match="must be an absolute IRI"):
        store.drop_graph("not an iri")
    assert store.graphs() == {}


def test_graphs_counts_the_triples_of_each_graph(store):
    assert store.graphs() == {}
    assert store.is_empty()
    assert store.replace_graph(G1, DATA_1) == 3
    assert store.replace_graph(G2, iter(DATA_2)) == 2
    assert store.replace_graph(G3, []) == 0
    assert store.graphs() == {G1: 3, G2: 2, G3: 0}
    assert not store.is_empty()


def test_quads_of_one_graph_and_of_all(loaded):
    g1 = {ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G1)) for t in DATA_1}
    g2 = {ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G2)) for t in DATA_2}
    assert contents(loaded, G1) == g1
    assert contents(loaded, G2) == g2
    assert contents(loaded) == g1 | g2
    assert contents(loaded, G3) == set()


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_string_bindings_match_exactly_and_never_become_syntax(loaded, text):
    query = f"SELECT ?s ?v WHERE {{ ?s <{EX}label> ?v }}"
    assert select(loaded, query, bindings={"v": ox.Literal(text)}) == []
    assert loaded.graphs() == {G1: len(DATA_1), G2: len(DATA_2)}
    loaded.replace_graph(G3, [triple("x", "label", ox.Literal(text)),
                              triple("y", "label", ox.Literal(text + "!"))])
    rows = select(loaded, query, bindings={"v": ox.Literal(text)})
    assert rows == [{"s": iri("x"), "v": ox.Literal(text)}]
    assert values(loaded, f"SELECT ?v WHERE {{ <{EX}x> <{EX}label> ?v }}", "v") == {ox.Literal(text)}


def test_typed_literal_and_iri_bindings(loaded):
    query = f"SELECT ?who ?age WHERE {{ ?who <{EX}age> ?age }}"
    assert select(loaded, query, bindings={"age": typed("42", "integer")}) == \
        [{"who": iri("bob"), "age": typed("42", "integer")}]
    assert select(loaded, query, bindings={"age": ox.Literal("42")}) == []
    assert select(loaded, query, bindings={"age": typed("42", "string")}) == []
    query = f"SELECT ?x ?n WHERE {{ ?x <{EX}name> ?n }}"
    assert select(loaded, query, bindings={"x": iri("bob")}) == [{"x": iri("bob"), "n": ox.Literal("Bob")}]
    assert select(loaded, query, bindings={"?x": iri("nobody")}) == []
    ask = f"ASK {{ ?x <{EX}knows> ?y }}"
    assert loaded.query(ask, bindings={"x": iri("carol"), "y": iri("alice")}).value is True
    assert loaded.query(ask, bindings={"x": iri("alice"), "y": iri("carol")}).value is False


def test_bindings_reach_subqueries_that_project_the_variable(loaded):
    query = (f"SELECT ?x ?v ?w WHERE {{ {{ SELECT ?x ?v ?w WHERE {{ BIND(CONCAT(?v, \"!\") AS ?w) "
             f"?x <{EX}name> ?n FILTER(STR(?n) = ?v) }} }} }}")
    assert select(loaded, query, bindings={"v": ox.Literal("Alice")}) == \
        [{"x": iri("alice"), "v": ox.Literal("Alice"), "w": ox.Literal("Alice!")}]


def test_describe_of_a_bound_variable(loaded):
    result = loaded.query("DESCRIBE ?x", bindings={"x": iri("bob")})
    assert {t for t in DATA_1 + DATA_2 if t.subject == iri("bob")} <= set(result.triples)


def test_only_iris_and_literals_can_be_bound_to_variables(loaded):
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    with pytest.raises(QueryEvaluationError, match="IRI or a literal"):
        loaded.query(query, bindings={"s": ox.BlankNode()})
    with pytest.raises(QueryEvaluationError, match="variable name"):
        loaded.query(query, bindings={"s o": iri("alice")})


def test_explicit_dataset_restricts_the_default_graph(loaded):
    query = f"SELECT ?n WHERE {{ ?who <{EX}name> ?n }}"
    assert values(loaded, query, "n", dataset=Dataset(default_graphs=[G1])) == {ox.Literal("Alice")}
    assert values(loaded, query, "n", dataset=Dataset(default_graphs=[G1, G2])) == \
        {ox.Literal("Alice"), ox.Literal("Bob")}
    in_graphs = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert values(loaded, in_graphs, "g", dataset=Dataset(default_graphs=[G1])) == set()


def test_explicit_dataset_restricts_the_named_graphs(loaded):
    in_graphs = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert values(loaded, in_graphs, "g", dataset=Dataset(named_graphs=[G2])) == {ox.NamedNode(G2)}
    default = "SELECT ?s WHERE { ?s ?p ?o }"
    assert select(loaded, default, dataset=Dataset(named_graphs=[G2])) == []
    assert select(loaded, default, dataset=Dataset()) == []
    assert select(loaded, in_graphs, dataset=Dataset()) == []


def test_graph_patterns_see_every_named_graph_with_the_union_default_graph(loaded):
    rows = select(loaded, f"SELECT ?g ?n WHERE {{ GRAPH ?g {{ ?who <{EX}name> ?n }} }}")
    assert {(r["g"], r["n"]) for r in rows} == {(ox.NamedNode(G1), ox.Literal("Alice")),
                                               (ox.NamedNode(G2), ox.Literal("Bob"))}
    rows = select(loaded, f"SELECT ?g WHERE {{ ?x <{EX}knows> ?y . GRAPH ?g {{ ?y <{EX}name> ?n }} }}")
    assert sorted(r["g"].value for r in rows) == [G1, G2]


def test_select_keeps_projection_order_and_omits_unbound_variables(loaded):
    result = loaded.query(f"SELECT ?x ?age ?n WHERE {{ ?x <{EX}name> ?n OPTIONAL {{ ?x <{EX}age> ?age }} }}")
    assert isinstance(result, SelectResult)
    assert result.variables == ["x", "age", "n"]
    rows = {r["x"]: r for r in result.rows}
    assert rows[iri("alice")] == {"x": iri("alice"), "n": ox.Literal("Alice")}
    assert rows[iri("bob")] == {"x": iri("bob"), "n": ox.Literal("Bob"), "age": typed("42", "integer")}


def test_ask_construct_and_describe(loaded):
    assert loaded.query(f"ASK {{ <{EX}alice> ?p ?o }}") == AskResult(True)
    assert loaded.query(f"ASK {{ <{EX}nobody> ?p ?o }}") == AskResult(False)
    result = loaded.query(f"CONSTRUCT {{ ?y <{EX}knownBy> ?x }} WHERE {{ ?x <{EX}knows> ?y }}")
    assert isinstance(result, GraphResult)
    assert set(result.triples) == {triple("bob", "knownBy", "alice"), triple("alice", "knownBy", "carol")}
    result = loaded.query(f"DESCRIBE <{EX}alice>")
    assert isinstance(result, GraphResult)
    described = set(result.triples)
    assert {t for t in DATA_1 if t.subject == iri("alice")} <= described
    assert all(t.subject == iri("alice") for t in described)


def test_query_syntax_error_is_reported(loaded):
    with pytest.raises(QuerySyntaxError):
        loaded.query("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QuerySyntaxError):
        loaded.query("SELECT ?s WHERE { ?s <http://example.org/p> \"unterminated }")
    with pytest.raises(QuerySyntaxError):
        loaded.query("DROP ALL")
    assert loaded.graphs() == {G1: len(DATA_1), G2: len(DATA_2)}


def test_unicode_datatypes_and_language_tags_round_trip(store):
    objects = [ox.Literal("Zürich"), ox.Literal("東京 🚀"), ox.Literal("Den Haag", language="nl"),
               ox.Literal("colour", language="en-GB"), typed("2024-02-29", "date"),
               typed("-1.5", "decimal"), typed("true", "boolean"),
               ox.Literal("x", datatype=ox.NamedNode(f"{EX}customType")), ox.NamedNode(f"{EX}ünï/çødé")]
    data = [triple(f"s{i}", "value", o) for i, o in enumerate(objects)]
    store.replace_graph(G1, data)
    assert contents(store, G1) == {ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G1)) for t in data}
    assert values(store, f"SELECT ?v WHERE {{ ?s <{EX}value> ?v }}", "v") == set(objects)
    constructed = store.query(f"CONSTRUCT WHERE {{ ?s <{EX}value> ?v }}")
    assert set(constructed.triples) == set(data)
    for obj in objects:
        rows = select(store, f"SELECT ?s ?v WHERE {{ ?s <{EX}value> ?v }}", bindings={"v": obj})
        assert [r["v"] for r in rows] == [obj]


def canonical(quads) -> set[str]:
    dataset = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


def test_blank_nodes_survive_a_replace(store):
    a, b = ox.BlankNode("a"), ox.BlankNode("b")
    data = [ox.Triple(iri("alice"), iri("address"), a), ox.Triple(a, iri("street"), ox.Literal("Main")),
            ox.Triple(a, iri("next"), b), ox.Triple(b, iri("street"), ox.Literal("Side"))]
    assert store.replace_graph(G1, data) == 4
    stored = contents(store, G1)
    assert len(stored) == 4
    assert canonical(stored) == canonical(data)
    rows = select(store, f"SELECT ?x ?y WHERE {{ <{EX}alice> <{EX}address> ?x . ?x <{EX}next> ?y . "
                         f"?y <{EX}street> \"Side\" }}")
    assert len(rows) == 1 and isinstance(rows[0]["x"], ox.BlankNode) and rows[0]["x"] != rows[0]["y"]
    store.replace_graph(G1, data)
    assert canonical(contents(store, G1)) == canonical(data)
    assert store.graphs() == {G1: 4}


# --- atomic changes of several graphs (GraphChange) ------------------------------------------------------

def test_a_change_sets_graphs_and_adds_to_others_in_one_step(loaded):
    from partnergraph.store.graph_change import GraphChange

    change = GraphChange()
    change.set_graph(G1, [triple("dave", "knows", "erin")])
    change.set_graph(G2, [])
    change.add(G3, [triple("erin", "name", ox.Literal("Erin"))])
    loaded.apply(change)
    assert contents(loaded, G1) == {ox.Quad(iri("dave"), iri("knows"), iri("erin"), ox.NamedNode(G1))}
    assert G2 not in loaded.graphs()
    assert loaded.graphs()[G3] == 1
    loaded.apply(GraphChange(additions={G3: [triple("erin", "age", typed("30", "integer"))]}))
    assert loaded.graphs()[G3] == 2


def test_a_change_that_creates_a_graph_and_adds_to_another_lands_whole(loaded):
    from partnergraph.store.graph_change import GraphChange

    before = contents(loaded, G1)
    change = GraphChange(contents={G3: [triple("erin", "knows", "dave")]})
    change.add(G1, [triple("erin", "name", ox.Literal("Erin"))])
    loaded.apply(change)
    assert contents(loaded, G3) == {ox.Quad(iri("erin"), iri("knows"), iri("dave"), ox.NamedNode(G3))}
    assert contents(loaded, G1) == before | {ox.Quad(iri("erin"), iri("name"), ox.Literal("Erin"), ox.NamedNode(G1))}
    loaded.apply(GraphChange(contents={G3: [triple("erin", "knows", "bob")]}))  # G3 exists now: replaced
    assert contents(loaded, G3) == {ox.Quad(iri("erin"), iri("knows"), iri("bob"), ox.NamedNode(G3))}


@pytest.mark.parametrize("text", NASTY)
def test_values_in_a_change_never_become_update_syntax(store, text):
    from partnergraph.store.graph_change import GraphChange

    store.replace_graph(G2, DATA_2)
    data = [triple("s", "says", ox.Literal(text)), triple("s", "says", ox.Literal(text, language="en"))]
    store.apply(GraphChange(contents={G1: data}))
    assert contents(store, G1) == {ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G1)) for t in data}
    assert store.graphs() == {G1: 2, G2: len(DATA_2)}


def test_a_change_keeps_blank_node_structure(store):
    from partnergraph.store.graph_change import GraphChange

    a, b = ox.BlankNode("a"), ox.BlankNode("b")
    data = [ox.Triple(iri("alice"), iri("address"), a), ox.Triple(a, iri("next"), b),
            ox.Triple(b, iri("street"), ox.Literal("Side"))]
    store.apply(GraphChange(contents={G1: data}))
    assert canonical(contents(store, G1)) == canonical(data)


def test_a_change_that_cannot_be_written_changes_nothing(loaded):
    from partnergraph.store.graph_change import GraphChange

    before = contents(loaded)
    with pytest.raises(StoreError):
        loaded.apply(GraphChange(contents={G1: [], STAGING_PREFIX + "x": [triple("a", "b", "c")]}))
    assert contents(loaded) == before
