"""Loading RDF files into named graphs: parse everything, validate the result, then write each graph."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from partnergraph.errors import ValidationFailed
from partnergraph.namespaces import ONTOLOGY_GRAPH, PGG
from partnergraph.resources import Resources, bundled_resources
from partnergraph.services.validation.validator import ValidationService
from partnergraph.services.validation.report import ValidationReport
from partnergraph.store.contract import GraphStore
from partnergraph.rdf.blank_nodes import stable_blank_nodes
from partnergraph.rdf.parsing import parse_rdf
from partnergraph.rdf.rdflib_terms import to_rdflib

log = logging.getLogger(__name__)


class Progress(Protocol):
    """Where a load reports what it is doing: a phase (with a total of steps if it has one), then steps."""

    def phase(self, text: str, total: int | None = None) -> None:
        """A new phase begins."""

    def advance(self, steps: int) -> None:
        """`steps` more steps of the current phase are done."""


@dataclass
class LoadItem:
    """One file and the named graph it goes to."""

    path: Path
    graph: str


@dataclass
class LoadPlan:
    """The parsed content of each target graph, ready to validate and write."""

    graphs: dict[str, list[ox.Triple]] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)

    def mentioned_nodes(self) -> set:
        """Subjects and objects of the plan's triples, as rdflib terms (to match report focus nodes)."""
        nodes = set()
        for triples in self.graphs.values():
            for t in triples:
                nodes.add(to_rdflib(t.subject))
                if not isinstance(t.object, ox.Literal):
                    nodes.add(to_rdflib(t.object))
        return nodes

    @property
    def triple_count(self) -> int:
        """Triples over all graphs of the plan."""
        return sum(len(t) for t in self.graphs.values())


@dataclass
class LoadOutcome:
    """What a load did: triples per graph and the validation report."""

    graphs: dict[str, int]
    report: ValidationReport


def default_items(resources: Resources | None = None) -> list[LoadItem]:
    """The ontology, its imports and vocabularies, and every file of data/, each to its own graph."""
    resources = resources or bundled_resources()
    items = []
    for path in resources.ontology_files():
        graph = ONTOLOGY_GRAPH if path.stem == "partnergraph" else PGG[f"ontology/{path.stem}"]
        items.append(LoadItem(path, str(graph)))
    items += [LoadItem(p, str(PGG[f"vocabulary/{p.stem}"])) for p in resources.vocabulary_files()]
    items += [LoadItem(p, graph_for_file(p)) for p in resources.data_files()]
    return items


def graph_for_file(path: Path) -> str:
    """The named graph a data file loads into: pgg:data/<file stem>."""
    return str(PGG[f"data/{path.stem}"])


def plan_load(items: Iterable[LoadItem]) -> LoadPlan:
    """Parse every file; raises RdfSyntaxError/InputNotFound before anything is written.

    Triples of a file go to its item's graph; quads of TriG/N-Quads files keep their own graph names,
    and their default-graph triples go to the item's graph.
    """
    plan = LoadPlan()
    for item in items:
        for statement in parse_rdf(item.path):
            if isinstance(statement, ox.Quad) and isinstance(statement.graph_name, ox.NamedNode):
                graph = statement.graph_name.value
                triple = ox.Triple(statement.subject, statement.predicate, statement.object)
            else:
                graph = item.graph
                triple = statement if isinstance(statement, ox.Triple) else \
                    ox.Triple(statement.subject, statement.predicate, statement.object)
            plan.graphs.setdefault(graph, []).append(triple)
            plan.sources.setdefault(graph, item.path)
        plan.graphs.setdefault(item.graph, [])
        plan.sources.setdefault(item.graph, item.path)
    for graph, triples in plan.graphs.items():
        plan.graphs[graph] = stable_blank_nodes(graph, triples)
    return plan


class Loader:
    """Validates a LoadPlan against the store's other content and writes it, graph by graph."""

    def __init__(self, store: GraphStore, validation: ValidationService) -> None:
        self.store = store
        self.validation = validation

    def validate(self, plan: LoadPlan, progress: Progress | None = None) -> ValidationReport:
        """The report for the store as it would be after the plan."""
        on_phase = None if progress is None else (lambda text: progress.phase(f"validating: {text}"))
        return self.validation.validate_change(plan.graphs, on_phase=on_phase)

    def load(self, plan: LoadPlan, *, progress: Progress | None = None) -> LoadOutcome:
        """Validate, then replace each graph atomically; raises ValidationFailed and writes nothing."""
        report = self.validate(plan, progress)
        if not report.conforms:
            raise ValidationFailed(
                f"{report.count('Violation')} violation(s): nothing was loaded", report=report)
        written = {}
        for graph, triples in plan.graphs.items():
            started = time.perf_counter()
            if progress is not None:
                progress.phase(f"writing {graph}", total=len(triples))
            count = self.store.replace_graph(graph, _counting(triples, progress))
            written[graph] = count
            log.info("loaded graph %s from %s: %d triples in %.0f ms", graph,
                     plan.sources.get(graph), count, (time.perf_counter() - started) * 1000)
        return LoadOutcome(written, report)


def _counting(triples: list[ox.Triple], progress: Progress | None, step: int = 10_000) -> Iterable[ox.Triple]:
    if progress is None:
        yield from triples
        return
    for i, t in enumerate(triples, 1):
        if i % step == 0:
            progress.advance(step)
        yield t
    progress.advance(len(triples) % step)
