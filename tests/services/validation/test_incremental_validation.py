"""Incremental validation sees the stored data, and its verdict is the verdict of a full validation.

The store holds the real ontology, vocabularies and data. The randomised tests draw batches of edits with a
seeded RNG (the seed and batch number are in every failure message) and compare, for every batch, the
incremental report with a full validation of the store after the batch: equal results (focus, path,
component, severity, shape and value) for the affected focus nodes, unchanged results for every other node,
and the same verdict. A second store is synthetic (bench/synthetic.py): its batches are the activities the
generator produces next (valid new data referring to stored nodes), some with random edits on top.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import DCTERMS, ORG, RDF, SH, SKOS

from partnergraph.namespaces import PG, PGG, PGID, PGSH
from partnergraph.services.validation.incremental import IncrementalValidator
from partnergraph.services.loading import default_items, plan_load
from partnergraph.services.validation.rule_paths import compile_rule, rule_patterns
from partnergraph.services.validation.shape_paths import Automaton
from partnergraph.services.validation.validator import ShapesBundle, Validator, is_model_graph
from partnergraph.store.oxigraph.store import OxigraphStore

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS_OF = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
XSD = "http://www.w3.org/2001/XMLSchema#"
TIME = "http://www.w3.org/2006/time#"
PROV = "http://www.w3.org/ns/prov#"
BATCH_GRAPH = str(PGG["data/test-batch"])
SEEDS = (20261128, 7)
BATCHES_PER_SEED = 25
SYNTHETIC_SEED = 11
SYNTHETIC_BATCHES = 10


def n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def date(text: str) -> ox.Literal:
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "date"))


def result_keys(report) -> set[tuple]:
    """Focus, path, component, severity, shape and value of every result."""
    return {(*r.key(), r.value) for r in report.results}


@pytest.fixture(scope="module")
def bundle() -> ShapesBundle:
    return ShapesBundle.from_resources()


@pytest.fixture(scope="module")
def incremental(bundle) -> IncrementalValidator:
    return IncrementalValidator(bundle)


@pytest.fixture(scope="module")
def full(bundle) -> Validator:
    return Validator(bundle)


@pytest.fixture(scope="module")
def loaded():
    """An in-memory store with the model and the data, and the data triples (model graphs left out)."""
    plan = plan_load(default_items())
    store = OxigraphStore()
    for graph, triples in plan.graphs.items():
        store.replace_graph(graph, triples)
    data = {t for graph, triples in plan.graphs.items() if not is_model_graph(graph) for t in triples}
    yield store, data
    store.close()


@pytest.fixture(scope="module")
def before(loaded, full):
    report = full.validate(loaded[1])
    assert report.conforms, "the curated data conforms"
    return report


def signature(name: str, agreement: str, party: str, signatory: str = "person/kevin-k-mcaleenan",
              source: str = "source/dhs-2019-09-20-joint-statement-el-salvador") -> list[ox.Triple]:
    node = n(PGID[f"signature/{name}"])
    return [ox.Triple(node, RDF_TYPE, n(PG.Signature)),
            ox.Triple(node, n(PG.ofAgreement), n(PGID[agreement])),
            ox.Triple(node, n(PG.signatory), n(PGID[signatory])),
            ox.Triple(node, n(PG.onBehalfOf), n(PGID[party])),
            ox.Triple(node, n(PG.signingDate), date("2019-09-20")),
            ox.Triple(node, n(PROV + "wasDerivedFrom"), n(PGID[source]))]


def violations(report) -> set[tuple]:
    return {(r.focus_node, r.source_shape, r.value) for r in report.results if r.severity == "Violation"}


def test_batch_referring_to_stored_state_person_and_agreement_conforms(loaded, incremental):
    store, _ = loaded
    batch = signature("test-usa-2", "agreement/us-slv-aca-2019", "state/USA")
    check = incremental.check_batch(store, batch, graph=BATCH_GRAPH)
    assert not check.full
    assert check.report.conforms, check.report.to_json()


def test_reference_to_an_unknown_iri_that_must_be_typed_fails_naming_it(loaded, incremental):
    store, _ = loaded
    batch = signature("test-unknown", "agreement/us-slv-aca-2019", "state/USA", signatory="person/nobody")
    report = incremental.validate_batch(store, batch, graph=BATCH_GRAPH)
    assert not report.conforms
    node = rdflib.URIRef(PGID["signature/test-unknown"])
    assert (node, PGSH["SignatureShape-signatory"], rdflib.URIRef(PGID["person/nobody"])) in violations(report)


def test_second_signature_on_behalf_of_a_non_party_of_a_stored_agreement_fails(loaded, incremental):
    store, _ = loaded
    batch = signature("test-mex", "agreement/us-slv-aca-2019", "state/MEX")
    report = incremental.validate_batch(store, batch, graph=BATCH_GRAPH)
    node = rdflib.URIRef(PGID["signature/test-mex"])
    assert violations(report) == {
        (node, PGSH.SignatureOnBehalfOfPartyRule, rdflib.URIRef(PGID["state/MEX"]))}


def test_adding_the_party_to_the_stored_agreement_makes_its_stored_signatures_conform(loaded, incremental):
    store, _ = loaded
    agreement, party = n(PGID["agreement/us-slv-aca-2019"]), n(PGID["state/MEX"])
    signed = signature("test-mex-party", "agreement/us-slv-aca-2019", "state/MEX")
    with_signature = OxigraphStore()
    for graph in store.graphs():
        with_signature.replace_graph(graph, (ox.Triple(q.subject, q.predicate, q.object)
                                             for q in store.quads(graph)))
    with_signature.replace_graph(BATCH_GRAPH, signed)
    check = incremental.check_batch(with_signature, [ox.Triple(agreement, n(PG.hasParty), party)])
    assert rdflib.URIRef(PGID["signature/test-mex-party"]) in check.affected
    assert check.report.conforms, check.report.to_json()
    with_signature.close()


def test_tenure_end_before_the_stored_beginning_fails_through_the_rules(loaded, incremental):
    store, _ = loaded
    interval = n(str(PGID["tenure/alexandra-hill-tinoco-slv-minister-of-foreign-affairs"]) + "#interval")
    end = n(PGID["tenure/test#end"])
    batch = [ox.Triple(interval, n(TIME + "hasEnd"), end),
             ox.Triple(end, RDF_TYPE, n(TIME + "Instant")),
             ox.Triple(end, n(TIME + "inXSDDate"), date("2001-01-01"))]
    report = incremental.validate_batch(store, batch, graph=BATCH_GRAPH)
    found = violations(report)
    assert (rdflib.URIRef(interval.value), PGSH.IntervalOrderRule, rdflib.URIRef(end.value)) in found
    signer = rdflib.URIRef(PGID["person/alexandra-hill-tinoco"])
    stored_signatures = {focus for focus, shape, value in found
                         if shape == PGSH.SignatoryTenureOutsideRule and value == signer}
    assert stored_signatures, "her stored signatures now fall outside her only recorded tenure"


def test_a_removed_triple_another_graph_still_holds_stays(loaded, incremental):
    store, data = loaded
    agreement = n(PGID["agreement/us-slv-aca-2019"])
    party = next(t for t in data if t.subject == agreement and t.predicate == n(PG.hasParty))
    check = incremental.check_batch(store, [party], [party], graph=BATCH_GRAPH)
    assert check.report.conforms
    copy = OxigraphStore()
    for graph in store.graphs():
        copy.replace_graph(graph, (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph)))
    copy.replace_graph(BATCH_GRAPH, [party])
    assert incremental.validate_batch(copy, [], [party], graph=BATCH_GRAPH).conforms
    assert not incremental.validate_batch(copy, [], [party]).conforms, "removed from every graph it breaks"
    copy.close()


def test_a_change_to_the_class_hierarchy_is_validated_in_full(loaded, incremental):
    store, _ = loaded
    batch = [ox.Triple(n(PGID["class/test"]), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                       n(PG.Agreement))]
    check = incremental.check_batch(store, batch, graph=BATCH_GRAPH)
    assert check.full and "subClassOf" in check.reason


# --- randomised equivalence with a full validation ----------------------------------------------------------

class _NoCandidate(LookupError):
    """The data holds no instance of the class an edit needs."""


def _with_superclasses(cls, superclasses: dict) -> set:
    found, todo = set(), [cls]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(superclasses.get(current, ()))
    return found


class _Edits:
    """Random edits of the stored data; each returns (added, removed)."""

    KINDS = ("copy_node", "copy_blank", "copy_and_drop", "unknown_reference", "swap_party", "break_date",
             "wrong_value", "closed_extra", "add_party", "remove_random", "remove_party", "add_tenure", "retype")

    def __init__(self, rng: random.Random, data: set[ox.Triple], model: list[ox.Triple]) -> None:
        self.rng = rng
        self.out: dict = defaultdict(list)
        self.typed: dict = defaultdict(list)
        superclasses: dict = defaultdict(set)
        for t in model:
            if t.predicate == SUBCLASS_OF:
                superclasses[t.subject].add(t.object)
        for t in sorted(data, key=str):
            self.out[t.subject].append(t)
            if t.predicate == RDF_TYPE:
                for cls in _with_superclasses(t.object, superclasses):
                    self.typed[cls].append(t.subject)
        self.nodes = sorted(self.out, key=str)
        self.serial = 0

    def fresh(self, kind: str = "test") -> ox.NamedNode:
        self.serial += 1
        return n(PGID[f"{kind}/random-{self.serial}"])

    def pick(self, cls) -> ox.NamedNode:
        candidates = self.typed[n(cls)]
        if not candidates:
            raise _NoCandidate(cls)
        return self.rng.choice(candidates)

    def copy(self, node=None, new=None) -> list[ox.Triple]:
        node = node or self.rng.choice(self.nodes)
        new = new or self.fresh()
        return [ox.Triple(new, t.predicate, t.object) for t in self.out[node]]

    def copy_node(self):
        return self.copy(), []

    def copy_blank(self):
        return self.copy(self.pick(self.rng.choice([PG.Signature, PG.Agreement, PG.Event])),
                         ox.BlankNode()), []

    def copy_and_drop(self):
        triples = self.copy()
        triples.remove(self.rng.choice(triples))
        return triples, []

    def unknown_reference(self):
        triples = self.copy()
        refs = [t for t in triples if isinstance(t.object, ox.NamedNode)]
        if refs:
            t = self.rng.choice(refs)
            triples[triples.index(t)] = ox.Triple(t.subject, t.predicate, self.fresh("unknown"))
        return triples, []

    def swap_party(self):
        sig = self.pick(PG.Signature)
        old = [t for t in self.out[sig] if t.predicate == n(PG.onBehalfOf)]
        party = self.pick(PG.SovereignState)
        return [ox.Triple(sig, n(PG.onBehalfOf), party)], old

    def break_date(self):
        rng = self.rng
        choice = rng.randrange(4)
        if choice == 0:
            interval = self.pick(TIME + "Interval")
            end = self.fresh("instant")
            return [ox.Triple(interval, n(TIME + "hasEnd"), end), ox.Triple(end, RDF_TYPE, n(TIME + "Instant")),
                    ox.Triple(end, n(TIME + "inXSDDate"), date(f"{rng.randint(1990, 2025)}-01-01"))], []
        if choice == 1:
            node = self.pick(PG.FrameworkParticipation)
            old = [t for t in self.out[node] if t.predicate in (n(PG.startDate), n(PG.endDate))]
            return [ox.Triple(node, n(PG.startDate), date("2020-05-05")),
                    ox.Triple(node, n(PG.endDate), date(f"{rng.choice([2019, 2021])}-01-01"))], old
        if choice == 2:
            node = self.pick(PG.Agreement)
            old = [t for t in self.out[node] if t.predicate == n(PG.entryIntoForceDate)]
            return [ox.Triple(node, n(PG.entryIntoForceDate), date(f"{rng.randint(2015, 2022)}-06-01"))], old
        instant = self.pick(TIME + "Instant")
        old = [t for t in self.out[instant] if str(t.predicate.value).startswith(TIME + "inXSD")]
        return [ox.Triple(instant, n(TIME + "inXSDDate"), date(f"{rng.randint(2010, 2024)}-03-03"))], old

    def wrong_value(self):
        node = self.rng.choice(self.nodes)
        predicate, value = self.rng.choice([
            (PG.signingDate, ox.Literal("26 July 2019")), (PG.hasParty, ox.Literal("USA")),
            (SKOS.prefLabel, ox.Literal("no language")), (PROV + "wasDerivedFrom", self.pick(PG.Agreement)),
            (RDF_TYPE.value, n(TIME + "Instant")), (RDF_TYPE.value, n(PG.Signature)),
            (DCTERMS.subject, n(PGID["state/USA"])), (PG.onBehalfOf, self.pick(PG.Agreement))])
        return [ox.Triple(node, n(predicate), value)], []

    def closed_extra(self):
        node = self.pick(self.rng.choice([PG.Signature, TIME + "Instant", PG.SourceDocument]))
        return [ox.Triple(node, n(PG.notAProperty), ox.Literal("x"))], []

    def add_party(self):
        return [ox.Triple(self.pick(PG.Agreement), n(PG.hasParty), self.pick(PG.SovereignState))], []

    def remove_random(self):
        node = self.rng.choice(self.nodes)
        return [], [self.rng.choice(self.out[node])]

    def remove_party(self):
        sig = self.pick(PG.Signature)
        values = {t.predicate: t.object for t in self.out[sig]}
        agreement, party = values.get(n(PG.ofAgreement)), values.get(n(PG.onBehalfOf))
        return [], [t for t in self.out.get(agreement, ()) if t.predicate == n(PG.hasParty) and t.object == party]

    def add_tenure(self):
        tenure = self.pick(PG.PostTenure)
        new, interval, begin = self.fresh("tenure"), self.fresh("interval"), self.fresh("instant")
        triples = [ox.Triple(new, t.predicate, interval if t.predicate == n(ORG.memberDuring) else t.object)
                   for t in self.out[tenure]]
        year = self.rng.randint(2015, 2021)
        return triples + [ox.Triple(interval, RDF_TYPE, n(TIME + "Interval")),
                          ox.Triple(interval, n(TIME + "hasBeginning"), begin),
                          ox.Triple(begin, RDF_TYPE, n(TIME + "Instant")),
                          ox.Triple(begin, n(TIME + "inXSDgYear"),
                                    ox.Literal(str(year), datatype=ox.NamedNode(XSD + "gYear")))], []

    def retype(self):
        node = self.rng.choice(self.nodes)
        types = [t for t in self.out[node] if t.predicate == RDF_TYPE]
        if types and self.rng.random() < 0.5:
            return [], [self.rng.choice(types)]
        return [ox.Triple(node, RDF_TYPE, n(self.rng.choice([PG.Agreement, TIME + "Interval", PG.GovernmentBody])))], []

    def batch(self) -> tuple[list[ox.Triple], list[ox.Triple], list[str]]:
        added, removed, names = [], [], []
        for _ in range(self.rng.randint(1, 4)):
            name = self.rng.choice(self.KINDS)
            try:
                more, fewer = getattr(self, name)()
            except _NoCandidate:
                continue  # the data has no node of a class this edit needs
            added += more
            removed += fewer
            names.append(name)
        return added, removed, names


def _check_batches(store, data, before, batches, incremental, full) -> None:
    """Each batch's incremental results equal the full results about the affected nodes; nothing else moves."""
    before_keys = result_keys(before)
    for where, (added, removed) in batches:
        check = incremental.check_batch(store, added, removed)
        assert not check.full, f"{where}: fell back to a full validation ({check.reason})"
        after = full.validate((data - set(removed)) | set(added))
        after_keys, got = result_keys(after), result_keys(check.report)
        affected = check.affected
        assert got == {k for k in after_keys if k[0] in affected}, where
        assert {k for k in after_keys if k[0] not in affected} == \
            {k for k in before_keys if k[0] not in affected}, f"{where}: a node left out changed"
        assert after.conforms == (check.report.conforms and before.conforms), where


def _random_batches(seed: int, count: int, data: set[ox.Triple], model: list[ox.Triple]):
    edits = _Edits(random.Random(seed), data, model)
    for index in range(count):
        added, removed, names = edits.batch()
        yield f"seed {seed}, batch {index}: {names}", (added, removed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_incremental_verdict_equals_full_validation_on_random_batches(seed, loaded, before, incremental, full):
    store, data = loaded
    _check_batches(store, data, before, _random_batches(seed, BATCHES_PER_SEED, data, incremental.bundle.model), incremental, full)


@pytest.fixture(scope="module")
def synthetic_world():
    """A synthetic store of about 1,000 triples (model graphs too) and the activities generated after it."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import synthetic

    activities = [list(ox.parse("".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES))
                  for lines in synthetic.Generator(2_500, SYNTHETIC_SEED).run()]
    stored, later = [], []
    for triples in activities:
        (stored if sum(len(a) for a in stored) < 1_000 else later).append([q.triple for q in triples])
    data = {t for triples in stored for t in triples}
    store = OxigraphStore()
    for graph, triples in plan_load(default_items()).graphs.items():
        if is_model_graph(graph):
            store.replace_graph(graph, triples)
    store.replace_graph(str(PGG["data/synthetic"]), data)
    yield store, data, later
    store.close()


@pytest.mark.slow
def test_incremental_verdict_equals_full_validation_on_synthetic_batches(synthetic_world, incremental, full):
    store, data, later = synthetic_world
    before = full.validate(data)
    edits = _Edits(random.Random(SYNTHETIC_SEED), data, incremental.bundle.model)

    def batches():
        for index in range(SYNTHETIC_BATCHES):
            added = [t for activity in later[2 * index:2 * index + 2] for t in activity]
            removed, names = [], ["next two activities"]
            for _ in range(index % 3):
                more, fewer, kinds = edits.batch()
                added, removed, names = added + more, removed + fewer, names + kinds
            yield f"synthetic seed {SYNTHETIC_SEED}, batch {index}: {names}", (added, removed)

    _check_batches(store, data, before, batches(), incremental, full)


def test_rules_walk_backwards_only_where_no_other_way_exists(bundle):
    walked_back = set()
    for rule in bundle.rules:
        for _, _, path in compile_rule(Automaton(), rule_patterns(rule.query)):
            if path[0] == "inv":
                walked_back.add(path[1][1].value if path[1][0] == "p" else repr(path[1]))
    assert walked_back == {str(ORG.member), str(PG.ofAgreement)}, \
        "no rule walks from a party or an agreement's party back to every signature"


@pytest.mark.filterwarnings("ignore::pyshacl.errors.ShapeRecursionWarning")  # the full validation backs out
def test_shapes_that_cannot_be_bounded_make_every_batch_a_full_validation(bundle, loaded):
    shapes = rdflib.Graph()
    shapes += bundle.shapes
    recursive = PGSH["TestRecursiveShape"]
    shapes.add((recursive, RDF.type, SH.NodeShape))
    shapes.add((recursive, SH.targetClass, PG.Agreement))
    shapes.add((recursive, SH.node, recursive))
    validator = IncrementalValidator(ShapesBundle(shapes, bundle.model))
    assert validator.unsupported and "recursive" in validator.unsupported
    store, _ = loaded
    check = validator.check_batch(store, signature("test-full", "agreement/us-slv-aca-2019", "state/USA"))
    assert check.full
