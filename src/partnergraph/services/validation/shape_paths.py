"""What the shapes read from the data: an automaton of every walk a shape takes from its focus node.

Validating a focus node reads only triples reachable from it along the paths the shapes follow. This
module compiles those paths, once per shapes graph, into a nondeterministic automaton whose transitions
are steps `(predicate, direction)` (`predicate` None = any predicate) and whose state 0 stands at the focus
node. A walk from a focus node that the automaton accepts step by step is a *read walk*; the triples on read
walks are the node's *region*. `partnergraph.services.validation.impact` explains how the region gives the affected
focus nodes of a change and the context their validation needs.

Core shapes (pySHACL): every node shape with targets is compiled at state 0 with its target steps
(`sh:targetClass` reads `rdf:type`, `sh:targetSubjectsOf`/`sh:targetObjectsOf` the predicate forwards or
backwards). A property shape adds its `sh:path` (predicates, sequences, alternatives, inverse and `*`/`+`/`?`
paths); the value nodes sit at the end state, where `sh:class` reads `rdf:type`, `sh:closed` reads every
outgoing predicate, and `sh:node`, `sh:property`, `sh:and`/`sh:or`/`sh:xone`/`sh:not` and
`sh:qualifiedValueShape` compile the nested shape at that state; `sh:equals`, `sh:disjoint`, `sh:lessThan`
and `sh:lessThanOrEquals` read a second property of the focus node. Constraints on the value itself
(datatype, pattern, counts, `sh:in`, `sh:hasValue`...) read nothing more. The class hierarchy
(`rdfs:subClassOf`) that `sh:class` and class targets also read is not walked: it is part of every context
and a change to it triggers a full validation (see `impact`).

SHACL-SPARQL rules are added to the same automaton by `rule_access`. Recursive shapes, SHACL-AF targets,
custom constraint components, `sh:qualifiedValueShapesDisjoint` and constraint parameters not listed above
raise `UnsupportedShapes`: the incremental validator then validates the whole store for every batch.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from partnergraph.errors import UnsupportedShapes

FORWARD, INVERSE = 1, -1
FOCUS_STATE = 0
RDF_TYPE = ox.NamedNode(str(RDF.type))

TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_NESTED = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
_LISTS = (SH["and"], SH["or"], SH.xone)
_PAIRS = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)
_VALUE_ONLY = {SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minExclusive, SH.minInclusive,
               SH.maxExclusive, SH.maxInclusive, SH.minLength, SH.maxLength, SH.pattern, SH.flags,
               SH.languageIn, SH.uniqueLang, SH.hasValue, SH["in"]}
NOT_CONSTRAINTS = {SH.path, SH.name, SH.description, SH.message, SH.severity, SH.deactivated, SH.order,
                    SH.group, SH.defaultValue, SH.ignoredProperties, SH.qualifiedMinCount,
                    SH.qualifiedMaxCount, SH.declare, SH.prefixes, *TARGET_PREDICATES}


# --- paths ------------------------------------------------------------------------------------------------
# A path is a tuple: ("p", NamedNode) | ("any",) | ("inv", path) | ("seq", paths) | ("alt", paths)
# | ("star", path) | ("plus", path) | ("opt", path).

def shacl_path(shapes: rdflib.Graph, node: rdflib.term.Node) -> tuple:
    """The path tuple of a SHACL property path node."""
    if isinstance(node, rdflib.URIRef):
        return ("p", ox.NamedNode(str(node)))
    if (node, RDF.first, None) in shapes:
        return ("seq", tuple(shacl_path(shapes, m) for m in Collection(shapes, node)))
    alternatives = shapes.value(node, SH.alternativePath)
    if alternatives is not None:
        return ("alt", tuple(shacl_path(shapes, m) for m in Collection(shapes, alternatives)))
    for predicate, kind in ((SH.inversePath, "inv"), (SH.zeroOrMorePath, "star"),
                            (SH.oneOrMorePath, "plus"), (SH.zeroOrOnePath, "opt")):
        inner = shapes.value(node, predicate)
        if inner is not None:
            return (kind, shacl_path(shapes, inner))
    raise UnsupportedShapes(f"cannot analyse the SHACL path {node}")


def walk_cost(path: tuple, direction: int = FORWARD) -> int:
    """A rough fan-out cost of walking a path: 1 per predicate followed forwards, 10 backwards."""
    kind = path[0]
    if kind in ("p", "any"):
        base = 1 if kind == "p" else 3
        return base if direction == FORWARD else base * 10
    if kind == "inv":
        return walk_cost(path[1], -direction)
    if kind == "seq":
        return sum(walk_cost(p, direction) for p in path[1])
    if kind == "alt":
        return max(walk_cost(p, direction) for p in path[1])
    return (2 if kind in ("star", "plus") else 1) * walk_cost(path[1], direction)


# --- the automaton ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StateMoves:
    """How a walk leaves one state: by the node's outgoing or incoming triples, per predicate or any."""

    out_by_predicate: dict
    out_any: tuple
    in_by_predicate: dict
    in_any: tuple


class Automaton:
    """Transitions over (predicate, direction) steps and epsilon links; state 0 is the focus node."""

    def __init__(self) -> None:
        self.size = 1
        self.steps: dict[int, list[tuple[ox.NamedNode | None, int, int]]] = defaultdict(list)
        self.links: dict[int, set[int]] = defaultdict(set)

    def new(self) -> int:
        """A fresh state."""
        self.size += 1
        return self.size - 1

    def step(self, source: int, predicate: ox.NamedNode | None, direction: int) -> int:
        """A transition from `source` over one triple; returns its new target state."""
        target = self.new()
        self.steps[source].append((predicate, direction, target))
        return target

    def link(self, source: int, target: int) -> None:
        """An epsilon transition."""
        self.links[source].add(target)

    def path(self, path: tuple, source: int, direction: int = FORWARD) -> int:
        """Compile a path tuple from `source`; returns the state of its value nodes."""
        kind = path[0]
        if kind in ("p", "any"):
            return self.step(source, path[1] if kind == "p" else None, direction)
        if kind == "inv":
            return self.path(path[1], source, -direction)
        if kind == "seq":
            state = source
            for part in (path[1] if direction == FORWARD else reversed(path[1])):
                state = self.path(part, state, direction)
            return state
        end = self.new()
        if kind == "alt":
            for part in path[1]:
                self.link(self.path(part, source, direction), end)
            return end
        if kind == "opt":
            self.link(source, end)
            self.link(self.path(path[1], source, direction), end)
            return end
        first = source
        if kind == "plus":
            first = self.path(path[1], source, direction)
        self.link(first, end)  # `end` is the loop state of * and +
        self.link(self.path(path[1], end, direction), end)
        return end

    def freeze(self) -> CompiledAutomaton:
        """An epsilon-free automaton restricted to the states reachable from state 0."""
        closure: dict[int, set[int]] = {}
        for state in range(self.size):
            seen, todo = {state}, [state]
            while todo:
                for nxt in self.links.get(todo.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            closure[state] = seen
        moves: dict[int, set[tuple]] = {}
        todo = [FOCUS_STATE]
        while todo:
            state = todo.pop()
            if state in moves:
                continue
            moves[state] = {m for member in closure[state] for m in self.steps.get(member, ())}
            todo += [target for *_, target in moves[state] if target not in moves]
        return CompiledAutomaton(moves)


class CompiledAutomaton:
    """The frozen automaton: moves per state for forward walks (reading from a focus node outwards),
    reversed moves for backward walks (from a changed triple back to focus nodes), and the transitions a
    triple with a given predicate can take."""

    def __init__(self, moves: dict[int, set[tuple]]) -> None:
        self.states = len(moves)
        forward: dict[int, list] = defaultdict(list)
        backward: dict[int, list] = defaultdict(list)
        by_predicate: dict[ox.NamedNode | None, set[tuple[int, int]]] = defaultdict(set)
        for source, state_moves in moves.items():
            for predicate, direction, target in state_moves:
                # forward: a FORWARD step reads outgoing triples; backward it reads incoming ones
                forward[source].append((predicate, direction == FORWARD, target))
                backward[target].append((predicate, direction == INVERSE, source))
                by_predicate[predicate].add((source, direction))
        self.by_predicate = {p: tuple(sorted(entries)) for p, entries in by_predicate.items()}
        # per predicate (None: any), the states a triple is taken at from its subject (forward steps) and
        # from its object (inverse steps)
        self.entry_states: dict[ox.NamedNode | None, tuple[frozenset, frozenset]] = {
            p: (frozenset(s for s, d in entries if d == FORWARD), frozenset(s for s, d in entries if d == INVERSE))
            for p, entries in by_predicate.items()}
        self.forward = {s: _state_moves(ms) for s, ms in forward.items()}
        self.backward = {s: _state_moves(ms) for s, ms in backward.items()}

    def entries(self, triple: ox.Triple) -> list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal, int]]:
        """The (node, state) pairs at which a read walk can take this triple as its next step."""
        found = []
        for source, direction in itertools.chain(self.by_predicate.get(triple.predicate, ()),
                                                 self.by_predicate.get(None, ())):
            found.append((triple.subject if direction == FORWARD else triple.object, source))
        return found


def _state_moves(moves: list[tuple]) -> StateMoves:
    out_by, in_by = defaultdict(set), defaultdict(set)
    out_any, in_any = set(), set()
    for predicate, reads_out, target in moves:
        if predicate is None:
            (out_any if reads_out else in_any).add(target)
        else:
            (out_by if reads_out else in_by)[predicate].add(target)
    return StateMoves({p: tuple(t) for p, t in out_by.items()}, tuple(out_any),
                      {p: tuple(t) for p, t in in_by.items()}, tuple(in_any))


# --- core shapes ----------------------------------------------------------------------------------------------

@dataclass
class ShapeTargets:
    """The targets of one shape."""

    classes: set
    nodes: set
    subjects_of: set
    objects_of: set


def shape_targets(shapes: rdflib.Graph) -> dict[rdflib.term.Node, ShapeTargets]:
    """Every shape with targets, including implicit class targets; SHACL-AF sh:target is unsupported."""
    if (None, SH.target, None) in shapes:
        raise UnsupportedShapes("SHACL-AF sh:target is not supported")
    found = {}
    implicit = {s for s in shapes.subjects(RDF.type, RDFS.Class)} | \
        {s for s in shapes.subjects(RDF.type, OWL.Class)}
    candidates = {s for p in TARGET_PREDICATES for s in shapes.subjects(p, None)} | \
        {s for s in implicit if (s, RDF.type, SH.NodeShape) in shapes}
    for shape in candidates:
        classes = set(shapes.objects(shape, SH.targetClass))
        if shape in implicit and (shape, RDF.type, SH.NodeShape) in shapes:
            classes.add(shape)
        found[shape] = ShapeTargets(classes, set(shapes.objects(shape, SH.targetNode)),
                                    set(shapes.objects(shape, SH.targetSubjectsOf)),
                                    set(shapes.objects(shape, SH.targetObjectsOf)))
    return found


class _ShapeCompiler:
    def __init__(self, shapes: rdflib.Graph, automaton: Automaton) -> None:
        self.shapes = shapes
        self.automaton = automaton
        if (None, RDF.type, SH.ConstraintComponent) in shapes:
            raise UnsupportedShapes("custom constraint components are not supported")

    def root(self, shape: rdflib.term.Node, targets: ShapeTargets) -> None:
        auto = self.automaton
        if targets.classes:
            auto.step(FOCUS_STATE, RDF_TYPE, FORWARD)
        for predicate in targets.subjects_of:
            auto.step(FOCUS_STATE, ox.NamedNode(str(predicate)), FORWARD)
        for predicate in targets.objects_of:
            auto.step(FOCUS_STATE, ox.NamedNode(str(predicate)), INVERSE)
        self.shape(shape, FOCUS_STATE, ())

    def shape(self, shape: rdflib.term.Node, state: int, stack: tuple) -> None:
        if shape in stack:
            raise UnsupportedShapes(f"recursive shape {shape}")
        stack = (*stack, shape)
        path = self.shapes.value(shape, SH.path)
        value_state = state if path is None else \
            self.automaton.path(shacl_path(self.shapes, path), state)
        for predicate, obj in self.shapes.predicate_objects(shape):
            self.constraint(predicate, obj, value_state, state, stack)

    def constraint(self, predicate, obj, value_state: int, focus_state: int, stack: tuple) -> None:
        if predicate in NOT_CONSTRAINTS or predicate in _VALUE_ONLY:
            return
        if predicate == SH["class"]:
            self.automaton.step(value_state, RDF_TYPE, FORWARD)
        elif predicate == SH.closed:
            if obj == rdflib.Literal(True):
                self.automaton.step(value_state, None, FORWARD)
        elif predicate in _NESTED:
            self.shape(obj, value_state, stack)
        elif predicate in _LISTS:
            for member in Collection(self.shapes, obj):
                self.shape(member, value_state, stack)
        elif predicate in _PAIRS:
            self.automaton.path(shacl_path(self.shapes, obj), focus_state)
        elif predicate == SH.qualifiedValueShapesDisjoint:
            if obj == rdflib.Literal(True):
                raise UnsupportedShapes("sh:qualifiedValueShapesDisjoint is not supported")
        elif str(predicate).startswith(str(SH)):
            raise UnsupportedShapes(f"cannot bound what {predicate} reads")


def compile_core_shape(shapes: rdflib.Graph, automaton: Automaton, shape: rdflib.term.Node,
                       targets: ShapeTargets) -> None:
    """Add the read walks of one shape with targets (its target steps and constraints) at the focus state."""
    _ShapeCompiler(shapes, automaton).root(shape, targets)
