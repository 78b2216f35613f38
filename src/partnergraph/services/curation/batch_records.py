"""Provenance records of curation batches: PROV-O descriptions in the metadata graph, written and read.

A batch is one validated write to one named graph. Its record (a `pg:Batch`, a `prov:Activity`) names the
graph, the operation, the curator (a `prov:Agent` named after the token), the time, the source documents
(`prov:used`), the comment, the triple counts, the batch whose content it replaced or extended, and the
graph's previous content (as N-Triples text, so the batch can be reverted). A revert is a `pg:BatchRevert`
that `pg:reverts` the batch. docs/ontology.md describes the vocabulary; `pgsh:BatchShape` checks it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyoxigraph as ox

from partnergraph.namespaces import PG, PGG, PGID, PROV, RDF, RDFS, XSD
from partnergraph.store.contract import Dataset, GraphStore, SelectResult

METADATA_GRAPH = str(PGG["batches"])
BATCH_GRAPH_PREFIX = str(PGG["batch/"])
BATCH_PREFIX = str(PGID["batch/"])
CURATOR_PREFIX = str(PGID["curator/"])
OPERATIONS = ("create", "replace", "append", "delete")
_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}\Z")


def _n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _typed(value: str, datatype) -> ox.Literal:
    return ox.Literal(value, datatype=_n(datatype))


A = _n(RDF.type)
P_ID, P_GRAPH, P_OPERATION = _n(PG.batchId), _n(PG.targetGraph), _n(PG.writeOperation)
P_COUNT, P_ADDED, P_REMOVED = _n(PG.tripleCount), _n(PG.addedTripleCount), _n(PG.removedTripleCount)
P_REPLACES, P_PREVIOUS, P_REVERTS = _n(PG.replacesBatch), _n(PG.previousContent), _n(PG.reverts)
P_AGENT, P_USED = _n(PROV.wasAssociatedWith), _n(PROV.used)
P_STARTED, P_ENDED = _n(PROV.startedAtTime), _n(PROV.endedAtTime)
P_COMMENT, P_LABEL = _n(RDFS.comment), _n(RDFS.label)


def new_batch_id(now: datetime) -> str:
    """A sortable, unguessable batch id: UTC time to the second and 24 random bits."""
    return f"{now.astimezone(timezone.utc):%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"


def is_batch_id(text: str) -> bool:
    """True when `text` has the form of a batch id (so it can go into an IRI as it is)."""
    return bool(_ID.match(text))


def batch_iri(batch_id: str) -> str:
    """The IRI of the batch's record."""
    return BATCH_PREFIX + batch_id


def batch_graph(batch_id: str) -> str:
    """The named graph a batch gets when the curator names none."""
    return BATCH_GRAPH_PREFIX + batch_id


def curator_iri(agent_id: str) -> str:
    """The prov:Agent standing for a curator: `token/<token id>` (never reused) or `local/<name>`."""
    return CURATOR_PREFIX + agent_id


def timestamp(moment: datetime) -> ox.Literal:
    """An xsd:dateTime literal in UTC with microseconds."""
    return _typed(moment.astimezone(timezone.utc).isoformat(), XSD.dateTime)


@dataclass
class RevertRecord:
    """Who reverted a batch, when, why, and how many triples its graph held afterwards."""

    curator: str
    started: datetime
    ended: datetime
    comment: str | None
    triple_count: int
    curator_id: str = ""

    def to_json(self) -> dict:
        """The record as JSON-ready data."""
        return {"curator": self.curator, "curator_id": self.curator_id, "started": self.started.isoformat(),
                "ended": self.ended.isoformat(), "comment": self.comment, "triple_count": self.triple_count}


@dataclass
class BatchRecord:
    """One batch as its record describes it."""

    id: str
    graph: str
    operation: str
    curator: str
    started: datetime
    ended: datetime
    sources: list[str]
    comment: str | None
    triple_count: int
    added: int
    removed: int
    replaces: str | None = None
    curator_id: str = ""
    has_previous_content: bool = False
    reverted: RevertRecord | None = None
    replaced_by: list[str] = field(default_factory=list)

    @property
    def iri(self) -> str:
        """The record's IRI."""
        return batch_iri(self.id)

    def to_json(self) -> dict:
        """The record as JSON-ready data."""
        return {"id": self.id, "iri": self.iri, "graph": self.graph, "operation": self.operation,
                "curator": self.curator, "curator_id": self.curator_id, "started": self.started.isoformat(),
                "ended": self.ended.isoformat(),
                "sources": list(self.sources), "comment": self.comment, "triple_count": self.triple_count,
                "added": self.added, "removed": self.removed, "replaces": self.replaces,
                "replaced_by": list(self.replaced_by),
                "reverted": self.reverted.to_json() if self.reverted else None}


def agent_triples(agent_id: str, name: str) -> list[ox.Triple]:
    """The prov:Agent for a curator, labelled with the token's name."""
    agent = _n(curator_iri(agent_id))
    return [ox.Triple(agent, A, _n(PROV.Agent)), ox.Triple(agent, P_LABEL, ox.Literal(name))]


def batch_triples(record: BatchRecord, previous_content: str | None) -> list[ox.Triple]:
    """The record of a batch, and its curator, as triples for the metadata graph."""
    batch = _n(record.iri)
    integer = XSD.integer
    triples = [
        ox.Triple(batch, A, _n(PG.Batch)),
        ox.Triple(batch, P_ID, ox.Literal(record.id)),
        ox.Triple(batch, P_GRAPH, _n(record.graph)),
        ox.Triple(batch, P_OPERATION, ox.Literal(record.operation)),
        ox.Triple(batch, P_AGENT, _n(curator_iri(record.curator_id))),
        ox.Triple(batch, P_STARTED, timestamp(record.started)),
        ox.Triple(batch, P_ENDED, timestamp(record.ended)),
        ox.Triple(batch, P_COUNT, _typed(str(record.triple_count), integer)),
        ox.Triple(batch, P_ADDED, _typed(str(record.added), integer)),
        ox.Triple(batch, P_REMOVED, _typed(str(record.removed), integer)),
    ]
    triples += [ox.Triple(batch, P_USED, _n(source)) for source in record.sources]
    if record.comment:
        triples.append(ox.Triple(batch, P_COMMENT, ox.Literal(record.comment)))
    if record.replaces:
        triples.append(ox.Triple(batch, P_REPLACES, _n(batch_iri(record.replaces))))
    if previous_content is not None:
        triples.append(ox.Triple(batch, P_PREVIOUS, ox.Literal(previous_content)))
    return triples + agent_triples(record.curator_id, record.curator)


def revert_triples(batch_id: str, revert: RevertRecord, previous_content: str | None) -> list[ox.Triple]:
    """The record of a revert (with the graph's content before it), and its curator, as triples."""
    node = _n(batch_iri(batch_id) + "/revert")
    triples = [
        ox.Triple(node, A, _n(PG.BatchRevert)),
        ox.Triple(node, P_REVERTS, _n(batch_iri(batch_id))),
        ox.Triple(node, P_AGENT, _n(curator_iri(revert.curator_id))),
        ox.Triple(node, P_STARTED, timestamp(revert.started)),
        ox.Triple(node, P_ENDED, timestamp(revert.ended)),
        ox.Triple(node, P_COUNT, _typed(str(revert.triple_count), XSD.integer)),
    ]
    if revert.comment:
        triples.append(ox.Triple(node, P_COMMENT, ox.Literal(revert.comment)))
    if previous_content is not None:
        triples.append(ox.Triple(node, P_PREVIOUS, ox.Literal(previous_content)))
    return triples + agent_triples(revert.curator_id, revert.curator)


def ntriples_text(triples: Iterable[ox.Triple]) -> str:
    """Triples as N-Triples text (how a graph's previous content is kept in a record)."""
    return "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)


def parse_ntriples_text(text: str) -> list[ox.Triple]:
    """The triples of a record's previous content."""
    return [q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]


# --- reading records ---------------------------------------------------------------------------------------

_RECORDS = f"""
PREFIX pg: <{PG}>
PREFIX prov: <{PROV}>
PREFIX rdfs: <{RDFS}>
SELECT ?batch ?id ?graph ?operation ?agent ?curator ?started ?ended ?comment ?count ?added ?removed ?replaces
       ?hasPrevious ?revertCurator ?revertStarted ?revertEnded ?revertComment ?revertCount
WHERE {{
  ?batch a pg:Batch ; pg:batchId ?id ; pg:targetGraph ?graph ; pg:writeOperation ?operation ;
         prov:wasAssociatedWith ?agent ; prov:startedAtTime ?started ; prov:endedAtTime ?ended ;
         pg:tripleCount ?count ; pg:addedTripleCount ?added ; pg:removedTripleCount ?removed .
  ?agent rdfs:label ?curator .
  OPTIONAL {{ ?batch rdfs:comment ?comment }}
  OPTIONAL {{ ?batch pg:replacesBatch/pg:batchId ?replaces }}
  BIND(EXISTS {{ ?batch pg:previousContent ?content }} AS ?hasPrevious)
  OPTIONAL {{
    ?revert pg:reverts ?batch ; prov:wasAssociatedWith/rdfs:label ?revertCurator ;
            prov:startedAtTime ?revertStarted ; prov:endedAtTime ?revertEnded ; pg:tripleCount ?revertCount .
    OPTIONAL {{ ?revert rdfs:comment ?revertComment }}
  }}
}}
"""
_SOURCES = f"PREFIX pg: <{PG}>\nPREFIX prov: <{PROV}>\n" \
    "SELECT ?id ?source WHERE { ?batch a pg:Batch ; pg:batchId ?id ; prov:used ?source }"
_REPLACED_BY = f"PREFIX pg: <{PG}>\n" \
    "SELECT ?id ?by WHERE { ?later pg:batchId ?by ; pg:replacesBatch/pg:batchId ?id }"
_PREVIOUS = f"PREFIX pg: <{PG}>\nSELECT ?id ?content WHERE {{ ?batch pg:batchId ?id ; pg:previousContent ?content }}"
_REVERTED = f"PREFIX pg: <{PG}>\n" \
    "SELECT ?id ?content WHERE { ?revert pg:reverts/pg:batchId ?id ; pg:previousContent ?content }"
_METADATA = Dataset(default_graphs=[METADATA_GRAPH])


def _when(term) -> datetime:
    return datetime.fromisoformat(term.value)


def _rows(store: GraphStore, query: str, **bindings) -> Iterator[dict]:
    result = store.query(query, bindings=bindings or None, dataset=_METADATA)
    assert isinstance(result, SelectResult)
    yield from result.rows


def read_records(store: GraphStore, batch_id: str | None = None, graph: str | None = None) -> list[BatchRecord]:
    """Every batch record (or the one with `batch_id`, or those of one graph), oldest first."""
    bindings: dict = {"id": ox.Literal(batch_id)} if batch_id is not None else {}
    if graph is not None:
        bindings["graph"] = ox.NamedNode(graph)
    sources: dict[str, list[str]] = {}
    for row in _rows(store, _SOURCES, **{k: v for k, v in bindings.items() if k == "id"}):
        sources.setdefault(row["id"].value, []).append(row["source"].value)
    records: dict[str, BatchRecord] = {}
    for row in _rows(store, _RECORDS, **bindings):
        key = row["id"].value
        if key in records:
            continue  # a malformed store with two records for one id: the first one counts
        reverted = None
        if "revertCurator" in row:
            reverted = RevertRecord(row["revertCurator"].value, _when(row["revertStarted"]),
                                    _when(row["revertEnded"]),
                                    row["revertComment"].value if "revertComment" in row else None,
                                    int(row["revertCount"].value))
        records[key] = BatchRecord(
            id=key, graph=row["graph"].value, operation=row["operation"].value, curator=row["curator"].value,
            started=_when(row["started"]), ended=_when(row["ended"]), sources=sorted(sources.get(key, [])),
            comment=row["comment"].value if "comment" in row else None, triple_count=int(row["count"].value),
            added=int(row["added"].value), removed=int(row["removed"].value),
            replaces=row["replaces"].value if "replaces" in row else None,
            curator_id=row["agent"].value.removeprefix(CURATOR_PREFIX),
            has_previous_content=row["hasPrevious"].value == "true", reverted=reverted)
    ordered = sorted(records.values(), key=lambda r: (r.ended, r.id))
    for row in _rows(store, _REPLACED_BY, **{k: v for k, v in bindings.items() if k == "id"}):
        if row["id"].value in records:
            records[row["id"].value].replaced_by.append(row["by"].value)
    return ordered


def previous_content(store: GraphStore, batch_id: str) -> list[ox.Triple]:
    """The content the batch's graph had before the batch (empty when it had none)."""
    for row in _rows(store, _PREVIOUS, id=ox.Literal(batch_id)):
        return parse_ntriples_text(row["content"].value)
    return []


def reverted_content(store: GraphStore, batch_id: str) -> list[ox.Triple]:
    """The content the batch's graph had when the batch was reverted (empty when it had none)."""
    for row in _rows(store, _REVERTED, id=ox.Literal(batch_id)):
        return parse_ntriples_text(row["content"].value)
    return []
