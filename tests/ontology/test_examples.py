"""Every example file is a test case: valid examples conform, each invalid example yields exactly the results its
header lists, and every shape has at least one invalid example."""

from __future__ import annotations

import rdflib
from rdflib.namespace import FOAF, ORG, OWL, RDF, RDFS, SH, TIME


def _describe(onto, results) -> str:
    return "\n".join(f"  {r.key}  [{onto.curie(r.source_shape)}] {r.message}"
                     for r in sorted(results, key=lambda r: r.key))


def _comes_from(shapes: rdflib.Graph, shape: rdflib.URIRef, source_shape: rdflib.term.Node) -> bool:
    """True when a result whose sh:sourceShape is `source_shape` comes from `shape`: the shape itself, one of its
    property shapes, or a property shape that refers to it with sh:node."""
    return (source_shape == shape
            or (shape, SH.property, source_shape) in shapes
            or (source_shape, SH.node, shape) in shapes)


def test_there_are_valid_and_invalid_examples(onto):
    assert onto.valid_examples
    assert onto.invalid_examples


def test_valid_example_has_no_violation_and_only_the_results_its_header_expects(valid_example, onto):
    header = onto.read_header(valid_example)
    results = onto.validate_file(valid_example)
    violations = [r for r in results if r.key.severity == "sh:Violation"]
    assert not violations, f"{valid_example.name} must conform:\n{_describe(onto, violations)}"
    assert all(key.severity != "sh:Violation" for key in header.expected)
    assert {r.key for r in results} == header.expected, (
        f"{valid_example.name}: results differ from its header\n{_describe(onto, results)}")


def test_invalid_example_yields_exactly_the_results_in_its_header(invalid_example, onto, shapes):
    header = onto.read_header(invalid_example)
    assert header.shape and header.breaks and header.expected, (
        f"{invalid_example.name} needs '# Shape:', '# Breaks:' and at least one '# expect:' line")
    results = onto.validate_file(invalid_example)
    actual = {r.key for r in results}
    missing = sorted(map(str, header.expected - actual))
    unexpected = sorted(map(str, actual - header.expected))
    assert not missing and not unexpected, (
        f"{invalid_example.name}\n missing: {missing}\n unexpected: {unexpected}\n"
        f" all results:\n{_describe(onto, results)}")
    shape = onto.expand(header.shape)
    assert any(_comes_from(shapes, shape, r.source_shape) for r in results), (
        f"{invalid_example.name} names {header.shape}, but no result comes from it:\n{_describe(onto, results)}")


def test_invalid_example_is_named_after_its_shape(invalid_example, onto):
    local = onto.read_header(invalid_example).shape.split(":", 1)[1]
    kebab = "".join("-" + c.lower() if c.isupper() else c for c in local).lstrip("-")
    assert invalid_example.name.startswith(kebab + "--"), f"{invalid_example.name} should start with {kebab}--"


def test_every_shape_has_an_invalid_example(onto, shapes):
    node_shapes = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, rdflib.URIRef)}
    covered = {onto.expand(onto.read_header(p).shape) for p in onto.invalid_examples}
    unknown = sorted(map(onto.curie, covered - node_shapes))
    assert not unknown, f"headers name shapes that do not exist: {unknown}"
    uncovered = sorted(map(onto.curie, node_shapes - covered))
    assert not uncovered, f"shapes without an invalid example: {uncovered}"


def test_result_keys_print_like_the_header_lines(onto):
    key = onto.ResultKey("<https://example.org/agreement/a>", "pg:hasParty", "sh:MinCountConstraintComponent",
                         "sh:Violation")
    assert str(key) == ("focus=<https://example.org/agreement/a> path=pg:hasParty "
                        "component=sh:MinCountConstraintComponent severity=sh:Violation")


def test_valid_examples_together_use_every_class(onto, ontology):
    used = set()
    for path in onto.valid_examples:
        for cls in onto.parse(path).objects(None, RDF.type):
            used |= set(ontology.transitive_objects(cls, RDFS.subClassOf))
    needed = {c for c in ontology.subjects(RDF.type, OWL.Class)
              if isinstance(c, rdflib.URIRef) and str(c).startswith(str(onto.pg))}
    needed |= {FOAF.Person, ORG.Post, TIME.Interval, TIME.Instant}
    missing = sorted(map(onto.curie, needed - used))
    assert not missing, f"no valid example uses {missing} (or a subclass)"
