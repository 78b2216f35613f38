"""The SPARQL tokenizer and the inspections built on it, checked against pyoxigraph where it matters."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from partnergraph.errors import QuerySyntaxError
from partnergraph.store.sparql_lexer import (
    append_limit_offset,
    declared_prefixes,
    has_clause,
    insert_values,
    is_update,
    query_form,
    service_clauses,
    first_service_mention,
    unescape_codepoints,
    significant_tokens,
)

EX = "http://example.org/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    for i in range(6):
        s.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"v{i}"),
                      ox.NamedNode(f"{EX}g")))
    return s


def rows(store: ox.Store, query: str) -> list[tuple]:
    result = store.query(query, use_default_graph_as_union=True)
    return sorted(tuple(str(t) for t in solution) for solution in result)


# --- tokens ------------------------------------------------------------------------------------------


def test_hash_inside_an_iri_is_not_a_comment():
    tokens = significant_tokens("SELECT * { ?s <http://x/#a> ?o }")
    assert [t.text for t in tokens if t.kind == "IRI"] == ["<http://x/#a>"]
    assert tokens[-1].text == "}"


def test_long_strings_span_lines_and_hold_quotes():
    text = 'ASK { ?s ?p """one "two" ""three""\nSERVICE <x> { }""" , \'\'\'it\'s\nfine\'\'\' }'
    strings = [t.text for t in significant_tokens(text) if t.kind == "STRING"]
    assert strings == ['"""one "two" ""three""\nSERVICE <x> { }"""', "'''it's\nfine'''"]


def test_escaped_quotes_stay_inside_short_strings():
    tokens = significant_tokens(r'ASK { ?s ?p "a\"b SERVICE <x>" . ?s ?p ' + "'c\\'d' }")
    assert [t.kind for t in tokens] == ["WORD", "PUNCT", "VAR", "VAR", "STRING", "PUNCT", "VAR", "VAR",
                                        "STRING", "PUNCT"]


def test_prefixed_names_variables_and_numbers():
    tokens = significant_tokens("SELECT $x ?y { ?x ex:a.b ex:c\\.d ; :e 1.5e3, -2, .5 ; ex: _:b0 }")
    kinds = {t.text: t.kind for t in tokens}
    assert kinds["$x"] == kinds["?y"] == "VAR"
    assert kinds["ex:a.b"] == kinds["ex:c\\.d"] == kinds[":e"] == kinds["ex:"] == "PNAME"
    assert kinds["1.5e3"] == kinds[".5"] == "NUMBER"
    assert kinds["_:b0"] == "BNODE"


# --- query_form and is_update ------------------------------------------------------------------------


@pytest.mark.parametrize("text, form", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("select * { ?s ?p ?o }", "SELECT"),
    ("PREFIX ex: <http://x/> BASE <http://b/> ASK { ?s ex:p ?o }", "ASK"),
    ("# DESCRIBE in a comment\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("PREFIX select: <http://x/>\n describe <http://x/a>", "DESCRIBE"),
])
def test_query_form_skips_the_prologue_and_comments(text, form):
    assert query_form(text) == form


@pytest.mark.parametrize("text", ["", "# only a comment", "INSERT DATA { <a> <b> <c> }",
                                  "PREFIX ex: <http://x/>", "'SELECT' { }"])
def test_text_without_a_query_form_is_a_syntax_error(text):
    with pytest.raises(QuerySyntaxError):
        query_form(text)


@pytest.mark.parametrize("text", [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "PREFIX ex: <http://x/>\ndelete where { ?s ex:p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL", "create graph <http://g>", "DROP SILENT GRAPH <http://g>",
    "COPY DEFAULT TO <http://g>", "MOVE <http://a> TO <http://b>", "ADD <http://a> TO <http://b>",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "INSERT DATA { <http://a> <http://b> 'SELECT' } ; DROP ALL",
])
def test_updates_are_recognised(text):
    assert is_update(text)


@pytest.mark.parametrize("text", [
    "SELECT * { ?s ?p 'INSERT DATA' }",
    "# DROP ALL\nASK { ?s <http://x/delete> ?o }",
    "SELECT ?insert ?load { ?insert <http://x/p> ?load }",
    "SELECT * { ?s ex:drop ?o }",
])
def test_queries_mentioning_update_words_are_not_updates(text):
    assert not is_update(text)


# --- SERVICE ----------------------------------------------------------------------------------------


def test_every_mention_of_service_is_found_wherever_it_stands():
    for text in ['SELECT * { ?s ?p "customer SerVice" }', "SELECT * { ?s <http://x/service> ?o }",
                 "SELECT * {} # a SERVICE in a comment", "PREFIX services: <http://x/> SELECT * {}",
                 "SELECT * { \\u0053ERVICE <http://x/> {} }", "SELECT * { ?s ?p '\\u0073ervice' }"]:
        assert first_service_mention(text) is not None, text
    assert first_service_mention("SELECT * WHERE { ?s ?p ?o }") is None
    assert first_service_mention("SELECT * { ?s ?p 'serv ice' }") is None


def test_codepoint_escapes_are_decoded_before_reading():
    assert unescape_codepoints("\\u0053ERVICE \\U0001F600") == "SERVICE \U0001F600"
    assert unescape_codepoints("no escapes") == "no escapes"


def test_service_clauses_and_strays_are_told_apart():
    text = ("PREFIX ep: <http://endpoints.example/>\n"
            "SELECT * WHERE {\n"
            "  service <http://a.example/sparql> { ?s ?p ?o }\n"
            "  SERVICE SILENT ep:wikidata { ?s ?p ?o }\n"
            "  Service silent <relative> { ?s ?p ?o }\n"
            "  SERVICE ?endpoint { ?s ?p ?o }\n"
            "  { SELECT * { SERVICE # a comment\n <http://nested.example/#q> { ?s ?p ?o } } }\n"
            "  ?s ?p 'SERVICE <http://evil/>' . ?s <http://x/service> ?o .\n"
            "  SERVICESILENT<http://glued.example/> {}\n"
            "}")
    clauses, strays = service_clauses(text)
    assert [c.endpoint for c in clauses] == ["http://a.example/sparql", None, "http://nested.example/#q"]
    assert [s.text for s in strays] == ["SERVICE", "Service", "'SERVICE <http://evil/>'",
                                        "<http://x/service>", "SERVICESILENT"]


def test_service_hidden_behind_a_less_than_operator_is_a_stray():
    # pyoxigraph reads `<` after ?a as less-than, so SERVICE is a keyword; a naive lexer sees one IRI.
    text = ("SELECT * WHERE { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)SERVICE#>\n"
            "<http://127.0.0.1:9/>{} }")
    with pytest.raises(OSError, match="port 9"):  # the engine did try to call the endpoint
        list(ox.Store().query(text))
    clauses, strays = service_clauses(text)
    assert clauses == [] and len(strays) == 1


def test_declared_prefixes():
    assert declared_prefixes("BASE <http://b/> PREFIX a: <http://a/> PREFIX : <rel#> SELECT * {}") == {
        "a": "http://a/", "": "http://b/rel#"}


# --- has_clause --------------------------------------------------------------------------------------


def test_has_clause_only_looks_at_the_top_level():
    subquery = "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 5 OFFSET 1 } }"
    assert not has_clause(subquery, "LIMIT")
    assert not has_clause(subquery, "offset")
    assert has_clause(subquery + " limit 3", "LIMIT")
    assert not has_clause('SELECT ?limit { ?limit ?p "LIMIT 3" } # LIMIT 4', "LIMIT")


# --- insert_values -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "SELECT ?s ?o WHERE { ?s ?p ?o }",
    "SELECT ?s ?o { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/>\nSELECT ?s ?o FROM <http://example.org/g> WHERE { ?s ex:p ?o }",
    "SELECT ?s ?o (EXISTS { ?s ?p ?o } AS ?e) WHERE { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?s ?o WHERE { { SELECT ?s ?o WHERE { ?s ?p ?o } } }",
    "SELECT ?s ?o WHERE { SELECT ?s ?o WHERE { ?s ?p ?o } }",
    "SELECT ?s ?o WHERE { # a comment right after the brace\n ?s ?p ?o }",
])
def test_insert_values_restricts_select_queries(store, text):
    rewritten = insert_values(text, ["s"], [[f"<{EX}s1>"], [f"<{EX}s3>"]])
    found = rows(store, rewritten)
    assert [r[0] for r in found] == [f"<{EX}s1>", f"<{EX}s3>"]


def test_insert_values_with_several_variables_and_literals(store):
    text = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    rewritten = insert_values(text, ["?s", "o"], [[f"<{EX}s2>", '"v2"'], [f"<{EX}s4>", '"nope"@en']])
    assert rows(store, rewritten) == [(f"<{EX}s2>", '"v2"')]


@pytest.mark.parametrize("text", [
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 10",
])
def test_insert_values_restricts_construct_queries(store, text):
    rewritten = insert_values(text, ["s"], [[f"<{EX}s5>"]])
    triples = list(store.query(rewritten, use_default_graph_as_union=True))
    assert [str(t.subject) for t in triples] == [f"<{EX}s5>"]


def test_insert_values_in_ask_and_describe(store):
    assert bool(store.query(insert_values("ASK { ?s ?p 'v1' }", ["s"], [[f"<{EX}s1>"]]),
                            use_default_graph_as_union=True))
    assert not bool(store.query(insert_values("ASK WHERE { ?s ?p 'v1' }", ["s"], [[f"<{EX}s2>"]]),
                                use_default_graph_as_union=True))
    described = insert_values("DESCRIBE ?s WHERE { ?s ?p ?o }", ["s"], [[f"<{EX}s0>"]])
    assert {str(t.subject) for t in store.query(described, use_default_graph_as_union=True)} == {
        f"<{EX}s0>"}


def test_insert_values_refuses_text_that_is_not_one_term():
    with pytest.raises(QuerySyntaxError):
        insert_values("SELECT * { ?s ?p ?o }", ["s"], [["<http://a> } ; DROP ALL ; {"]])
    with pytest.raises(QuerySyntaxError):
        insert_values("SELECT * { ?s ?p ?o }", ["s p"], [["<http://a>"]])
    with pytest.raises(QuerySyntaxError):
        insert_values("SELECT * { ?s ?p ?o }", ["s"], [["<http://a>", "<http://b>"]])
    with pytest.raises(QuerySyntaxError):
        insert_values("DESCRIBE <http://a>", ["s"], [["<http://a>"]])


# --- append_limit_offset -----------------------------------------------------------------------------


def test_append_limit_offset_after_a_trailing_comment(store):
    text = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s # sorted"
    rewritten = append_limit_offset(text, limit=2, offset=1)
    assert rows(store, rewritten) == [(f"<{EX}s1>",), (f"<{EX}s2>",)]


def test_append_limit_goes_before_a_trailing_values_clause(store):
    text = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s VALUES ?o { 'v0' 'v1' 'v2' }"
    assert len(rows(store, append_limit_offset(text, limit=2))) == 2


def test_append_limit_refuses_a_second_limit_but_not_an_offset(store):
    with pytest.raises(QuerySyntaxError, match="already has a top-level LIMIT"):
        append_limit_offset("SELECT * { ?s ?p ?o } LIMIT 3", limit=2)
    assert len(rows(store, append_limit_offset("SELECT * { ?s ?p ?o } OFFSET 4", limit=1))) == 1
    sub = "SELECT * { { SELECT * { ?s ?p ?o } LIMIT 3 } }"
    assert len(rows(store, append_limit_offset(sub, limit=2))) == 2
    with pytest.raises(QuerySyntaxError):
        append_limit_offset(sub, limit=-1)
