"""Query rewriting: VALUES blocks of RDF terms and paging clauses, checked against pyoxigraph."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from partnergraph.errors import QuerySyntaxError
from partnergraph.sparql.rewriting import QueryTemplate, bind_values, values_block
from partnergraph.sparql.terms import term_to_sparql

EX = "http://example.org/"


def iri(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    for i in range(6):
        s.add(ox.Quad(iri(f"s{i}"), iri("p"), ox.Literal(f"v{i}"), iri("g")))
    return s


def rows(store: ox.Store, query: str) -> list[tuple]:
    result = store.query(query, use_default_graph_as_union=True)
    return sorted(tuple(str(t) for t in solution) for solution in result)


def render(text: str, values: dict, **paging) -> str:
    return QueryTemplate.read(text).render(values, **paging)


# --- the template ------------------------------------------------------------------------------------


def test_paging_clauses_are_found_at_the_top_level_only():
    subquery = QueryTemplate.read("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 5 OFFSET 1 } }")
    assert not subquery.has_limit and not subquery.has_offset
    assert QueryTemplate.read("SELECT * { ?s ?p ?o } limit 3").has_limit
    assert not QueryTemplate.read('SELECT ?limit { ?limit ?p "LIMIT 3" } # LIMIT 4').has_limit


@pytest.mark.parametrize("text", [
    "SELECT ?s ?o WHERE { ?s ?p ?o }",
    "SELECT ?s ?o { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/>\nSELECT ?s ?o FROM <http://example.org/g> WHERE { ?s ex:p ?o }",
    "SELECT ?s ?o (EXISTS { ?s ?p ?o } AS ?e) WHERE { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?s ?o WHERE { { SELECT ?s ?o WHERE { ?s ?p ?o } } }",
    "SELECT ?s ?o WHERE { SELECT ?s ?o WHERE { ?s ?p ?o } }",
    "SELECT ?s ?o WHERE { # a comment right after the brace\n ?s ?p ?o }",
])
def test_values_restrict_select_queries(store, text):
    found = rows(store, render(text, {"s": [iri("s1"), iri("s3")]}))
    assert [r[0] for r in found] == [f"<{EX}s1>", f"<{EX}s3>"]


def test_one_block_per_variable_joins_them(store):
    text = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    rewritten = render(text, {"s": [iri("s2"), iri("s4")], "o": [ox.Literal("v2"), ox.Literal("nope", language="en")]})
    assert rows(store, rewritten) == [(f"<{EX}s2>", '"v2"')]


@pytest.mark.parametrize("text", [
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 10",
])
def test_values_restrict_construct_queries(store, text):
    triples = list(store.query(render(text, {"s": [iri("s5")]}), use_default_graph_as_union=True))
    assert [str(t.subject) for t in triples] == [f"<{EX}s5>"]


def test_values_in_ask_and_describe(store):
    assert bool(store.query(render("ASK { ?s ?p 'v1' }", {"s": [iri("s1")]}), use_default_graph_as_union=True))
    assert not bool(store.query(render("ASK WHERE { ?s ?p 'v1' }", {"s": [iri("s2")]}),
                                use_default_graph_as_union=True))
    described = render("DESCRIBE ?s WHERE { ?s ?p ?o }", {"s": [iri("s0")]})
    assert {str(t.subject) for t in store.query(described, use_default_graph_as_union=True)} == {f"<{EX}s0>"}
    without_where = render("DESCRIBE ?s", {"s": [iri("s0")]})
    assert {str(t.subject) for t in store.query(without_where, use_default_graph_as_union=True)} == {f"<{EX}s0>"}


def test_values_blocks_refuse_bad_variable_names_and_rows():
    with pytest.raises(QuerySyntaxError):
        values_block(["s p"], [[iri("a")]])
    with pytest.raises(QuerySyntaxError):
        values_block(["s"], [[iri("a"), iri("b")]])
    with pytest.raises(QuerySyntaxError):
        values_block(["s"], [[ox.BlankNode("b")]])
    with pytest.raises(QuerySyntaxError):
        QueryTemplate.read("ASK")


@pytest.mark.parametrize("value", ['" } ; DROP ALL ; SELECT * { ?s ?p ?o', "\\", "a\nb", "\\u0022 } UNION {"])
def test_terms_are_written_so_that_no_value_becomes_syntax(store, value):
    term = ox.Literal(value)
    text = render("SELECT ?o WHERE { ?s ?p ?o }", {"o": [term]})
    assert rows(store, text) == []
    assert [row["x"] for row in store.query(f"SELECT ?x {{ VALUES ?x {{ {term_to_sparql(term)} }} }}")] == [term]


# --- paging --------------------------------------------------------------------------------------------


def test_paging_after_a_trailing_comment(store):
    rewritten = render("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s # sorted", {}, limit=2, offset=1)
    assert rows(store, rewritten) == [(f"<{EX}s1>",), (f"<{EX}s2>",)]


def test_limit_goes_before_a_trailing_values_clause_also_after_inserted_values(store):
    text = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s VALUES ?o { 'v0' 'v1' 'v2' }"
    assert len(rows(store, render(text, {}, limit=2))) == 2
    assert len(rows(store, render(text, {"s": [iri("s0"), iri("s1"), iri("s2")]}, limit=1))) == 1


def test_a_second_limit_is_refused_but_not_an_offset(store):
    with pytest.raises(QuerySyntaxError, match="already has a top-level LIMIT"):
        render("SELECT * { ?s ?p ?o } LIMIT 3", {}, limit=2)
    assert len(rows(store, render("SELECT * { ?s ?p ?o } OFFSET 4", {}, limit=1))) == 1
    sub = "SELECT * { { SELECT * { ?s ?p ?o } LIMIT 3 } }"
    assert len(rows(store, render(sub, {}, limit=2))) == 2
    with pytest.raises(QuerySyntaxError):
        render(sub, {}, limit=-1)


# --- binding in every scope ----------------------------------------------------------------------------


def test_bind_values_restricts_subqueries_that_project_the_variable(store):
    text = "SELECT ?s ?o WHERE { { SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1 } }"
    assert rows(store, bind_values(text, {"s": iri("s3")})) == [(f"<{EX}s3>", '"v3"')]
    found = rows(store, bind_values("SELECT * WHERE { ?s ?p ?o }", {"o": ox.Literal("v4")}))
    assert [set(row) for row in found] == [{f"<{EX}s4>", f"<{EX}p>", '"v4"'}]
