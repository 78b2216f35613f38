"""SHACL-SPARQL constraints evaluated set-at-a-time on Oxigraph.

pySHACL runs a SPARQL-based constraint once per focus node on rdflib's engine, re-parsing the query each
time; that is the dominant cost of validation. Here each constraint of a node shape runs as ONE query on
an in-memory Oxigraph store: `$this` becomes the variable `?this`, joined with the shape's targets. The
shapes are written so that this is equivalent (no reliance on pre-binding; the tests compare the verdicts
with pySHACL's on every example file).

Each query's EXISTS patterns are rewritten by `sparql.lateral` into chains Oxigraph joins with the outer
bindings: as written, Oxigraph reads a pattern inside EXISTS without them, once per focus node, and the
rules then cost the number of focus nodes times the size of the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from partnergraph.errors import ShapesError
from partnergraph.services.validation.report import ValidationResult
from partnergraph.sparql.lateral import lateral_exists
from partnergraph.rdf.rdflib_terms import to_rdflib

_THIS = re.compile(r"\$this\b")
_PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class SparqlRule:
    """One sh:sparql constraint of one node shape, ready to run for all its targets at once."""

    shape: rdflib.term.Node
    constraint: rdflib.term.Node
    severity: str
    query: str  # SPARQL 1.1, as the shape says (with `?this` for `$this`, joined with the targets)
    messages: tuple[str, ...]
    engine_query: str = ""  # what Oxigraph runs: `query` with its EXISTS patterns as LATERAL chains

    def __post_init__(self) -> None:
        if not self.engine_query:
            object.__setattr__(self, "engine_query", lateral_exists(self.query))


def _prologue(shapes: rdflib.Graph, constraint: rdflib.term.Node) -> str:
    lines = []
    for prefixes_node in shapes.objects(constraint, SH.prefixes):
        for decl in shapes.objects(prefixes_node, SH.declare):
            prefix = shapes.value(decl, SH.prefix)
            namespace = shapes.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(dict.fromkeys(lines)) + "\n"


def _target_block(shapes: rdflib.Graph, shape: rdflib.term.Node) -> str | None:
    alternatives = []
    for cls in shapes.objects(shape, SH.targetClass):
        alternatives.append(
            f"?this <{RDF.type}>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{cls}> .")
    for node in shapes.objects(shape, SH.targetNode):
        alternatives.append(f"VALUES ?this {{ {node.n3()} }}")
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        alternatives.append(f"?this <{prop}> ?pg_target_o .")
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        alternatives.append(f"?pg_target_s <{prop}> ?this .")
    if not alternatives:
        return None
    union = " UNION ".join("{ " + a + " }" for a in alternatives)
    return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"


def rules_from_shapes(shapes: rdflib.Graph) -> list[SparqlRule]:
    """Every active sh:sparql constraint attached directly to a node shape with targets."""
    rules = []
    for shape, constraint in shapes.subject_objects(SH.sparql):
        if (shape, SH.path, None) in shapes:
            continue  # property-shape constraints ($PATH) stay with pySHACL
        if shapes.value(shape, SH.deactivated) == rdflib.Literal(True) or \
                shapes.value(constraint, SH.deactivated) == rdflib.Literal(True):
            continue
        targets = _target_block(shapes, shape)
        select = shapes.value(constraint, SH.select)
        if targets is None or select is None:
            continue
        severity_iri = shapes.value(shape, SH.severity) or SH.Violation
        severity = str(severity_iri).rsplit("#", 1)[-1]
        body = _THIS.sub("?this", str(select))
        query = f"{_prologue(shapes, constraint)}SELECT * WHERE {{ {targets} {{ {body} }} }}"
        messages = tuple(str(m) for m in shapes.objects(constraint, SH.message)) or \
            tuple(str(m) for m in shapes.objects(shape, SH.message))
        rules.append(SparqlRule(shape, constraint, severity, query, messages))
    return rules


def strip_rules(shapes: rdflib.Graph) -> rdflib.Graph:
    """A copy of the shapes graph without the sh:sparql links that `rules_from_shapes` evaluates."""
    stripped = rdflib.Graph()
    for prefix, ns in shapes.namespaces():
        stripped.bind(prefix, ns)
    handled = {(r.shape, r.constraint) for r in rules_from_shapes(shapes)}
    for triple in shapes:
        s, p, o = triple
        if p == SH.sparql and (s, o) in handled:
            continue
        stripped.add(triple)
    return stripped


def _message(template: str, solution: ox.QuerySolution, variables: list[str]) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in variables:
            return match.group(0)
        term = solution[name]
        return "" if term is None else term.value
    return _PLACEHOLDER.sub(replace, template)


def evaluate_rules(rules: list[SparqlRule], store: ox.Store) -> list[ValidationResult]:
    """Run every rule once over the store's default graph and return its results."""
    results = []
    for rule in rules:
        try:
            solutions = store.query(rule.engine_query)
        except SyntaxError as exc:
            raise ShapesError(f"SHACL-SPARQL constraint of {rule.shape} does not parse: {exc}") from exc
        variables = [v.value for v in solutions.variables]
        seen = set()
        for solution in solutions:
            this = solution["this"]
            if this is None:
                continue
            value = solution["value"] if "value" in variables else None
            path = solution["path"] if "path" in variables else None
            focus = to_rdflib(this)
            value_term = to_rdflib(value) if value is not None else focus
            path_term = to_rdflib(path) if path is not None else None
            key = (focus, value_term, path_term)
            if key in seen:
                continue
            seen.add(key)
            message = _message(rule.messages[0], solution, variables) if rule.messages else \
                f"SPARQL constraint of {rule.shape} failed."
            results.append(ValidationResult(
                focus_node=focus, path=path_term, value=value_term, severity=rule.severity,
                constraint=SH.SPARQLConstraintComponent, source_shape=rule.shape, message=message,
                path_text=str(path_term) if path_term is not None else None))
    return results
