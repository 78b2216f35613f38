"""The application: `create_app(settings)` composes the API (`api/`), the pages (`web/`) and the runtime
(store, executors, services), which the lifespan opens and closes."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.concurrency import run_in_threadpool

from partnergraph import __version__
from partnergraph.api import canned, curation, sparql
from partnergraph.api.access_log import AccessLogMiddleware, QuietCutFilter
from partnergraph.api.errors import install_error_handlers
from partnergraph.api.hosts import TrustedHostMiddleware
from partnergraph.api.security_headers import SecurityHeadersMiddleware
from partnergraph.resources import bundled_resources
from partnergraph.services.querying.catalogue import Catalogue
from partnergraph.services.runtime import Runtime
from partnergraph.settings import Settings
from partnergraph.web import routes as web

log = logging.getLogger(__name__)

DESCRIPTION = """A sourced knowledge graph of regional migration partnerships: states, ministries, ministers
and their posts over time, bilateral agreements, frameworks (CRRF, MIRPS, GCR, LA Declaration) and the
source documents behind every fact.

* `/sparql`: SPARQL 1.1 Protocol endpoint (any SPARQL client).
* `/api/queries`: canned, parameterised queries as plain JSON (add `.csv` for CSV).
* `/api/ingest`, `/api/validate`, `/api/batches`, `/graphs`: validated, recorded writes (bearer token).
* `/`: the query page.

Errors always have the shape `{"ok": false, "status", "code", "message", "details"}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; the store is opened when it starts and closed when it stops."""
    settings = settings or Settings()
    catalogue = Catalogue.from_directory(bundled_resources().queries_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runtime = await run_in_threadpool(Runtime.open, settings, catalogue)
        app.state.runtime = runtime
        log.info("partnergraph %s serving store %s", __version__, settings.store)
        try:
            yield
        finally:
            await run_in_threadpool(runtime.close)

    app = FastAPI(title="partnergraph", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.catalogue = catalogue
    install_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"],
                           allow_headers=["*"],
                           expose_headers=["ETag", "Last-Modified", "Link"])
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(TrustedHostMiddleware, settings=settings)
    app.add_middleware(AccessLogMiddleware)
    app.state.anonymous_validations = threading.BoundedSemaphore(settings.anonymous_validations)
    canned.add_canned_query_routes(app, catalogue)
    app.include_router(canned.router)
    app.include_router(sparql.router)
    app.include_router(curation.router)
    app.include_router(web.router)
    _quiet_cut_responses()
    return app


def _quiet_cut_responses() -> None:
    """uvicorn logs an error for a response closed unfinished; for the ones this app cut on purpose it has
    already logged its own line (see api.access_log)."""
    uvicorn_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, QuietCutFilter) for f in uvicorn_errors.filters):
        uvicorn_errors.addFilter(QuietCutFilter())
