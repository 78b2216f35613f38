"""The validation engine (pySHACL core + set-at-a-time SHACL-SPARQL on Oxigraph) must agree with plain
pySHACL on every example file, and must catch what the shapes say it should."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH

from partnergraph.resources import bundled_resources
from partnergraph.services.validation.validator import ShapesBundle, Validator
from partnergraph.rdf.parsing import parse_rdf

RESOURCES = bundled_resources()
EXAMPLES = sorted((RESOURCES.ontology_dir / "examples").glob("*/*.ttl"))


@pytest.fixture(scope="module")
def bundle() -> ShapesBundle:
    return ShapesBundle.from_resources(RESOURCES)


@pytest.fixture(scope="module")
def reference_graphs():
    ontology = rdflib.Graph()
    for path in RESOURCES.ontology_files():
        ontology.parse(path, format="turtle")
    vocabularies = rdflib.Graph()
    for path in RESOURCES.vocabulary_files():
        vocabularies.parse(path, format="turtle")
    shapes = rdflib.Graph()
    for path in RESOURCES.shape_files():
        shapes.parse(path, format="turtle")
    return ontology, vocabularies, shapes


def reference_keys(path: Path, reference_graphs) -> set[tuple]:
    ontology, vocabularies, shapes = reference_graphs
    data = rdflib.Graph()
    data.parse(path, format="turtle")
    data += vocabularies
    _, report, _ = pyshacl_validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                                    allow_warnings=True, allow_infos=True, advanced=False)
    keys = set()
    for node in report.objects(None, SH.result):
        result_path = report.value(node, SH.resultPath)
        keys.add((report.value(node, SH.focusNode),
                  str(result_path) if isinstance(result_path, rdflib.URIRef) else None,
                  report.value(node, SH.sourceConstraintComponent),
                  str(report.value(node, SH.resultSeverity)).rsplit("#", 1)[-1],
                  report.value(node, SH.sourceShape)))
    return keys


def engine_keys(path: Path, bundle: ShapesBundle) -> set[tuple]:
    report = Validator(bundle).validate(parse_rdf(path))
    return {(r.focus_node, str(r.path) if isinstance(r.path, rdflib.URIRef) else None,
             r.constraint, r.severity, r.source_shape) for r in report.results}


def test_there_are_examples_to_compare():
    assert any("/valid/" in str(p) for p in EXAMPLES)
    assert any("/invalid/" in str(p) for p in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_engine_gives_the_same_results_as_pyshacl(path, bundle, reference_graphs):
    assert engine_keys(path, bundle) == reference_keys(path, reference_graphs)


def test_sparql_rules_are_evaluated_by_the_engine_not_pyshacl(bundle):
    assert bundle.rules, "the shapes define SHACL-SPARQL rules"
    for rule in bundle.rules:
        assert (rule.shape, SH.sparql, rule.constraint) not in bundle.core_shapes


def _solutions(store, query: str) -> list[str]:
    return sorted(str(s) for s in store.query(query))


@pytest.fixture(scope="module")
def synthetic_store(bundle):
    """The model and about 5,000 synthetic triples (bench/synthetic.py), some with edited dates."""
    import random
    import sys

    import pyoxigraph as ox

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    import synthetic

    rng = random.Random(13)
    store = ox.Store()
    default = ox.DefaultGraph()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, default) for t in bundle.model)
    dated = ("inXSDDate", "signingDate", "entryIntoForceDate")
    for line in synthetic.generate_lines(5_000, 13):
        for q in ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES):
            if any(q.predicate.value.endswith(d) for d in dated) and rng.random() < 0.2:
                date = ox.Literal(f"{rng.randint(1990, 2030)}-01-01",
                                  datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
                q = ox.Quad(q.subject, q.predicate, date, default)  # conflicts the rules must find
            store.add(ox.Quad(q.subject, q.predicate, q.object, default))
    return store


def test_rules_rewritten_for_the_engine_find_what_the_rules_as_written_find(bundle, synthetic_store):
    found = 0
    for rule in bundle.rules:
        assert "LATERAL" in rule.engine_query or "EXISTS" not in rule.query
        expected = _solutions(synthetic_store, rule.query)
        assert _solutions(synthetic_store, rule.engine_query) == expected, rule.shape
        found += len(expected)
    assert found > 0, "the edited dates give the rules something to find"


def test_tuned_pyshacl_keeps_the_parameters_and_restores_pyshacl_afterwards():
    import pyshacl.constraints
    import pyshacl.shape

    from partnergraph.services.validation.pyshacl_tuning import ParameterList, tuned_pyshacl

    before = getattr(pyshacl.shape, "CONSTRAINT_PARAMS", None)
    with tuned_pyshacl():
        with tuned_pyshacl():  # re-entrant: the inner exit keeps the outer's list
            pass
        parameters, mapping = pyshacl.shape.CONSTRAINT_PARAMS
        assert isinstance(parameters, ParameterList)
        assert list(parameters) == pyshacl.constraints.ALL_CONSTRAINT_PARAMETERS
        assert all(p in parameters for p in pyshacl.constraints.ALL_CONSTRAINT_PARAMETERS)
        assert SH.targetClass not in parameters
        assert mapping is pyshacl.constraints.CONSTRAINT_PARAMETERS_MAP
    assert getattr(pyshacl.shape, "CONSTRAINT_PARAMS", None) is before
