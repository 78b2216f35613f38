"""The curation service on a real in-memory store with the bundled data: records, reverts, concurrency."""

from __future__ import annotations

import threading

import pyoxigraph as ox
import pytest

from partnergraph.errors import BatchConflict, PermissionDenied, ValidationFailed
from partnergraph.services.curation.batch_records import METADATA_GRAPH
from partnergraph.services.curation.writes import CurationService, WriteRequest
from partnergraph.services.validation.incremental import IncrementalValidator
from partnergraph.services.loading import default_items, plan_load
from partnergraph.services.tokens import Principal
from partnergraph.services.validation.validator import ShapesBundle, ValidationService, Validator
from partnergraph.store.oxigraph.store import OxigraphStore
from partnergraph.rdf.parsing import parse_rdf
from tests.curation_samples import PREFIXES, SOURCE

ALICE, BOB, ADMIN = Principal("alice", "curator"), Principal("bob", "curator"), Principal("root", "admin")


def person(slug: str) -> list[ox.Triple]:
    text = PREFIXES + f"""pgid:person\\/{slug} a foaf:Person ; foaf:name "{slug}" ; skos:prefLabel "{slug}"@en ;
        prov:wasDerivedFrom pgid:source\\/dhs-2019-09-20-joint-statement-el-salvador ."""
    return parse_rdf(text.encode(), "turtle")


def signature_by(slug: str) -> list[ox.Triple]:
    text = PREFIXES + f"""pgid:signature\\/by-{slug} a pg:Signature ; pg:ofAgreement pgid:agreement\\/us-slv-aca-2019 ;
        pg:signatory pgid:person\\/{slug} ; pg:onBehalfOf pgid:state\\/SLV ; pg:signingDate "2019-09-20"^^xsd:date ;
        prov:wasDerivedFrom pgid:source\\/dhs-2019-09-20-joint-statement-el-salvador ."""
    return parse_rdf(text.encode(), "turtle")


@pytest.fixture(scope="module")
def bundle():
    return ShapesBundle.from_resources()


@pytest.fixture
def service(bundle):
    store = OxigraphStore()
    for graph, triples in plan_load(default_items()).graphs.items():
        store.replace_graph(graph, triples)
    yield CurationService(store, IncrementalValidator(bundle))
    store.close()


def full_report(service, bundle):
    return ValidationService(service.store, Validator(bundle)).validate_change({})


def test_records_of_writes_and_reverts_conform_to_the_batch_shapes(service, bundle):
    first = service.write(WriteRequest(person("rec-a"), [SOURCE], "first", "https://example.org/g/people"), ALICE)
    second = service.write(WriteRequest(person("rec-b"), [SOURCE], None, "https://example.org/g/people",
                                        "append"), ALICE)
    service.revert(second.record.id, ALICE, "not needed")
    report = full_report(service, bundle)
    assert report.conforms, [(r.focus_node, r.message) for r in report.results if r.severity == "Violation"]
    shapes = {str(r.source_shape) for r in report.results}
    assert not any("Batch" in shape for shape in shapes), shapes
    record = service.get(second.record.id)
    assert record.replaces == first.record.id and record.reverted.comment == "not needed"
    assert set(service.content(record)) == set(person("rec-a") + person("rec-b"))
    assert set(q.triple for q in service.store.quads("https://example.org/g/people")) == set(person("rec-a"))
    assert service.get(first.record.id).replaced_by == [second.record.id]


def test_a_revert_that_would_strand_other_data_is_refused(service):
    people = service.write(WriteRequest(person("stranded"), [SOURCE]), ALICE)
    service.write(WriteRequest(signature_by("stranded"), [SOURCE]), BOB)
    before = sorted(map(str, service.store.quads()))
    with pytest.raises(ValidationFailed) as failure:
        service.revert(people.record.id, ALICE)
    assert any(r.severity == "Violation" for r in failure.value.report.results)
    assert sorted(map(str, service.store.quads())) == before


def test_curators_change_only_their_own_graphs_and_admins_any(service):
    graph = "https://example.org/g/owned"
    service.write(WriteRequest(person("owned-a"), [SOURCE], None, graph), ALICE)
    with pytest.raises(PermissionDenied):
        service.write(WriteRequest(person("owned-b"), [SOURCE], None, graph, "append"), BOB)
    with pytest.raises(PermissionDenied):
        service.write(WriteRequest(person("owned-c"), [SOURCE], None,
                                   "https://w3id.org/partnergraph/graph/data/people", "append"), ALICE)
    replaced = service.write(WriteRequest(person("owned-d"), [SOURCE], None, graph), ADMIN)
    assert replaced.record.operation == "replace" and replaced.removed == 4 and replaced.added == 4


def test_only_the_newest_live_batch_of_a_graph_can_be_reverted(service):
    graph = "https://example.org/g/chain"
    first = service.write(WriteRequest(person("chain-a"), [SOURCE], None, graph), ALICE)
    second = service.write(WriteRequest(person("chain-b"), [SOURCE], None, graph), ALICE)
    with pytest.raises(BatchConflict):
        service.revert(first.record.id, ALICE)
    service.revert(second.record.id, ALICE)
    service.revert(first.record.id, ALICE)
    assert graph not in service.store.graphs()


def test_concurrent_writes_are_serialised_and_all_recorded(service):
    errors = []

    def write(index: int) -> None:
        try:
            service.write(WriteRequest(person(f"concurrent-{index}"), [SOURCE]), ALICE)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    records = service.batches(curator="alice")
    assert len(records) == 6 and len({r.graph for r in records}) == 6
    for record in records:
        assert service.store.graphs()[record.graph] == record.triple_count == 4
    assert METADATA_GRAPH in service.store.graphs()


def test_a_source_the_store_does_not_describe_gets_a_note(service):
    outcome = service.validate(WriteRequest(person("noted"), ["https://example.org/an-undescribed-source"]))
    assert outcome.report.conforms
    assert outcome.notes and "pg:SourceDocument" in outcome.notes[0]
    assert service.validate(WriteRequest(person("noted"), [SOURCE])).notes == []


# --- the same path on the remote backend (a real `oxigraph serve`) -------------------------------------------

@pytest.fixture(scope="module")
def remote_service(bundle, tmp_path_factory):
    from partnergraph.settings import Settings
    from partnergraph.store.remote import RemoteStore
    from tests.store.conftest import oxigraph_server

    with oxigraph_server(tmp_path_factory.mktemp("curation-remote")) as url:
        store = RemoteStore.from_settings(Settings(store=url))
        for graph, triples in plan_load(default_items()).graphs.items():
            store.replace_graph(graph, triples)
        yield CurationService(store, IncrementalValidator(bundle))
        store.close()


def test_writes_validation_and_reverts_work_on_a_remote_store(remote_service, bundle):
    service = remote_service
    outcome = service.write(WriteRequest(person("remote-a"), [SOURCE], "remote"), ALICE)
    assert service.store.graphs()[outcome.graph] == 4
    assert not outcome.check.full
    with pytest.raises(ValidationFailed):
        service.write(WriteRequest(signature_by("nobody-known"), [SOURCE]), ALICE)
    assert [r.id for r in service.batches()] == [outcome.record.id]
    service.revert(outcome.record.id, ALICE)
    assert outcome.graph not in service.store.graphs()
    assert full_report(service, bundle).conforms


def test_a_batch_cannot_forge_batch_records(service):
    from partnergraph.errors import InvalidBatch

    forged = parse_rdf(b"""<https://w3id.org/partnergraph/id/batch/20200101T000000Z-abcdef>
        a <https://w3id.org/partnergraph/ontology#Batch> .""", "turtle")
    with pytest.raises(InvalidBatch):
        service.write(WriteRequest(person("forger") + forged, [SOURCE]), ALICE)
    claimed = parse_rdf(b"""<https://w3id.org/partnergraph/id/person/x>
        <https://w3id.org/partnergraph/ontology#reverts> <https://example.org/y> .""", "turtle")
    with pytest.raises(InvalidBatch):
        service.validate(WriteRequest(claimed, [SOURCE]))
    assert service.batches() == []
