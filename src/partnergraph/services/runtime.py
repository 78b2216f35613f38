"""Wiring: the store, the query executor and the services, built once from settings and closed together."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from partnergraph.services.canned_queries import CannedQueryService
from partnergraph.services.catalogue import Catalogue
from partnergraph.services.curation import CurationService
from partnergraph.services.incremental_validation import IncrementalValidator
from partnergraph.services.loading import Loader, default_items, plan_load
from partnergraph.services.service_description import service_description_builder
from partnergraph.services.service_policy import ServicePolicy
from partnergraph.services.sparql_endpoint import SparqlEndpoint
from partnergraph.services.store_state import StoreState
from partnergraph.services.tokens import TokenRegistry
from partnergraph.services.validation import ShapesBundle, ValidationService, Validator
from partnergraph.settings import Settings
from partnergraph.store import open_store
from partnergraph.store.base import GraphStore
from partnergraph.store.direct_executor import DirectExecutor
from partnergraph.store.oxigraph import OxigraphStore
from partnergraph.store.query_pool import QueryPool

log = logging.getLogger(__name__)

DEFAULT_PAGE = 100
MAX_PAGE = 10_000


@dataclass
class Runtime:
    """Everything a running service holds: store, executor, services."""

    settings: Settings
    store: GraphStore
    executor: Any
    endpoint: SparqlEndpoint
    canned_queries: CannedQueryService
    store_state: StoreState | None
    service_description: Any
    curation: CurationService
    tokens: TokenRegistry | None
    closers: list = field(default_factory=list)

    @classmethod
    def open(cls, settings: Settings, catalogue: Catalogue) -> Runtime:
        """Open the store (loading the bundled data into an empty one) and build the services."""
        store = open_store(settings)
        closers = [store.close]
        try:
            bundle = ShapesBundle.from_resources()
            if settings.load_if_empty and store.is_empty():
                validation = ValidationService(store, Validator(bundle))
                outcome = Loader(store, validation).load(plan_load(default_items()))
                log.info("loaded the bundled ontology and data: %d graphs, %d triples",
                         len(outcome.graphs), sum(outcome.graphs.values()))
            policy = ServicePolicy(settings.service_allowlist)
            federation = None
            if isinstance(store, OxigraphStore):
                executor = QueryPool(store.pyoxigraph_store, store_path=store.path,
                                     size=settings.query_workers, timeout=settings.query_timeout,
                                     network=not settings.query_sandbox)
                closers.insert(0, executor.close)
                if policy.federates:
                    federation = QueryPool(store.pyoxigraph_store, store_path=store.path,
                                           size=settings.federation_workers, timeout=settings.query_timeout,
                                           network=True)
                    closers.insert(0, federation.close)
                state = StoreState()
            else:
                executor = DirectExecutor(store, timeout=settings.query_timeout)
                federation = executor if policy.federates else None
                closers.insert(0, executor.close)
                state = None  # the remote store can change without us knowing: no validators
            endpoint = SparqlEndpoint(executor, policy, timeout=settings.query_timeout,
                                      max_query_length=settings.max_query_length,
                                      federation_executor=federation)
            canned = CannedQueryService(catalogue, executor, timeout=settings.query_timeout,
                                        default_limit=DEFAULT_PAGE, max_limit=MAX_PAGE)
            description = service_description_builder(store, "partnergraph SPARQL endpoint",
                                                       federation=bool(settings.service_allowlist))
            curation = CurationService(store, IncrementalValidator(bundle),
                                       after_write=_after_write([executor, federation], state))
            token_file = settings.token_file_path()
            tokens = TokenRegistry(token_file) if token_file is not None else None
        except BaseException:
            for close in closers:
                close()
            raise
        return cls(settings, store, executor, endpoint, canned, state, description, curation, tokens, closers)

    def close(self) -> None:
        """Stop the executor and close the store."""
        for close in self.closers:
            try:
                close()
            except Exception:  # closing must go on; the error is logged
                log.exception("error while closing")


def _after_write(executors: list, state: StoreState | None):
    """What a write must be followed by: a new snapshot for the query workers, a new ETag generation."""

    def written() -> None:
        for executor in executors:
            if isinstance(executor, QueryPool):
                executor.publish_snapshot()
        if state is not None:
            state.written()

    return written
