"""No query sent to a running server reaches the network unless an operator allow-listed the endpoint.

Each test runs the real app under uvicorn and sends generated SERVICE spellings (tests/service_spellings.py)
that make an unconfined engine call a loopback endpoint, which counts every connection.
"""

from __future__ import annotations

import os
import random
import time

import httpx
import pyoxigraph as ox
import pytest

from partnergraph.app import create_app
from partnergraph.settings import Settings
from partnergraph.store.oxigraph.pool import QueryPool
from service_spellings import PAYLOAD, counting_endpoint, service_spellings

SEED = int(os.environ.get("PARTNERGRAPH_TEST_SEED", time.time_ns() % 1_000_000))
COUNT = 120


@pytest.fixture(scope="module")
def evil():
    with counting_endpoint() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def good():
    with counting_endpoint() as endpoint:
        yield endpoint


def _settings(tmp_path_factory, **overrides) -> Settings:
    return Settings(store=str(tmp_path_factory.mktemp("service") / "store"), query_timeout=3, query_workers=1,
                    **overrides)


@pytest.fixture(scope="module")
def default_server(tmp_path_factory, serve_app):
    with serve_app(create_app(_settings(tmp_path_factory))) as url:
        yield url


@pytest.fixture(scope="module")
def federating_server(tmp_path_factory, serve_app, good):
    settings = _settings(tmp_path_factory, service_allowlist=[good.url], federation_workers=1)
    with serve_app(create_app(settings)) as url:
        yield url


def _send_all(url: str, queries: list[str]) -> list[httpx.Response]:
    with httpx.Client(base_url=url, timeout=30) as client:
        return [client.post("/sparql", data={"query": q}) for q in queries]


def test_the_generated_spellings_do_reach_an_unconfined_engine(evil):
    """The positive control: these queries are real attacks, so zero connections below means something."""
    store = ox.Store()
    before = evil.connections
    for query in service_spellings(SEED, 40, evil.url):
        try:
            result = store.query(query)
            if not isinstance(result, ox.QueryBoolean):
                list(result)
        except (OSError, SyntaxError, RuntimeError):
            pass
    assert evil.connections - before >= 10, f"seed {SEED}"


def test_no_spelling_reaches_the_network_through_the_default_server(default_server, evil):
    before = evil.connections
    queries = service_spellings(SEED, COUNT, evil.url)
    for query, response in zip(queries, _send_all(default_server, queries)):
        assert response.status_code == 400, (SEED, query, response.text)
        assert response.json()["code"] in ("service_not_allowed", "query_syntax_error"), (SEED, query)
    assert evil.connections == before, f"seed {SEED}"


def test_no_spelling_reaches_an_endpoint_that_is_not_allow_listed(federating_server, evil, good):
    before_evil, before_good = evil.connections, good.connections
    queries = service_spellings(SEED, COUNT, evil.url)
    # hide a call to the forbidden endpoint next to an allowed one
    rng = random.Random(SEED)
    queries += [q.replace("WHERE {", f"WHERE {{ SERVICE <{good.url}ok> {{ ?s ?p ?o }}", 1)
                for q in rng.sample(queries, 30) if "WHERE {" in q]
    for query, response in zip(queries, _send_all(federating_server, queries)):
        assert 400 <= response.status_code < 500, (SEED, query, response.text)
    assert evil.connections == before_evil, f"seed {SEED}"
    assert good.connections == before_good  # every one of them was refused before running


def test_an_allow_listed_call_runs_and_its_failure_is_not_echoed(federating_server, good):
    before = good.connections
    [response] = _send_all(federating_server, [f"SELECT * WHERE {{ SERVICE <{good.url}sparql> {{ ?s ?p ?o }} }}"])
    assert good.connections > before  # the federation worker did call the endpoint
    assert response.status_code == 502
    assert response.json()["code"] == "service_call_failed"
    assert PAYLOAD not in response.text and "127.0.0.1" not in response.text


def test_connection_errors_are_not_echoed_either(federating_server, good):
    closed_port = good.url.replace(str(good.port), "1")  # nothing listens on port 1
    with httpx.Client(base_url=federating_server, timeout=30) as client:
        response = client.post("/sparql", data={"query": f"ASK {{ SERVICE <{good.url}x> {{ ?s ?p ?o }} }}"})
    assert response.status_code == 502 and PAYLOAD not in response.text
    assert "refused" not in response.text.lower() and closed_port not in response.text


def test_confined_workers_alone_stop_every_spelling(evil):
    """Below the check: the same queries straight into a pool of confined workers connect nowhere."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                      ox.Literal("o"), ox.NamedNode("http://example.org/g")))
    before = evil.connections
    with QueryPool(store, size=1, timeout=10) as pool:
        for query in service_spellings(SEED + 1, COUNT, evil.url):
            try:
                pool.execute(query).read()
            except Exception:  # noqa: BLE001 - refusals, syntax errors: what matters is the count below
                pass
    assert evil.connections == before, f"seed {SEED + 1}"
