"""Validation results and reports, with JSON and SHACL-Turtle renderings."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import rdflib
from rdflib.namespace import RDF, SH

from partnergraph.namespaces import PREFIXES

SEVERITIES = ("Violation", "Warning", "Info")
_PREFIXES_LONGEST_FIRST = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))
_READABLE_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./#-]*")


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result: which node, which property, what value, which rule, how bad, why."""

    focus_node: rdflib.term.Node
    path: rdflib.term.Node | None
    value: rdflib.term.Node | None
    severity: str
    constraint: rdflib.URIRef
    source_shape: rdflib.term.Node
    message: str
    path_text: str | None = None

    def key(self) -> tuple:
        """The identity of a result for comparisons: focus, path, component, severity, shape."""
        return (self.focus_node, self.path_text, self.constraint, self.severity, self.source_shape)


def compact(term: rdflib.term.Node | None) -> str | None:
    """A short, readable form of a term using the project's prefixes (for people, not parsers)."""
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        text = str(term)
        for prefix, ns in _PREFIXES_LONGEST_FIRST:
            local = text[len(ns):]
            if text.startswith(ns) and _READABLE_LOCAL.fullmatch(local):
                return f"{prefix}:{local}"
        return f"<{text}>"
    if isinstance(term, rdflib.Literal):
        return term.n3()
    return f"_:{term}"


def term_json(term: rdflib.term.Node | None) -> dict | None:
    """A SPARQL-JSON-style description of a term."""
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, rdflib.BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


@dataclass
class ValidationReport:
    """All results of one validation; conforms when there is no Violation."""

    results: list[ValidationResult] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """True when no result has severity Violation."""
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        """How many results have this severity."""
        return sum(1 for r in self.results if r.severity == severity)

    def by_focus_node(self) -> dict[rdflib.term.Node, list[ValidationResult]]:
        """Results grouped by focus node, Violations first within each group."""
        groups: dict[rdflib.term.Node, list[ValidationResult]] = defaultdict(list)
        order = {s: i for i, s in enumerate(SEVERITIES)}
        for r in sorted(self.results, key=lambda r: (order.get(r.severity, 9), str(r.focus_node),
                                                     r.path_text or "")):
            groups[r.focus_node].append(r)
        return dict(groups)

    def about(self, nodes: set[rdflib.term.Node]) -> ValidationReport:
        """The results whose focus node is in `nodes`, plus every Violation."""
        return ValidationReport([r for r in self.results
                                 if r.focus_node in nodes or r.severity == "Violation"])

    def summary(self) -> dict[str, int]:
        """Counts per severity."""
        return {s.lower() + "s": self.count(s) for s in SEVERITIES}

    def to_json(self) -> dict:
        """The report as a JSON-ready dict."""
        return {
            "conforms": self.conforms,
            **self.summary(),
            "results": [
                {
                    "focus_node": term_json(r.focus_node),
                    "path": r.path_text,
                    "value": term_json(r.value),
                    "severity": r.severity,
                    "constraint": str(r.constraint),
                    "source_shape": str(r.source_shape) if isinstance(r.source_shape, rdflib.URIRef) else None,
                    "message": r.message,
                }
                for group in self.by_focus_node().values() for r in group
            ],
        }

    def to_graph(self) -> rdflib.Graph:
        """The report as a SHACL sh:ValidationReport graph."""
        g = rdflib.Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        report = rdflib.BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, rdflib.Literal(self.conforms)))
        for r in self.results:
            node = rdflib.BNode()
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.focusNode, r.focus_node))
            if r.path is not None and not isinstance(r.path, rdflib.BNode):
                g.add((node, SH.resultPath, r.path))
            if r.value is not None:
                g.add((node, SH.value, r.value))
            g.add((node, SH.resultSeverity, SH[r.severity]))
            g.add((node, SH.sourceConstraintComponent, r.constraint))
            if not isinstance(r.source_shape, rdflib.BNode):
                g.add((node, SH.sourceShape, r.source_shape))
            g.add((node, SH.resultMessage, rdflib.Literal(r.message)))
        return g

    def to_turtle(self) -> str:
        """The report as Turtle."""
        return self.to_graph().serialize(format="turtle")
