"""Every route of the app answers bad input with the one error envelope, found by walking `app.routes`."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route

ENVELOPE_KEYS = {"ok", "status", "code", "message", "details"}
JUNK_QUERY = {"query": "SELECT", "limit": "-1", "offset": "x", "format": "nope", "graph": "relative",
              "source": "relative", "since": "nope", "state": "not a code", "bogus": "1"}
PAGES = {"/", "/curate", "/docs", "/openapi.json",  # HTML and the spec: nothing to refuse
         "/api/queries"}  # the catalogue listing takes no parameters and ignores others


def flat_routes(routes, prefix: str = ""):
    """Every route, also those of included routers (FastAPI keeps them behind an include wrapper)."""
    for route in routes:
        if isinstance(route, (APIRoute, Route)):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from flat_routes(route.original_router.routes, prefix + route.include_context.prefix)


def routes(app) -> list[tuple[str, str]]:
    found = []
    for path, route in flat_routes(app.routes):
        if path in PAGES:
            continue
        for method in sorted(route.methods or ()):
            if method not in ("HEAD", "OPTIONS"):
                found.append((method, path))
    return found


def assert_envelope(response) -> None:
    assert response.headers["content-type"].startswith("application/json"), response.text[:200]
    body = response.json()
    assert set(body) == ENVELOPE_KEYS, body
    assert body["ok"] is False and body["status"] == response.status_code
    assert isinstance(body["code"], str) and body["code"] and body["message"]
    assert isinstance(body["details"], list)


def test_the_app_has_routes_to_check(app, client):
    assert len(routes(app)) >= 30  # the canned queries, /sparql, curation, GSP, static files


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH"])
def test_every_route_refuses_junk_with_the_envelope(app, client, method):
    checked = 0
    for route_method, path in routes(app):
        if route_method != method:
            continue
        url = re.sub(r"\{[^}]+\}", "no-such-thing", path)
        response = client.request(method, url, params=JUNK_QUERY, content=b"\xff not rdf",
                                  headers={"Content-Type": "application/x-nope"})
        assert response.status_code >= 400, f"{method} {url} accepted junk: {response.status_code}"
        assert_envelope(response)
        checked += 1
    if method != "PATCH":
        assert checked, f"no {method} route was checked"


def test_unknown_paths_and_methods_get_the_envelope_too(client):
    assert_envelope(client.get("/no/such/path"))
    assert_envelope(client.patch("/sparql"))
    assert_envelope(client.delete("/api/queries"))
