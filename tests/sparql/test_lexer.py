"""The SPARQL tokenizer and the inspections built on it, checked against pyoxigraph where it matters."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from partnergraph.errors import QuerySyntaxError
from partnergraph.sparql.lexer import (
    declared_prefixes,
    nesting_depth,
    first_service_mention,
    is_update,
    query_form,
    service_clauses,
    significant_tokens,
    unescape_codepoints,
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


# --- nesting ---------------------------------------------------------------------------------------------


def test_nesting_depth_counts_brackets_outside_strings_iris_and_comments():
    assert nesting_depth("SELECT * { ?s ?p ?o }", 1000) == 1
    assert nesting_depth('SELECT * { ?s <http://x/(a)> "((" FILTER((1)) } # (((', 1000) == 3
    assert nesting_depth("SELECT * WHERE " + "{ " * 2000 + "?s ?p ?o" + " }" * 2000, 1000) == 1001
    assert nesting_depth("SELECT * WHERE { FILTER(" + "(" * 5000 + "1", 1000) == 1001  # never closed
