"""Running SPARQL queries for people and programs, and describing what the store holds."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from partnergraph.errors import QueryEvaluationError
from partnergraph.store.contract import GraphStore, QueryResult, SelectResult

log = logging.getLogger(__name__)

_INSTANCES_PER_CLASS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?instances) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?instances) ?class
"""


@dataclass
class StoreStats:
    """Triples per named graph and instances per class."""

    graphs: dict[str, int]
    classes: list[tuple[str, int]]

    @property
    def total_triples(self) -> int:
        """Triples over all named graphs."""
        return sum(self.graphs.values())


class QueryService:
    """Runs SPARQL queries against a store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def run(self, sparql: str) -> QueryResult:
        """Run one query on the union of the store's graphs."""
        started = time.perf_counter()
        log.debug("query: %s", sparql)
        result = self.store.query(sparql)
        log.debug("query planned in %.1f ms", (time.perf_counter() - started) * 1000)
        return result

    def stats(self) -> StoreStats:
        """Triples per graph and instances per class."""
        result = self.store.query(_INSTANCES_PER_CLASS)
        if not isinstance(result, SelectResult):
            raise QueryEvaluationError("the statistics query did not return rows")
        classes = [(row["class"].value, int(row["instances"].value)) for row in result.rows]
        return StoreStats(dict(sorted(self.store.graphs().items())), classes)
