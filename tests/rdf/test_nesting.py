"""Nesting depth of JSON-LD and RDF/XML bodies, measured before parsing (their parsers are quadratic in it)."""

from __future__ import annotations

import pytest

from partnergraph.errors import RdfSyntaxError
from partnergraph.rdf.formats import JSON_LD, RDF_XML
from partnergraph.rdf.nesting import json_depth, xml_depth
from partnergraph.rdf.parsing import parse_bytes


@pytest.mark.parametrize(("text", "depth"), [
    (b'{"a": 1}', 1),
    (b'{"a": [1, {"b": "]]]]\\"]]\\\\"}]}', 3),  # brackets and escapes inside strings do not count
    (b'{"a": "\\\\"}', 1),
    (b'["[", "", "]", [["{"]]]', 3),
    (b'{"a":' * 50 + b"1" + b"}" * 50, 50),
])
def test_json_depth_counts_objects_and_arrays_outside_strings(text, depth):
    assert json_depth(text, 100) == depth


def test_json_depth_stops_past_the_limit_and_counts_opens_never_closed():
    assert json_depth(b'{"a":' * 5000 + b"1" + b"}" * 5000, 100) == 101
    assert json_depth(b'{"a":' * 6000, 100) == 101


def test_xml_depth_counts_elements():
    assert xml_depth(b"<a><b><c/></b><b/></a>", 100) == 3
    assert xml_depth(b"<a>" * 500 + b"</a>" * 500, 100) == 101


def test_deep_bodies_are_refused_before_the_parser_sees_them():
    deep_json = b'{"@id": "http://e.example/a", "http://e.example/p": ' + b'{"http://e.example/p": ' * 200 + b"1" \
        + b"}" * 201
    with pytest.raises(RdfSyntaxError, match="nests more than 100 levels"):
        parse_bytes(deep_json, JSON_LD)
    deep_xml = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e.example/">'
                + b"<e:x>" * 200 + b"</e:x>" * 200 + b"</rdf:RDF>")
    with pytest.raises(RdfSyntaxError, match="nests more than 100 levels"):
        parse_bytes(deep_xml, RDF_XML)
