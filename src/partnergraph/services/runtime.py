"""Wiring: the store, its query executors and the services, built once from settings and closed together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from partnergraph.services.curation.writes import CurationService
from partnergraph.services.loading import Loader, default_items, plan_load
from partnergraph.services.querying.canned_queries import CannedQueryService
from partnergraph.services.querying.catalogue import Catalogue
from partnergraph.services.querying.endpoint_description import EndpointDescription
from partnergraph.services.querying.federation_policy import ServicePolicy
from partnergraph.services.querying.sparql_endpoint import SparqlEndpoint
from partnergraph.services.querying.store_version import StoreVersion
from partnergraph.services.tokens import TokenRegistry
from partnergraph.services.validation.incremental import IncrementalValidator
from partnergraph.services.validation.validator import ShapesBundle, ValidationService, Validator
from partnergraph.settings import Settings
from partnergraph.store import open_store
from partnergraph.store.contract import GraphStore, QueryExecutor

log = logging.getLogger(__name__)

DEFAULT_PAGE = 100
MAX_PAGE = 10_000


@dataclass
class Runtime:
    """Everything a running service holds: store, executors, services."""

    settings: Settings
    store: GraphStore
    executor: QueryExecutor
    endpoint: SparqlEndpoint
    canned_queries: CannedQueryService
    store_version: StoreVersion | None
    endpoint_description: EndpointDescription
    curation: CurationService
    tokens: TokenRegistry | None
    closers: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def open(cls, settings: Settings, catalogue: Catalogue) -> Runtime:
        """Open the store (loading the bundled data into an empty one) and build the services."""
        store = open_store(settings)
        closers: list[Callable[[], None]] = [store.close]
        try:
            bundle = ShapesBundle.from_resources()
            if settings.load_if_empty and store.is_empty():
                validation = ValidationService(store, Validator(bundle))
                outcome = Loader(store, validation).load(plan_load(default_items()))
                log.info("loaded the bundled ontology and data: %d graphs, %d triples",
                         len(outcome.graphs), sum(outcome.graphs.values()))
            policy = ServicePolicy(settings.service_allowlist)
            executor = store.open_executor(workers=settings.query_workers, timeout=settings.query_timeout,
                                           network=not settings.query_sandbox, max_waiting=settings.query_queue)
            closers.insert(0, executor.close)
            executors = [executor]
            federation = None
            if policy.federates:
                federation = store.open_executor(workers=settings.federation_workers,
                                                 timeout=settings.query_timeout, network=True,
                                                 max_waiting=settings.query_queue)
                closers.insert(0, federation.close)
                executors.append(federation)
            version = StoreVersion() if store.tracks_writes else None
            endpoint = SparqlEndpoint(executor, policy, timeout=settings.query_timeout,
                                      max_query_length=settings.max_query_length,
                                      federation_executor=federation)
            canned = CannedQueryService(catalogue, executor, timeout=settings.query_timeout,
                                        default_limit=DEFAULT_PAGE, max_limit=MAX_PAGE)
            description = EndpointDescription(store, "partnergraph SPARQL endpoint", federation=policy.federates)
            curation = CurationService(store, IncrementalValidator(bundle),
                                       after_write=_after_write(executors, version))
            token_file = settings.token_file_path()
            tokens = TokenRegistry(token_file) if token_file is not None else None
        except BaseException:
            for close in closers:
                close()
            raise
        return cls(settings, store, executor, endpoint, canned, version, description, curation, tokens,
                   closers)

    def close(self) -> None:
        """Stop the executors and close the store."""
        for close in self.closers:
            try:
                close()
            except Exception:  # closing must go on; the error is logged
                log.exception("error while closing")


def _after_write(executors: list[QueryExecutor], version: StoreVersion | None) -> Callable[[], None]:
    """What a write must be followed by: executors see the change, the store version moves on."""

    def written() -> None:
        for executor in executors:
            executor.store_changed()
        if version is not None:
            version.written()

    return written
