"""FastAPI dependencies: the services built in the lifespan, handed to routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from partnergraph.errors import PayloadTooLarge
from partnergraph.services.querying.canned_queries import CannedQueryService
from partnergraph.services.querying.catalogue import Catalogue
from partnergraph.services.querying.endpoint_description import EndpointDescription
from partnergraph.services.querying.sparql_endpoint import SparqlEndpoint
from partnergraph.services.querying.store_version import StoreVersion
from partnergraph.settings import Settings

QUERY_BODY_SLACK = 64 * 1024


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


def get_endpoint(request: Request) -> SparqlEndpoint:
    """The SPARQL endpoint service."""
    return request.app.state.runtime.endpoint


def get_store_version(request: Request) -> StoreVersion | None:
    """The store version for caching headers (None when the store can change behind our back)."""
    return request.app.state.runtime.store_version


def get_endpoint_description(request: Request) -> EndpointDescription:
    """The SPARQL service description of the endpoint."""
    return request.app.state.runtime.endpoint_description


def get_catalogue(request: Request) -> Catalogue:
    """The canned-query catalogue."""
    return request.app.state.catalogue


def get_canned_queries(request: Request) -> CannedQueryService:
    """The canned-query runner."""
    return request.app.state.runtime.canned_queries


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it (or its declared length) exceeds `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request body is larger than the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_body(request: Request) -> bytes:
    """The request body, within `max_body_bytes`."""
    return await read_limited(request, request.app.state.settings.max_body_bytes)


async def read_query_body(request: Request) -> bytes:
    """A SPARQL protocol body: the query (within `max_query_length`) and a little room for dataset IRIs."""
    return await read_limited(request, request.app.state.settings.max_query_length + QUERY_BODY_SLACK)


SettingsDep = Annotated[Settings, Depends(get_settings)]
EndpointDep = Annotated[SparqlEndpoint, Depends(get_endpoint)]
StoreVersionDep = Annotated[StoreVersion | None, Depends(get_store_version)]
EndpointDescriptionDep = Annotated[EndpointDescription, Depends(get_endpoint_description)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
CannedQueriesDep = Annotated[CannedQueryService, Depends(get_canned_queries)]
BodyDep = Annotated[bytes, Depends(read_body)]
QueryBodyDep = Annotated[bytes, Depends(read_query_body)]
