"""Finding the line where a node is described in a Turtle text."""

from __future__ import annotations

from partnergraph.rdf.source_lines import lines_for, node_lines

TEXT = """@prefix pg: <https://w3id.org/partnergraph/ontology#> .
@prefix ex: <http://example.org/> .
BASE <http://base.example/x/>
# ex:commented is only in a comment
ex:a a pg:Agreement ; # ex:b is mentioned in a comment here
   pg:hasParty ex:b , <rel> ;
   pg:label "ex:c only inside a string" .

ex:b a pg:State .
<http://example.org/d> pg:x 1 .
ex:slash\\/escaped pg:x ex:a .
"""


def test_a_node_s_line_is_where_it_starts_a_statement_else_its_first_mention():
    lines = node_lines(TEXT)
    assert lines["http://example.org/a"] == 5
    assert lines["http://example.org/b"] == 9  # mentioned on line 6 first, described on line 9
    assert lines["http://base.example/x/rel"] == 6  # relative IRI resolved against BASE
    assert lines["http://example.org/d"] == 10
    assert lines["http://example.org/slash/escaped"] == 11


def test_comments_and_strings_are_not_mentions():
    lines = node_lines(TEXT)
    assert "http://example.org/commented" not in lines
    assert "http://example.org/c" not in lines


def test_lines_for_returns_only_the_nodes_found():
    assert lines_for(TEXT, ["http://example.org/a", "http://example.org/zzz"]) == {"http://example.org/a": 5}
