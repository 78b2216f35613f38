"""Validating a batch of changes against a store at the cost of the batch and its neighbourhood.

`IncrementalValidator.validate_batch` gives, for every focus node the batch can affect, the results a full
validation of the store after the batch would give; every other node keeps the results it had (see
`partnergraph.services.validation.impact` for the reasoning). Steps:

1. the change: added triples the store does not hold yet, removed triples no other graph keeps;
2. the affected focus nodes: backward walks from the changed triples over the store and the model;
3. their context: forward walks over store + model + batch, a bounded number of VALUES-bound SPARQL queries;
4. the core shapes in pySHACL on the context, with the affected nodes as `sh:targetNode` of the shapes that
   target them; the SHACL-SPARQL rules set-at-a-time on an in-memory Oxigraph store of the context.

A change to the class hierarchy, removed triples with blank nodes, stored blank nodes on a walk, and shapes
`shape_access` cannot bound make it validate the whole store instead (`BatchCheck.full`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.collection import Collection
from rdflib.namespace import SH

from partnergraph.errors import NeedsFullValidation, UnsupportedShapes
from partnergraph.services.validation.impact import SUBCLASS_OF, ImpactAnalysis, Node
from partnergraph.services.validation.pyshacl_tuning import tuned_pyshacl
from partnergraph.services.validation.shape_paths import NOT_CONSTRAINTS, TARGET_PREDICATES
from partnergraph.services.validation.sparql_rules import SparqlRule, evaluate_rules
from partnergraph.services.validation.validator import (
    ShapesBundle,
    Validator,
    _pyshacl_results,  # the one reading of pySHACL reports; shared rather than copied
    is_model_graph,
)
from partnergraph.services.validation.report import ValidationReport
from partnergraph.store.contract import GraphStore, SelectResult
from partnergraph.rdf.rdflib_terms import graph_from_triples, to_rdflib

log = logging.getLogger(__name__)

VALUES_CHUNK = 2000  # terms per VALUES block: keeps each query text to a few hundred kB


@dataclass
class BatchCheck:
    """The outcome of validating one batch: the report, which nodes were affected, and what it cost."""

    report: ValidationReport
    affected: frozenset = frozenset()
    full: bool = False
    reason: str | None = None
    context_triples: int = 0
    queries: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def _chunks(items: Sequence, size: int = VALUES_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _StoreReader:
    """Batched neighbourhood reads over the store's union graph, the model and (optionally) the batch."""

    def __init__(self, store: GraphStore, model: ox.Store, batch: list[ox.Triple]) -> None:
        self.store = store
        self.model = model
        self.with_batch = False
        self.queries = 0
        self._out: dict[Node, list[ox.Triple]] = {}
        self._batch_out: dict[Node, list[ox.Triple]] = defaultdict(list)
        self._batch_in: dict[Node, list[ox.Triple]] = defaultdict(list)
        for t in batch:
            self._batch_out[t.subject].append(t)
            self._batch_in[t.object].append(t)
        self._local_blanks = {n for t in batch for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)}
        self._referenced: dict[Node, bool] = {}  # is the node the object of some stored triple?

    def _rows(self, query: str) -> Iterator[dict]:
        self.queries += 1
        result = self.store.query(query)
        if not isinstance(result, SelectResult):  # pragma: no cover - the queries here are all SELECT
            raise NeedsFullValidation("the store did not answer a SELECT query with rows")
        yield from result.rows

    def _check_blank(self, node: Node) -> bool:
        """True when the store must be asked about `node`; a stored blank node cannot be named in SPARQL."""
        if isinstance(node, ox.BlankNode):
            if node in self._local_blanks:
                return False
            raise NeedsFullValidation(f"a walk reaches the stored blank node {node}")
        return True

    def outgoing(self, nodes: set[Node]) -> dict[Node, list[ox.Triple]]:
        """Every triple whose subject is one of `nodes` (store and model cached; batch when enabled)."""
        missing = [n for n in nodes if n not in self._out and not isinstance(n, ox.Literal)]
        ask = []
        for node in missing:
            self._out[node] = [q.triple for q in self.model.quads_for_pattern(node, None, None)]
            if self._check_blank(node):
                ask.append(node)
        for chunk in _chunks(ask):
            values = " ".join(str(n) for n in chunk)
            for row in self._rows(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}"):
                self._out[row["s"]].append(ox.Triple(row["s"], row["p"], row["o"]))
        found = {}
        for node in nodes:
            triples = self._out.get(node, [])
            if self.with_batch and node in self._batch_out:
                triples = triples + self._batch_out[node]
            found[node] = triples
        return found

    def _referenced_in_store(self, nodes: set[Node]) -> None:
        """Find out, in one query per chunk, which nodes are the object of at least one stored triple."""
        unknown = [n for n in nodes if n not in self._referenced and self._check_blank(n)]
        for chunk in _chunks(unknown):
            values = " ".join(str(n) for n in chunk)
            referenced = {row["o"] for row in self._rows(
                f"SELECT ?o WHERE {{ VALUES ?o {{ {values} }} FILTER EXISTS {{ ?s ?p ?o }} }}")}
            for node in chunk:
                self._referenced[node] = node in referenced

    def present(self, nodes: set[Node]) -> set[Node]:
        """The nodes that occur in the store or the model (and the batch, when enabled)."""
        out = self.outgoing(nodes)
        self._referenced_in_store(nodes)
        return {n for n in nodes if out.get(n) or self._referenced.get(n)
                or next(self.model.quads_for_pattern(None, None, n), None) is not None
                or (self.with_batch and n in self._batch_in)}

    def incoming(self, wanted: dict[ox.NamedNode | None, set[Node]]) -> dict[Node, list[ox.Triple]]:
        """Triples with predicate p (None: any) whose object is in wanted[p] (store, model, batch)."""
        found: dict[Node, set[ox.Triple]] = defaultdict(set)
        self._referenced_in_store({n for nodes in wanted.values() for n in nodes})
        pairs, anywhere = [], []
        for predicate, nodes in wanted.items():
            for node in nodes:
                for q in self.model.quads_for_pattern(None, predicate, node):
                    found[node].add(q.triple)
                if self.with_batch:
                    found[node].update(t for t in self._batch_in.get(node, ())
                                       if predicate is None or t.predicate == predicate)
                if self._referenced.get(node):
                    (anywhere.append(node) if predicate is None else pairs.append((node, predicate)))
        for chunk in _chunks(pairs):
            values = " ".join(f"({n} {p})" for n, p in chunk)
            for row in self._rows(f"SELECT ?s ?p ?o WHERE {{ VALUES (?o ?p) {{ {values} }} ?s ?p ?o }}"):
                found[row["o"]].add(ox.Triple(row["s"], row["p"], row["o"]))
        for chunk in _chunks(anywhere):
            values = " ".join(str(n) for n in chunk)
            for row in self._rows(f"SELECT ?s ?p ?o WHERE {{ VALUES ?o {{ {values} }} ?s ?p ?o }}"):
                found[row["o"]].add(ox.Triple(row["s"], row["p"], row["o"]))
        return {node: list(triples) for node, triples in found.items()}

    def class_hierarchy(self) -> set[ox.Triple]:
        """Every rdfs:subClassOf triple of the store and the model."""
        found = {q.triple for q in self.model.quads_for_pattern(None, SUBCLASS_OF, None)}
        for row in self._rows(f"SELECT ?s ?o WHERE {{ ?s {SUBCLASS_OF} ?o }}"):
            found.add(ox.Triple(row["s"], SUBCLASS_OF, row["o"]))
        return found

    def graphs_holding(self, triples: list[ox.Triple]) -> dict[ox.Triple, set[str]]:
        """The named graphs of the store that hold each of these triples (IRIs and literals only)."""
        held: dict[ox.Triple, set[str]] = defaultdict(set)
        for chunk in _chunks(triples):
            values = " ".join(f"({t.subject} {t.predicate} {t.object})" for t in chunk)
            query = f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?o) {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
            for row in self._rows(query):
                held[ox.Triple(row["s"], row["p"], row["o"])].add(row["g"].value)
        return held


class _LocalShapes:
    """The core shapes with their targets replaced by `sh:targetNode`s naming the focus nodes.

    A root node shape that is not also used as a nested shape, and whose property shapes have no other
    parent, hands its focus nodes down to its property shapes, so that pySHACL validates each property
    shape once for all focus nodes instead of once per focus node (about twice as fast). The results are
    the same: a property shape's results carry its own severity and name it as the source shape, and a
    closed shape keeps the paths of its property shapes as `sh:ignoredProperties`, which is what
    `sh:closed` allows. The randomised tests check this too.
    """

    def __init__(self, core: rdflib.Graph, roots: Iterable[rdflib.term.Node]) -> None:
        nested = {o for p in (SH.node, SH["not"], SH.qualifiedValueShape) for o in core.objects(None, p)}
        for p in (SH["and"], SH["or"], SH.xone):
            for head in core.objects(None, p):
                nested.update(Collection(core, head))
        parents: dict[rdflib.term.Node, int] = defaultdict(int)
        for property_shape in core.objects(None, SH.property):
            parents[property_shape] += 1
        nested |= set(parents)
        self.base = rdflib.Graph()
        dropped: set[tuple] = set()
        self.receivers: dict[rdflib.term.Node, tuple] = {}
        for shape in roots:
            properties = sorted(core.objects(shape, SH.property))
            if shape in nested or not properties or any(parents[p] > 1 for p in properties) or \
                    core.value(shape, SH.deactivated) == rdflib.Literal(True):
                self.receivers[shape] = (shape,)
                continue
            dropped |= {(shape, SH.property, p) for p in properties}
            own = [p for p, _ in core.predicate_objects(shape) if str(p).startswith(str(SH))
                   and p not in NOT_CONSTRAINTS and p != SH.property]
            self.receivers[shape] = (*properties, *((shape,) if own else ()))
            if core.value(shape, SH.closed) == rdflib.Literal(True):
                allowed = [m for head in core.objects(shape, SH.ignoredProperties) for m in Collection(core, head)]
                allowed += [path for p in properties if isinstance(path := core.value(p, SH.path), rdflib.URIRef)]
                dropped |= {(shape, SH.ignoredProperties, head) for head in core.objects(shape, SH.ignoredProperties)}
                head = rdflib.BNode()
                Collection(self.base, head, allowed)
                self.base.add((shape, SH.ignoredProperties, head))
        for triple in core:
            if triple[1] not in TARGET_PREDICATES and triple not in dropped:
                self.base.add(triple)

    def with_targets(self, targeted: dict[rdflib.term.Node, list[Node]]) -> rdflib.Graph:
        """A shapes graph in which each shape targets exactly the given focus nodes."""
        shapes = rdflib.Graph()
        shapes += self.base
        for shape, nodes in targeted.items():
            for receiver in self.receivers.get(shape, (shape,)):
                for node in nodes:
                    shapes.add((receiver, SH.targetNode, to_rdflib(node)))
        return shapes


def _restricted(rule: SparqlRule, focus: set[Node]) -> SparqlRule:
    """The rule with `?this` bound to the focus nodes by VALUES (unchanged if one is a blank node)."""
    head, select, tail = rule.engine_query.partition("SELECT * WHERE {")
    if not select or any(isinstance(n, ox.BlankNode) for n in focus):
        return rule
    values = " ".join(str(n) for n in focus)
    return dataclasses.replace(rule, engine_query=f"{head}{select} VALUES ?this {{ {values} }}{tail}")


class IncrementalValidator:
    """Validates batches of added (and removed) triples against a store, touching only what they affect."""

    def __init__(self, bundle: ShapesBundle) -> None:
        self.bundle = bundle
        self.full_validator = Validator(bundle)
        self.model = ox.Store()
        self.model.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in bundle.model)
        self.unsupported: str | None = None
        try:
            self.analysis: ImpactAnalysis | None = ImpactAnalysis(bundle)
        except UnsupportedShapes as exc:
            log.warning("incremental validation unavailable, every batch is validated in full: %s", exc)
            self.analysis, self.unsupported = None, str(exc)
        roots = self.analysis.targets if self.analysis is not None else ()
        self._shapes = _LocalShapes(bundle.core_shapes, roots)

    def validate_batch(self, store: GraphStore, added: Iterable[ox.Triple], removed: Iterable[ox.Triple] = (),
                       graph: str | None = None) -> ValidationReport:
        """Results, for every focus node the batch can affect, of validating the store after the batch."""
        return self.check_batch(store, added, removed, graph).report

    def check_batch(self, store: GraphStore, added: Iterable[ox.Triple], removed: Iterable[ox.Triple] = (),
                    graph: str | None = None) -> BatchCheck:
        """Like `validate_batch`, with the affected nodes, whether it fell back to a full validation, and costs.

        `added` go to named graph `graph`; `removed` leave `graph` (every graph when None): a removed triple
        that another graph also holds stays in the data.
        """
        added = list(dict.fromkeys(added))
        added_set = set(added)
        removed = [t for t in dict.fromkeys(removed) if t not in added_set]
        if self.analysis is None:
            return self._full(store, added, removed, graph, self.unsupported)
        reader = _StoreReader(store, self.model, added)
        try:
            return self._incremental(reader, added, removed, graph)
        except NeedsFullValidation as exc:
            return self._full(store, added, removed, graph, exc.message)

    def _incremental(self, reader: _StoreReader, added: list[ox.Triple], removed: list[ox.Triple],
                     graph: str | None) -> BatchCheck:
        analysis = self.analysis
        timings: dict[str, float] = {}
        started = time.perf_counter()
        held = reader.outgoing({t.subject for t in added})
        present = {t for node, triples in held.items() for t in triples}
        really_added = [t for t in added if t not in present]
        really_removed = set(self._really_removed(reader, removed, graph))
        delta = really_added + sorted(really_removed, key=str)
        if any(t.predicate == SUBCLASS_OF for t in delta):
            raise NeedsFullValidation("the batch changes the class hierarchy (rdfs:subClassOf)")
        timings["change_s"] = time.perf_counter() - started

        started = time.perf_counter()
        affected = analysis.affected_focus_nodes(reader, delta)
        timings["affected_s"] = time.perf_counter() - started

        started = time.perf_counter()
        reader.with_batch = True
        around = [t for triples in reader.outgoing(affected).values() for t in triples]
        if analysis.objects_of:
            wanted = {p: affected for p in analysis.objects_of}
            around += [t for triples in reader.incoming(wanted).values() for t in triples]
        hierarchy = reader.class_hierarchy()
        targeted = analysis.targeted_shapes(affected, [t for t in around if t not in really_removed], hierarchy)
        focus = {node for nodes in targeted.values() for node in nodes}
        context = analysis.context_triples(reader, focus)
        context = (context | hierarchy) - really_removed
        timings["context_s"] = time.perf_counter() - started

        report = self._validate_context(context, targeted, focus, timings)
        log.info("validated a batch of %d added and %d removed triples: %d affected nodes, %d context "
                 "triples, %d store queries, %s in %.0f ms", len(added), len(removed), len(affected),
                 len(context), reader.queries, report.summary(), sum(timings.values()) * 1000)
        return BatchCheck(report, frozenset(to_rdflib(n) for n in affected), context_triples=len(context),
                          queries=reader.queries, timings=timings)

    def _really_removed(self, reader: _StoreReader, removed: list[ox.Triple],
                        graph: str | None) -> list[ox.Triple]:
        """The removed triples that leave the data: held by the store and by no graph but `graph`."""
        if not removed:
            return []
        if any(isinstance(n, ox.BlankNode) for t in removed for n in (t.subject, t.object)):
            raise NeedsFullValidation("removed triples name blank nodes")
        held = reader.graphs_holding(removed)
        gone = []
        for t in removed:
            graphs = held.get(t, set())
            if graphs and (graph is None or graphs == {graph}) and \
                    next(self.model.quads_for_pattern(t.subject, t.predicate, t.object), None) is None:
                gone.append(t)
        return gone

    def _validate_context(self, context: set[ox.Triple], targeted: dict, focus: set[Node],
                          timings: dict[str, float]) -> ValidationReport:
        started = time.perf_counter()
        shapes = self._shapes.with_targets(targeted)
        data = graph_from_triples(context)
        with tuned_pyshacl():
            _, report_graph, _ = pyshacl_validate(
                data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True,
                allow_infos=True, inplace=True, abort_on_first=False)
        results = _pyshacl_results(report_graph)
        timings["core_s"] = time.perf_counter() - started

        started = time.perf_counter()
        engine = ox.Store()
        engine.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in context)
        wanted = {to_rdflib(n) for n in focus}
        rules = [_restricted(rule, focus) for rule in self.bundle.rules] if focus else []
        results += [r for r in evaluate_rules(rules, engine) if r.focus_node in wanted]
        timings["rules_s"] = time.perf_counter() - started
        return ValidationReport(results)

    def _full(self, store: GraphStore, added: list[ox.Triple], removed: list[ox.Triple], graph: str | None,
              reason: str | None) -> BatchCheck:
        """Validate the whole store after the batch (model graphs come from the bundle)."""
        started = time.perf_counter()
        gone = set(removed)

        def after() -> Iterator[ox.Triple]:
            for quad in store.quads():
                name = quad.graph_name.value
                if is_model_graph(name):
                    continue
                triple = ox.Triple(quad.subject, quad.predicate, quad.object)
                if triple in gone and (graph is None or name == graph):
                    continue
                yield triple
            yield from added

        report = self.full_validator.validate(after())
        log.info("batch validated in full (%s)", reason)
        return BatchCheck(report, full=True, reason=reason,
                          timings={"full_s": time.perf_counter() - started})
