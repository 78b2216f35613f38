"""Validating data against the ontology's SHACL shapes.

Core constraints run in pySHACL on an rdflib graph; SHACL-SPARQL constraints run set-at-a-time on an
in-memory Oxigraph store (see `sparql_rules`). Validation always uses the bundled ontology, imports and
vocabularies, so the shapes and the model they describe come from the same release.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
import rdflib
import rdflib.collection
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import RDF, SH

from partnergraph.namespaces import ONTOLOGY_GRAPH, PGG
from partnergraph.resources import Resources, bundled_resources
from partnergraph.services.validation.pyshacl_tuning import tuned_pyshacl
from partnergraph.services.validation.sparql_rules import evaluate_rules, rules_from_shapes, strip_rules
from partnergraph.services.validation.report import ValidationReport, ValidationResult
from partnergraph.store.contract import GraphStore
from partnergraph.rdf.parsing import parse_rdf
from partnergraph.rdf.rdflib_terms import graph_from_triples

log = logging.getLogger(__name__)

MODEL_GRAPH_PREFIX = str(PGG)  # graphs named pgg:ontology* and pgg:vocabulary/* hold the model


def is_model_graph(graph: str) -> bool:
    """True for the named graphs that hold the ontology, its imports and vocabularies."""
    return graph.startswith((str(ONTOLOGY_GRAPH), str(PGG["vocabulary/"])))


def _read_triples(path: Path) -> list[ox.Triple]:
    parsed = parse_rdf(path)
    return [q if isinstance(q, ox.Triple) else ox.Triple(q.subject, q.predicate, q.object) for q in parsed]


@dataclass
class ShapesBundle:
    """The shapes and the model triples (ontology, imports, vocabularies) validation runs with."""

    shapes: rdflib.Graph
    model: list[ox.Triple]

    @classmethod
    def from_resources(cls, resources: Resources | None = None) -> ShapesBundle:
        """Load the shapes and model files of a resources directory (default: the bundled ones)."""
        resources = resources or bundled_resources()
        shapes = rdflib.Graph()
        for path in resources.shape_files():
            shapes.parse(path, format="turtle")
        model: list[ox.Triple] = []
        for path in resources.ontology_files() + resources.vocabulary_files():
            model.extend(_read_triples(path))
        return cls(shapes, model)

    @cached_property
    def core_shapes(self) -> rdflib.Graph:
        """The shapes pySHACL evaluates (everything but the set-at-a-time SPARQL rules)."""
        return strip_rules(self.shapes)

    @cached_property
    def rules(self):
        """The SHACL-SPARQL rules evaluated on Oxigraph."""
        return rules_from_shapes(self.shapes)

    def shape_names(self) -> list[rdflib.term.Node]:
        """Every named node shape."""
        return sorted({s for s in self.shapes.subjects(RDF.type, SH.NodeShape)
                       if isinstance(s, rdflib.URIRef)})


def _pyshacl_results(report_graph: rdflib.Graph) -> list[ValidationResult]:
    results = []
    for node in report_graph.objects(None, SH.result):  # top level only, not nested sh:detail
        path = report_graph.value(node, SH.resultPath)
        severity = report_graph.value(node, SH.resultSeverity)
        results.append(ValidationResult(
            focus_node=report_graph.value(node, SH.focusNode),
            path=path,
            value=report_graph.value(node, SH.value),
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            constraint=report_graph.value(node, SH.sourceConstraintComponent),
            source_shape=report_graph.value(node, SH.sourceShape),
            message=str(report_graph.value(node, SH.resultMessage) or ""),
            path_text=_path_text(report_graph, path),
        ))
    return results


def _path_text(graph: rdflib.Graph, path: rdflib.term.Node | None) -> str | None:
    """A SHACL property path: the IRI for a predicate path, SPARQL property-path syntax otherwise."""
    if path is None:
        return None
    if isinstance(path, rdflib.URIRef):
        return str(path)
    return _complex_path(graph, path)


def _complex_path(graph: rdflib.Graph, path: rdflib.term.Node) -> str | None:
    if isinstance(path, rdflib.URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in graph:
        members = list(rdflib.collection.Collection(graph, path))
        return "(" + " / ".join(_complex_path(graph, m) or "" for m in members) + ")"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        members = list(rdflib.collection.Collection(graph, alternatives))
        return "(" + " | ".join(_complex_path(graph, m) or "" for m in members) + ")"
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                              (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return f"({_complex_path(graph, inner)}){suffix}"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (_complex_path(graph, inverse) or "")
    return None


class Validator:
    """Validates a set of triples (data + context) against a ShapesBundle."""

    def __init__(self, bundle: ShapesBundle) -> None:
        self.bundle = bundle

    def validate(self, triples: Iterable[ox.Triple],
                 on_phase: Callable[[str], None] | None = None) -> ValidationReport:
        """Validate the union of `triples` and the model; the triples must include all context.

        `on_phase`, if given, is told what the validation does next (for progress displays)."""
        started = time.perf_counter()
        on_phase = on_phase or (lambda text: None)
        on_phase("reading the data")
        engine_store = ox.Store()
        default = ox.DefaultGraph()
        engine_store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, default)
                                 for t in _chain(self.bundle.model, triples))
        data_graph = graph_from_triples(engine_store.quads_for_pattern(None, None, None, default))
        on_phase(f"core shapes on {len(data_graph):,} triples (pySHACL)")
        with tuned_pyshacl():
            core = pyshacl_validate(
                data_graph, shacl_graph=self.bundle.core_shapes, inference="none", advanced=False,
                allow_warnings=True, allow_infos=True, inplace=True, abort_on_first=False)
        results = _pyshacl_results(core[1])
        on_phase(f"{len(self.bundle.rules)} SHACL-SPARQL rules (Oxigraph)")
        results += evaluate_rules(self.bundle.rules, engine_store)
        report = ValidationReport(results)
        log.info("validated %d triples: %s in %.0f ms", len(data_graph), report.summary(),
                 (time.perf_counter() - started) * 1000)
        return report


def _chain(*iterables):
    for it in iterables:
        yield from it


class ValidationService:
    """Validates proposed changes to a store: new content for some named graphs, with the rest as context."""

    def __init__(self, store: GraphStore, validator: Validator) -> None:
        self.store = store
        self.validator = validator

    def validate_change(self, new_graphs: Mapping[str, Iterable[ox.Triple]],
                        on_phase: Callable[[str], None] | None = None) -> ValidationReport:
        """Validate the store as it would be after replacing `new_graphs` (model graphs come from the bundle)."""
        replaced = set(new_graphs)

        def context() -> Iterable[ox.Triple]:
            for graph in self.store.graphs():
                if graph in replaced or is_model_graph(graph):
                    continue
                for q in self.store.quads(graph):
                    yield ox.Triple(q.subject, q.predicate, q.object)
            for graph, triples in new_graphs.items():
                if not is_model_graph(graph):
                    yield from triples

        return self.validator.validate(context(), on_phase)
