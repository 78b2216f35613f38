"""What a SHACL-SPARQL rule reads: the triple patterns of its query, walked from `$this`.

The query is parsed with rdflib's SPARQL parser. Every triple or property-path pattern anywhere in it (target
block, UNION branches, EXISTS and NOT EXISTS groups) becomes an edge between its subject and its object;
FILTER and BIND expressions only narrow the results and are ignored, except that a predicate variable that is
only ever bound by BINDs of constant IRIs (and is bound before the group that uses it) stands for those IRIs.
Each variable gets a state of the automaton (`shape_access`), `$this` is the focus state, and each pattern is
walked from the end that is reached more cheaply from `$this` (Dijkstra; following a predicate forwards costs
1, backwards 10), so that walks avoid fanning out over hubs such as the state every signature is made on
behalf of. Joins are not enforced: a rule's walks reach at least every triple its solutions can use, which is
the safe direction. A pattern not connected to `$this`, GRAPH, SERVICE, VALUES, LIMIT/ORDER BY and
aggregates make the shapes unsupported (`UnsupportedShapes`).
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
from rdflib.plugins.sparql.parserutils import CompValue

from partnergraph.errors import UnsupportedShapes
from partnergraph.services.validation.shape_paths import (
    FOCUS_STATE,
    FORWARD,
    INVERSE,
    Automaton,
    walk_cost,
)

THIS = rdflib.Variable("this")
_ALGEBRA_PASS = {"SelectQuery", "Project", "Distinct", "Reduced", "ToMultiSet"}
_ALGEBRA_UNSUPPORTED = {"Graph", "ServiceGraphPattern", "values", "Group", "AggregateJoin", "Slice",
                        "OrderBy"}
_ANY = ("any",)


def sparql_path(path) -> tuple:
    """The path tuple of an rdflib SPARQL predicate or property path."""
    if isinstance(path, rdflib.URIRef):
        return ("p", ox.NamedNode(str(path)))
    if isinstance(path, SequencePath):
        return ("seq", tuple(sparql_path(p) for p in path.args))
    if isinstance(path, AlternativePath):
        return ("alt", tuple(sparql_path(p) for p in path.args))
    if isinstance(path, InvPath):
        return ("inv", sparql_path(path.arg))
    if isinstance(path, MulPath):
        return ({"*": "star", "+": "plus", "?": "opt"}[path.mod], sparql_path(path.path))
    if isinstance(path, NegatedPath):
        return ("alt", (_ANY, ("inv", _ANY)))
    raise UnsupportedShapes(f"cannot analyse the SPARQL path {path!r}")


@dataclass(frozen=True)
class _Pattern:
    subject: rdflib.term.Node
    path: object  # a path tuple, or an rdflib Variable in predicate position
    object: rdflib.term.Node
    outer: frozenset  # variables certainly bound before the enclosing (NOT) EXISTS group is evaluated


class _RuleScan:
    """Every triple pattern of a query, with what BINDs give to variables."""

    def __init__(self) -> None:
        self.patterns: list[_Pattern] = []
        self.constants: dict[rdflib.Variable, set] = defaultdict(set)
        self.computed: set[rdflib.Variable] = set()

    def scan(self, node, outer: frozenset) -> frozenset:
        """Record the patterns of an algebra node; returns the variables its solutions certainly bind."""
        name = getattr(node, "name", None)
        if name in _ALGEBRA_UNSUPPORTED:
            raise UnsupportedShapes(f"SHACL-SPARQL rule uses {name}")
        if name in _ALGEBRA_PASS:
            return self.scan(node.p, outer)
        if name == "BGP":
            bound = set()
            for s, p, o in node.triples:
                path = p if isinstance(p, rdflib.Variable) else sparql_path(p)
                self.patterns.append(_Pattern(s, path, o, outer))
                bound |= {t for t in (s, p, o) if isinstance(t, rdflib.Variable)}
            return frozenset(bound)
        if name in ("Join", "Minus"):
            first, second = self.scan(node.p1, outer), self.scan(node.p2, outer)
            return first | second if name == "Join" else first
        if name == "LeftJoin":
            first = self.scan(node.p1, outer)
            self.scan(node.p2, outer)
            if node.expr is not None:
                self.expression(node.expr, outer | first)
            return first
        if name == "Union":
            return self.scan(node.p1, outer) & self.scan(node.p2, outer)
        if name == "Filter":
            bound = self.scan(node.p, outer)
            self.expression(node.expr, outer | bound)
            return bound
        if name == "Extend":
            bound = self.scan(node.p, outer)
            if isinstance(node.expr, (rdflib.URIRef, rdflib.Literal)):
                self.constants[node.var].add(node.expr)
                return bound | {node.var}
            self.computed.add(node.var)
            self.expression(node.expr, outer | bound)
            return bound
        if isinstance(node, CompValue):  # a group pattern of EXISTS not yet translated to algebra
            return self.scan(translateGroupGraphPattern(node), outer)
        raise UnsupportedShapes(f"cannot analyse the SPARQL algebra node {name or node!r}")

    def expression(self, expr, outer: frozenset) -> None:
        """Find the EXISTS / NOT EXISTS groups inside a FILTER or BIND expression."""
        if isinstance(expr, CompValue):
            if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
                self.scan(expr.graph, outer)
                return
            for key, value in expr.items():
                if not key.startswith("_"):
                    self.expression(value, outer)
        elif isinstance(expr, (list, tuple)):
            for item in expr:
                self.expression(item, outer)

    def resolved(self) -> list[_Pattern]:
        """Patterns with predicate variables replaced by their BIND constants where that is certain."""
        pattern_bound = {t for p in self.patterns for t in (p.subject, p.path, p.object)
                         if isinstance(t, rdflib.Variable) and t not in p.outer}
        out = []
        for p in self.patterns:
            path = p.path
            if isinstance(path, rdflib.Variable):
                consts = self.constants.get(path, set())
                if path in p.outer and path not in pattern_bound and path not in self.computed and consts \
                        and all(isinstance(c, rdflib.URIRef) for c in consts):
                    path = ("alt", tuple(("p", ox.NamedNode(str(c))) for c in sorted(consts)))
                else:
                    path = _ANY
            out.append(_Pattern(p.subject, path, p.object, p.outer))
        return out


def _is_variable(term) -> bool:
    return isinstance(term, (rdflib.Variable, rdflib.BNode))


def rule_patterns(query: str) -> list[_Pattern]:
    """The triple patterns of a SHACL-SPARQL rule query (with `$this`), predicate variables resolved."""
    try:
        parsed = prepareQuery(query)
    except Exception as exc:  # pyparsing and rdflib raise assorted exception types
        raise UnsupportedShapes(f"cannot parse a SHACL-SPARQL rule: {exc}") from exc
    scan = _RuleScan()
    scan.scan(parsed.algebra, frozenset({THIS}))
    return scan.resolved()


def compile_rule(automaton: Automaton, patterns: list[_Pattern]) -> list[tuple]:
    """Add a rule's patterns to the automaton, each walked from its end nearer to `$this`; returns the walks
    chosen as (from, to, path) with path read from `from`."""
    costs = []
    for p in patterns:
        costs.append((walk_cost(p.path, FORWARD), walk_cost(p.path, INVERSE)))
    distance = {THIS: 0}
    heap = [(0, 0, THIS)]
    counter = itertools.count(1)
    while heap:
        dist, _, var = heapq.heappop(heap)
        if dist > distance.get(var, dist):
            continue
        for p, (forward, backward) in zip(patterns, costs, strict=True):
            for near, far, cost in ((p.subject, p.object, forward), (p.object, p.subject, backward)):
                if near == var and _is_variable(far) and dist + cost < distance.get(far, 1 << 30):
                    distance[far] = dist + cost
                    heapq.heappush(heap, (dist + cost, next(counter), far))
    states = {THIS: FOCUS_STATE}
    walks = []
    for p, (forward, backward) in zip(patterns, costs, strict=True):
        options = []
        if _is_variable(p.subject) and p.subject in distance:
            options.append((distance[p.subject] + forward, 0, p.subject, p.object, p.path))
        if _is_variable(p.object) and p.object in distance:
            options.append((distance[p.object] + backward, 1, p.object, p.subject, ("inv", p.path)))
        if not options:
            raise UnsupportedShapes(f"a pattern of a SHACL-SPARQL rule is not connected to $this: {p}")
        _, _, near, far, path = min(options, key=lambda o: o[:2])
        walks.append((near, far, path))
        if near not in states:
            states[near] = automaton.new()
        end = automaton.path(path, states[near])
        if _is_variable(far):
            if far not in states:
                states[far] = automaton.new()
            automaton.link(end, states[far])
    return walks
