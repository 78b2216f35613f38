"""Validated writes with provenance: ingest, replace, append, delete and revert batches.

Every write goes the same way, one at a time (a lock serialises writers; readers never wait):

1. resolve the target graph and check the curator may write it (model and metadata graphs are closed to
   everyone; a graph last written by another curator's batch, or loaded from files, needs an admin);
2. compute the graph's new content and the change against its current content;
3. validate the change with the incremental validator: the store after the write must have no Violation
   on any focus node the change can affect (`ValidationFailed` otherwise; nothing is written);
4. write the new content and the batch's PROV record in ONE store change (`GraphChange`): both land, or
   neither does, also if the process is killed half-way.

A revert restores the graph's content from before the batch (kept in the batch's record), is validated
the same way, and is recorded too. Only the newest live batch of a graph can be reverted: a later batch
built on its content.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timezone

import pyoxigraph as ox

from partnergraph.errors import (
    BatchConflict,
    BatchNotFound,
    GraphNotFound,
    InvalidBatch,
    PermissionDenied,
    ValidationFailed,
)
from partnergraph.namespaces import PG, PGG, RDF, STAGING_PREFIX
from partnergraph.rdf.iris import absolute_iri
from partnergraph.services.curation.batch_records import (
    BATCH_GRAPH_PREFIX,
    BATCH_PREFIX,
    CURATOR_PREFIX,
    METADATA_GRAPH,
    BatchRecord,
    RevertRecord,
    batch_graph,
    batch_triples,
    is_batch_id,
    new_batch_id,
    ntriples_text,
    previous_content,
    read_records,
    revert_triples,
    reverted_content,
)
from partnergraph.services.tokens import Principal
from partnergraph.services.validation.incremental import BatchCheck, IncrementalValidator
from partnergraph.services.validation.validator import is_model_graph
from partnergraph.services.validation.report import ValidationReport
from partnergraph.store.contract import AskResult, GraphStore
from partnergraph.store.graph_change import GraphChange

log = logging.getLogger(__name__)

MODES = ("replace", "append", "delete")
DATA_GRAPH_PREFIX = str(PGG["data/"])
_SOURCE_DOCUMENT = ox.NamedNode(str(PG.SourceDocument))
_RDF_TYPE = ox.NamedNode(str(RDF.type))
_IS_SOURCE_DOCUMENT = f"ASK {{ ?source <{RDF.type}> <{PG.SourceDocument}> }}"


@dataclass
class WriteRequest:
    """What a curator asks for: triples for a graph, the sources they come from, and how to combine them.

    `mode` "replace" makes the triples the graph's content (a new graph when `graph` is None), "append"
    adds them to what the graph holds, "delete" empties the graph.
    """

    triples: list[ox.Triple]
    sources: list[str] = field(default_factory=list)
    comment: str | None = None
    graph: str | None = None
    mode: str = "replace"


@dataclass
class WriteOutcome:
    """The result of a write or a dry run: the record (None for a dry run), the report and notes."""

    record: BatchRecord | None
    graph: str
    operation: str
    triple_count: int
    added: int
    removed: int
    report: ValidationReport
    check: BatchCheck
    notes: list[str]

    def to_json(self) -> dict:
        """JSON-ready data: the batch, the change, the validation summary and its non-Violation results."""
        report = self.report.to_json()
        return {
            "batch": self.record.to_json() if self.record else None,
            "graph": self.graph, "operation": self.operation, "triple_count": self.triple_count,
            "added": self.added, "removed": self.removed,
            "validation": {**report, "affected_nodes": len(self.check.affected),
                           "full_validation": self.check.full, "ms": round(sum(self.check.timings.values()) * 1000, 1)},
            "notes": self.notes,
        }


@dataclass
class _Plan:
    graph: str
    operation: str
    new: list[ox.Triple]
    previous: list[ox.Triple]
    current: BatchRecord | None

    @cached_property
    def added(self) -> list[ox.Triple]:
        old = set(self.previous)
        return [t for t in dict.fromkeys(self.new) if t not in old]

    @cached_property
    def removed(self) -> list[ox.Triple]:
        new = set(self.new)
        return [t for t in dict.fromkeys(self.previous) if t not in new]


def check_iri(text: str, what: str) -> str:
    """`text` if it is an absolute IRI, else InvalidBatch naming `what`."""
    return absolute_iri(text, what, InvalidBatch).value


_RECORD_TERMS = frozenset(str(term) for term in (
    PG.Batch, PG.BatchRevert, PG.batchId, PG.targetGraph, PG.writeOperation, PG.tripleCount, PG.addedTripleCount,
    PG.removedTripleCount, PG.replacesBatch, PG.previousContent, PG.reverts))


def _check_no_records(triples: Iterable[ox.Triple]) -> None:
    """Refuse triples that would pass for batch records: only partnergraph writes those."""
    for t in triples:
        terms = (t.subject, t.predicate, t.object)
        if any(isinstance(n, ox.NamedNode) and (n.value in _RECORD_TERMS or n.value.startswith(
                (BATCH_PREFIX, CURATOR_PREFIX))) for n in terms):
            raise InvalidBatch(f"the triple {t.subject} {t.predicate} {t.object} . describes a batch record or a "
                               "curator: partnergraph writes those itself, in the metadata graph, and a batch "
                               "may not contain them")


def parse_time(text: str | None, name: str) -> datetime | None:
    """An ISO 8601 date or date-time filter value (UTC when it has no offset); InvalidBatch naming `name`."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidBatch(f"{name}: {text!r} is not an ISO 8601 date or date-time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class CurationService:
    """Validated, recorded, revertible writes to a store."""

    def __init__(self, store: GraphStore, validator: IncrementalValidator, *,
                 after_write: Callable[[], None] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.validator = validator
        self.after_write = after_write or (lambda: None)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()

    # --- writes ----------------------------------------------------------------------------------------

    def validate(self, request: WriteRequest, curator: Principal | None = None) -> WriteOutcome:
        """The same checks as `write`, without writing; permissions are checked only when `curator` is given.

        A dry run does not take the writers' lock: it reads the store as it is while it runs (each write
        lands whole, so it sees any write entirely or not at all) and never holds up a curator's write.
        """
        return self._prepare(request, curator, new_batch_id(self.clock()), dry_run=True)[0]

    def write(self, request: WriteRequest, curator: Principal) -> WriteOutcome:
        """Validate and write a batch with its record; raises ValidationFailed and writes nothing if invalid."""
        with self._lock:
            started = self.clock()
            batch_id = new_batch_id(started)
            outcome, plan = self._prepare(request, curator, batch_id, dry_run=False)
            if not outcome.report.conforms:
                raise ValidationFailed(
                    f"{outcome.report.count('Violation')} violation(s): nothing was written", report=outcome.report)
            record = BatchRecord(
                id=batch_id, graph=plan.graph, operation=plan.operation, curator=curator.name,
                curator_id=curator.agent_id, started=started,
                ended=self.clock(), sources=sorted(set(request.sources)), comment=request.comment or None,
                triple_count=len(set(plan.new)), added=outcome.added, removed=outcome.removed,
                replaces=plan.current.id if plan.current else None)
            change = GraphChange()
            change.set_graph(plan.graph, plan.new)
            change.add(METADATA_GRAPH, batch_triples(record, ntriples_text(plan.previous) if plan.previous else None))
            self.store.apply(change)
            self.after_write()
            outcome.record = record
            log.info("batch %s by %s: %s %s, +%d -%d triples", batch_id, curator.name, plan.operation,
                     plan.graph, outcome.added, outcome.removed)
            return outcome

    def _prepare(self, request: WriteRequest, curator: Principal | None, batch_id: str,
                 dry_run: bool) -> tuple[WriteOutcome, _Plan]:
        if request.mode not in MODES:
            raise InvalidBatch(f"unknown write mode {request.mode!r}; one of {', '.join(MODES)}")
        sources = [check_iri(s, "source") for s in request.sources]
        if not sources and request.mode != "delete":
            raise InvalidBatch("name the source document(s) the triples come from: source=<IRI> over HTTP, "
                               "--source IRI on the command line (repeat it for several sources)")
        _check_no_records(request.triples)
        plan = self._plan(request, curator, batch_id)
        if not dry_run and request.mode == "replace" and request.graph is None and not plan.new:
            raise InvalidBatch("the batch holds no triples")
        started = time.perf_counter()
        check = self.validator.check_batch(self.store, plan.added, plan.removed, graph=plan.graph)
        log.debug("validated batch for %s in %.0f ms", plan.graph, (time.perf_counter() - started) * 1000)
        outcome = WriteOutcome(None, plan.graph, plan.operation, len(set(plan.new)), len(plan.added),
                               len(plan.removed), check.report, check, self._source_notes(sources, plan.new))
        return outcome, plan

    def _plan(self, request: WriteRequest, curator: Principal | None, batch_id: str) -> _Plan:
        graph = batch_graph(batch_id) if request.graph is None else self._check_graph(request.graph, curator)
        previous = [q.triple for q in self.store.quads(graph)] if request.graph is not None else []
        current = self._current_batch(graph) if request.graph is not None else None
        if curator is not None and (previous or current):
            self._check_may_change(graph, current, curator)
        if request.mode == "delete":
            if not previous and request.graph is not None and not self.store.has_graph(graph):
                raise GraphNotFound(f"there is no graph <{graph}>")
            return _Plan(graph, "delete", [], previous, current)
        if request.mode == "append":
            held = set(previous)
            new = previous + [t for t in dict.fromkeys(request.triples) if t not in held]
            return _Plan(graph, "append" if previous else "create", new, previous, current)
        new = list(dict.fromkeys(request.triples))
        return _Plan(graph, "replace" if previous else "create", new, previous, current)

    def _check_graph(self, graph: str, curator: Principal | None) -> str:
        graph = check_iri(graph, "graph")
        if graph.startswith(DATA_GRAPH_PREFIX) and curator is not None and not curator.can("admin"):
            raise PermissionDenied(f"graphs under {DATA_GRAPH_PREFIX} hold the curated data files: only an admin "
                                   "may write them; leave graph= out to get a graph of your own")
        if is_model_graph(graph):
            raise PermissionDenied(f"<{graph}> holds the ontology or a vocabulary: it changes with a release "
                                   "of partnergraph, not through the write API")
        if graph == METADATA_GRAPH or graph.startswith(STAGING_PREFIX):
            raise PermissionDenied(f"<{graph}> is kept by partnergraph itself and cannot be written")
        if graph.startswith(BATCH_GRAPH_PREFIX) and not is_batch_id(graph[len(BATCH_GRAPH_PREFIX):]):
            raise InvalidBatch(f"graph names under {BATCH_GRAPH_PREFIX} are given to batches; "
                               "leave graph= out to get one, or name another graph")
        return graph

    def _current_batch(self, graph: str) -> BatchRecord | None:
        """The newest batch of the graph that has not been reverted (None: no live batch wrote it)."""
        live = [r for r in read_records(self.store, graph=graph) if r.reverted is None]
        return live[-1] if live else None

    @staticmethod
    def _check_may_change(graph: str, current: BatchRecord | None, curator: Principal) -> None:
        if curator.can("admin"):
            return
        if current is None:
            raise PermissionDenied(f"<{graph}> was loaded from files, not written by a batch: only an admin "
                                   "may change it; send your triples to a new graph (leave graph= out)")
        if current.curator_id != curator.agent_id:
            raise PermissionDenied(f"<{graph}> was last written by batch {current.id} of curator "
                                   f"{current.curator!r}: only they or an admin may change it")

    def _source_notes(self, sources: list[str], triples: Iterable[ox.Triple]) -> list[str]:
        described = {t.subject.value for t in triples
                     if t.predicate == _RDF_TYPE and t.object == _SOURCE_DOCUMENT and isinstance(t.subject, ox.NamedNode)}
        notes = []
        for source in sources:
            if source in described:
                continue
            answer = self.store.query(_IS_SOURCE_DOCUMENT, bindings={"source": ox.NamedNode(source)})
            if not (isinstance(answer, AskResult) and answer.value):
                notes.append(f"the source <{source}> is not described as a pg:SourceDocument in the store or "
                             "the batch: add its title, URL, publisher and date so researchers can cite it")
        return notes

    # --- reverts ---------------------------------------------------------------------------------------

    def revert(self, batch_id: str, curator: Principal, comment: str | None = None) -> BatchRecord:
        """Undo a batch: its graph gets back the content it had before; the revert is recorded."""
        with self._lock:
            started = self.clock()
            record = self.get(batch_id)
            if not curator.can("admin") and record.curator_id != curator.agent_id:
                raise PermissionDenied(f"batch {batch_id} belongs to curator {record.curator!r}: only they or "
                                       "an admin may revert it")
            if record.reverted is not None:
                raise BatchConflict(f"batch {batch_id} was already reverted by {record.reverted.curator!r} "
                                    f"at {record.reverted.ended.isoformat()}")
            live_later = [r for r in read_records(self.store, graph=record.graph)
                          if r.replaces == batch_id and r.reverted is None]
            if live_later:
                raise BatchConflict(f"batch {live_later[0].id} changed the same graph after batch {batch_id}; "
                                    f"revert {live_later[0].id} first")
            restored = previous_content(self.store, batch_id) if record.has_previous_content else []
            current = [q.triple for q in self.store.quads(record.graph)]
            plan = _Plan(record.graph, "revert", restored, current, None)
            check = self.validator.check_batch(self.store, plan.added, plan.removed, graph=record.graph)
            if not check.report.conforms:
                raise ValidationFailed(
                    f"reverting batch {batch_id} would leave {check.report.count('Violation')} violation(s) "
                    "(other data depends on its triples): nothing was changed", report=check.report)
            revert = RevertRecord(curator.name, started, self.clock(), comment or None, len(set(restored)),
                                  curator.agent_id)
            change = GraphChange()
            change.set_graph(record.graph, restored)
            change.add(METADATA_GRAPH, revert_triples(batch_id, revert, ntriples_text(current) if current else None))
            self.store.apply(change)
            self.after_write()
            record.reverted = revert
            log.info("batch %s reverted by %s: %s back to %d triples", batch_id, curator.name, record.graph,
                     len(restored))
            return record

    # --- reads -----------------------------------------------------------------------------------------

    def has_graph(self, graph: str) -> bool:
        """True when the named graph exists."""
        return self.store.has_graph(check_iri(graph, "graph"))

    def graph_quads(self, graph: str) -> Iterator[ox.Quad]:
        """The quads of one named graph."""
        return self.store.quads(check_iri(graph, "graph"))

    def get(self, batch_id: str) -> BatchRecord:
        """The record of one batch."""
        if not is_batch_id(batch_id):
            raise BatchNotFound(f"{batch_id!r} is not a batch id (they look like 20261128T130501Z-3f9a1c)")
        records = read_records(self.store, batch_id=batch_id)
        if not records:
            raise BatchNotFound(f"there is no batch {batch_id}")
        return records[0]

    def batches(self, *, curator: str | None = None, source: str | None = None, graph: str | None = None,
                since: datetime | None = None, until: datetime | None = None) -> list[BatchRecord]:
        """Batch records, oldest first, filtered by curator, source, graph and time of writing."""
        records = read_records(self.store, graph=check_iri(graph, "graph") if graph else None)
        return [r for r in records
                if (curator is None or r.curator == curator)
                and (source is None or source in r.sources)
                and (since is None or r.ended >= since)
                and (until is None or r.ended <= until)]

    def content(self, record: BatchRecord) -> list[ox.Triple]:
        """The triples the batch made its graph's content (also after it was replaced or reverted)."""
        if record.reverted is not None:
            return reverted_content(self.store, record.id)
        later = [r for r in read_records(self.store, graph=record.graph) if r.replaces == record.id]
        if later:
            return previous_content(self.store, later[0].id)
        return [q.triple for q in self.store.quads(record.graph)]

