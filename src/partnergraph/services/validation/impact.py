"""Which focus nodes a change can affect, and which stored triples their validation needs.

Terms. D is the data before the change: the store (all its graphs) and the model (ontology, imports,
vocabularies). A are the added triples D does not hold yet, R the removed triples D holds and that no other
graph keeps; Δ = A ∪ R and D' = D − R + A is the data after the change. `shape_access` compiles the shapes
into an automaton of *read walks*: walks from a focus node along the paths the core shapes follow (targets,
property paths, inverse and `*`/`+` paths, nested `sh:node`/`sh:property`/`sh:or`/`sh:and`/`sh:xone`/`sh:not`/
`sh:qualifiedValueShape` shapes, `rdf:type` of values for `sh:class`, every outgoing predicate for `sh:closed`)
and the patterns the SHACL-SPARQL rules match. region_G(f) is the set of triples on read walks of f in G.

1. Locality. Whether f is a target of a shape, and the results of validating f (core shapes and rules), depend
   only on region(f) and on the class hierarchy. pySHACL reads the value nodes of each path from f and, for
   them, exactly the triples the nested constraints name; a rule solution with $this = f (inside EXISTS and
   NOT EXISTS groups too) only matches triples of patterns that the automaton walks from a variable already
   reached from $this. So if no Δ triple lies on a read walk of f in D ∪ A, a graph that contains both D and
   D' and therefore both regions, f has the same results before and after the change. The class hierarchy
   (`rdfs:subClassOf`) is read by every class target and `sh:class` check: a change to it validates the whole
   store instead.
2. Affected focus nodes (`affected_focus_nodes`). Let t ∈ Δ lie on a read walk f = n0 → n1 → … in D ∪ A, and
   let t' be the FIRST Δ triple on that walk. Every triple before t' is in (D ∪ A) − Δ ⊆ D, and the walk takes
   t' at some (node, state) that `CompiledAutomaton.entries` lists. So every affected f is found by walking
   BACKWARDS over D alone (store and model, never the batch) from the entries of all Δ triples to state 0.
   A backward step follows a predicate in reverse (`?x p n`), one VALUES query per level for the whole
   frontier, so the number of queries is bounded by the depth of the shapes, not by the batch. A walk does
   not start from a node D does not mention at all (a new node has nothing in D to walk back over; one
   FILTER EXISTS query tells them apart). The subjects of Δ triples are added in any case (cheap and
   conservative). Re-asserting triples the store holds already is not a change, so a re-upload does not
   reach back from every state it mentions.
3. Context (`context_triples`). For the affected nodes that are targets after the change, a FORWARD walk over
   D ∪ A from (f, state 0) collects every triple it takes: that is region_{D∪A}(f), which contains
   region_{D'}(f). Minus R it is a subgraph of D' holding all of region_{D'}(f); with the class hierarchy added
   (all `rdfs:subClassOf` triples, a few hundred at most), validating f on it gives f's results on D'.
   Context nodes that are not affected are never reported: the validator names the affected nodes as
   `sh:targetNode` of exactly the shapes that target them (`targeted_shapes`) and keeps rule results about
   them only. (pySHACL's own `focus_nodes` option cannot be used: in 0.40 it also filters the value nodes
   passed to nested shapes, so `sh:node` checks of values and `sh:or` on literal values silently pass.)

Conservative parts: the rules' joins are not enforced, so their walks reach more than their solutions use;
every walk follows all states the automaton allows, whichever shape they belong to; the subjects of Δ are
always affected. A change to `rdfs:subClassOf`, a removed triple with a blank node, a walk that has to
continue from a stored blank node (SPARQL cannot name one), and shapes `shape_access` cannot bound all fall
back to validating the whole store. Blank nodes in a batch are taken to be new (blank node labels are local
to a document): only the batch's own triples describe them.

Cost. Backward and forward walks cost one query per automaton level (≈ 8 for these shapes), each bound to the
frontier's nodes; the frontier is the batch and the nodes its walks reach. A walk only fans out when it
follows a predicate backwards into a node with many subjects, which the rule compiler avoids where it has a
choice; a change to such a hub (re-typing a state, say) affects everything that refers to it, by nature.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDFS, SH

from partnergraph.errors import UnsupportedShapes
from partnergraph.services.validation.rule_paths import compile_rule, rule_patterns
from partnergraph.services.validation.shape_paths import (
    FOCUS_STATE,
    RDF_TYPE,
    Automaton,
    CompiledAutomaton,
    StateMoves,
    compile_core_shape,
    shape_targets,
)
from partnergraph.services.validation.validator import ShapesBundle
from partnergraph.rdf.rdflib_terms import from_rdflib

Node = ox.NamedNode | ox.BlankNode | ox.Literal
SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))


class GraphReader(Protocol):
    """Where walks read triples: batched lookups of a set of nodes' outgoing or incoming triples."""

    def outgoing(self, nodes: set[Node]) -> dict[Node, list[ox.Triple]]:
        """Every triple whose subject is one of `nodes`, grouped by subject."""

    def incoming(self, wanted: dict[ox.NamedNode | None, set[Node]]) -> dict[Node, list[ox.Triple]]:
        """Triples with predicate p (None: any) whose object is one of wanted[p], grouped by object."""

    def present(self, nodes: set[Node]) -> set[Node]:
        """The nodes that occur in some triple (as subject or object)."""


def walk(moves: dict[int, StateMoves], reader: GraphReader, seeds: Iterable[tuple[Node, int]],
         taken: set[ox.Triple] | None = None) -> set[tuple[Node, int]]:
    """Every (node, state) reachable from the seeds; the triples stepped over are added to `taken`."""
    seen = set(seeds)
    frontier = set(seen)
    while frontier:
        need_out: set[Node] = set()
        need_in: dict[ox.NamedNode | None, set[Node]] = defaultdict(set)
        for node, state in frontier:
            m = moves.get(state)
            if m is None:
                continue
            if (m.out_by_predicate or m.out_any) and not isinstance(node, ox.Literal):
                need_out.add(node)
            for predicate in m.in_by_predicate:
                need_in[predicate].add(node)
            if m.in_any:
                need_in[None].add(node)
        out = reader.outgoing(need_out) if need_out else {}
        inc = reader.incoming(dict(need_in)) if need_in else {}
        following: set[tuple[Node, int]] = set()
        for node, state in frontier:
            m = moves.get(state)
            if m is None:
                continue
            for triples, by_predicate, any_targets, reads_out in (
                    (out.get(node, ()), m.out_by_predicate, m.out_any, True),
                    (inc.get(node, ()), m.in_by_predicate, m.in_any, False)):
                if not (by_predicate or any_targets):
                    continue
                for t in triples:
                    targets = by_predicate.get(t.predicate, ()) + any_targets
                    if not targets:
                        continue
                    if taken is not None:
                        taken.add(t)
                    other = t.object if reads_out else t.subject
                    for target in targets:
                        pair = (other, target)
                        if pair not in seen:
                            seen.add(pair)
                            following.add(pair)
        frontier = following
    return seen


def compile_shapes(core_shapes: rdflib.Graph, rule_queries: list[str]) -> CompiledAutomaton:
    """The automaton of every read walk of the core shapes (with targets) and the SHACL-SPARQL rules."""
    automaton = Automaton()
    if (None, SH.sparql, None) in core_shapes:
        raise UnsupportedShapes("a SHACL-SPARQL constraint is left to pySHACL")
    for shape, targets in shape_targets(core_shapes).items():
        if core_shapes.value(shape, SH.deactivated) != rdflib.Literal(True):
            compile_core_shape(core_shapes, automaton, shape, targets)
    for query in rule_queries:
        compile_rule(automaton, rule_patterns(query))
    return automaton.freeze()


class ImpactAnalysis:
    """The shapes' read walks and targets, compiled once per ShapesBundle (`UnsupportedShapes` if they
    cannot be bounded)."""

    def __init__(self, bundle: ShapesBundle) -> None:
        self.automaton: CompiledAutomaton = compile_shapes(bundle.core_shapes, [r.query for r in bundle.rules])
        self.targets = {}
        for shape, t in shape_targets(bundle.core_shapes).items():
            self.targets[shape] = (frozenset(from_rdflib(c) for c in t.classes),
                                   frozenset(from_rdflib(n) for n in t.nodes),
                                   frozenset(from_rdflib(p) for p in t.subjects_of),
                                   frozenset(from_rdflib(p) for p in t.objects_of))
        self.objects_of = frozenset(p for *_, objects_of in self.targets.values() for p in objects_of)

    def affected_focus_nodes(self, reader: GraphReader, delta: Iterable[ox.Triple]) -> set[Node]:
        """Every node whose results can change when `delta` is added or removed; `reader` must read the data
        before the change without the batch."""
        ends: dict[ox.NamedNode, tuple[set[Node], set[Node]]] = defaultdict(lambda: (set(), set()))
        for t in delta:
            subjects, objects = ends[t.predicate]
            subjects.add(t.subject)
            objects.add(t.object)
        focus: set[Node] = set()
        states: dict[Node, set[int]] = defaultdict(set)
        entry_states_of = self.automaton.entry_states
        none = (frozenset(), frozenset())
        for predicate, (subjects, objects) in ends.items():
            focus |= subjects
            for entry in (entry_states_of.get(predicate, none), entry_states_of.get(None, none)):
                for nodes, entry_states in ((subjects, entry[0]), (objects, entry[1])):
                    if FOCUS_STATE in entry_states:
                        focus |= nodes
                    if entry_states - {FOCUS_STATE}:
                        for node in nodes:
                            states[node] |= entry_states
        # a node the data before the change does not mention has nothing to walk back over
        present = reader.present(set(states))
        seeds = {(node, state) for node in present for state in states[node] if state != FOCUS_STATE}
        reached = walk(self.automaton.backward, reader, seeds)
        focus |= {node for node, state in reached if state == FOCUS_STATE}
        return {n for n in focus if not isinstance(n, ox.Literal)}

    def context_triples(self, reader: GraphReader, focus: Iterable[Node]) -> set[ox.Triple]:
        """The triples on read walks of the focus nodes; `reader` must read the data and the batch."""
        taken: set[ox.Triple] = set()
        walk(self.automaton.forward, reader, {(f, FOCUS_STATE) for f in focus}, taken)
        return taken

    def targeted_shapes(self, focus: set[Node], triples: Iterable[ox.Triple],
                        subclass: Iterable[ox.Triple]) -> dict[rdflib.term.Node, list[Node]]:
        """For each shape with targets, the focus nodes it targets in `triples` (which must hold the focus
        nodes' types and the predicates the targets name) with the class hierarchy `subclass`."""
        parents: dict[Node, set[Node]] = defaultdict(set)
        for t in subclass:
            parents[t.subject].add(t.object)
        types: dict[Node, set[Node]] = defaultdict(set)
        out_predicates: dict[Node, set[Node]] = defaultdict(set)
        in_predicates: dict[Node, set[Node]] = defaultdict(set)
        for t in triples:
            if t.subject in focus:
                out_predicates[t.subject].add(t.predicate)
                if t.predicate == RDF_TYPE:
                    types[t.subject].add(t.object)
            if t.object in focus:
                in_predicates[t.object].add(t.predicate)
        supers: dict[Node, set[Node]] = {}

        def ancestors(cls: Node) -> set[Node]:
            if cls not in supers:
                found, todo = {cls}, [cls]
                while todo:
                    for parent in parents.get(todo.pop(), ()):
                        if parent not in found:
                            found.add(parent)
                            todo.append(parent)
                supers[cls] = found
            return supers[cls]

        classes_of = {f: set().union(*(ancestors(c) for c in types[f])) if types[f] else set()
                      for f in focus}
        targeted: dict[rdflib.term.Node, list[Node]] = {}
        for shape, (classes, nodes, subjects_of, objects_of) in self.targets.items():
            hits = [f for f in focus
                    if classes_of[f] & classes or f in nodes or out_predicates[f] & subjects_of
                    or in_predicates[f] & objects_of]
            if hits:
                targeted[shape] = hits
        return targeted
