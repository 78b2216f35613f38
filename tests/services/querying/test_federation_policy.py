"""SERVICE clauses are refused before any engine sees the query, unless the operator allow-lists them."""

from __future__ import annotations

import socket
import threading

import pyoxigraph as ox
import pytest

from partnergraph.errors import ServiceNotAllowed
from partnergraph.services.querying.federation_policy import ServicePolicy


@pytest.fixture
def listener():
    """A TCP socket listening on a free loopback port, as a stand-in SPARQL endpoint."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        server.settimeout(0.3)
        yield server


def service_queries(port: int) -> list[str]:
    endpoint = f"http://127.0.0.1:{port}/sparql"
    return [
        f"SELECT * WHERE {{ SERVICE SILENT <{endpoint}> {{ ?s ?p ?o }} }}",
        f"PREFIX ep: <http://127.0.0.1:{port}/>\n"
        f"select * where {{ service silent ep:sparql {{ ?s ?p ?o }} }}",
        # `<` after ?a is less-than for the engine, so SERVICE is a keyword that a naive lexer misses
        f"SELECT * WHERE {{ BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)SERVICE#>\nSILENT <{endpoint}>{{}} }}",
    ]


def connects(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except TimeoutError:
        return False
    connection.close()  # the engine's request fails at once; SERVICE SILENT then yields nothing
    return True


def test_without_the_policy_pyoxigraph_calls_the_service(listener):
    """The threat is real: this is what the policy test below would catch if the check did nothing."""
    port = listener.getsockname()[1]
    for query in service_queries(port):
        worker = threading.Thread(target=lambda q=query: list(ox.Store().query(q)), daemon=True)
        worker.start()
        listener.settimeout(5)
        assert connects(listener), query
        worker.join(5)
        assert not worker.is_alive()


def test_with_the_policy_no_connection_is_ever_made(listener):
    port = listener.getsockname()[1]
    policy = ServicePolicy([])
    for query in service_queries(port):
        try:
            policy.check(query)
        except ServiceNotAllowed:
            refused = True
        else:  # the check let the query through: run it as the endpoint would
            refused = False
            threading.Thread(target=lambda q=query: list(ox.Store().query(q)), daemon=True).start()
        assert not connects(listener), query
        assert refused


def test_default_policy_refuses_every_service():
    with pytest.raises(ServiceNotAllowed) as caught:
        ServicePolicy().check("SELECT * {\n SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }")
    error = caught.value
    assert error.code == "service_not_allowed"
    assert "line 2, column 2" in error.message
    assert "PARTNERGRAPH_SERVICE_ALLOWLIST" in error.message
    assert error.details == [{"line": 2, "column": 2}]


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s <http://example.org/service> ?o }",
    "SELECT * { ?s ?p 'Citizenship and Immigration Services' }",
    "SELECT * { ?s ?p ?o } # no service here",
    "SELECT * { ?s ?p '\\u0073ervice' }",
])
def test_without_an_allow_list_the_word_is_refused_anywhere(text):
    with pytest.raises(ServiceNotAllowed, match="CONCAT"):
        ServicePolicy().check(text)


def test_queries_without_the_word_pass_and_run_confined():
    assert ServicePolicy().check("SELECT * WHERE { ?s ?p ?o }") is False
    assert ServicePolicy(["https://query.wikidata.org/"]).check("ASK { ?s ?p ?o }") is False


def test_allow_listed_prefixes_pass_and_others_do_not():
    policy = ServicePolicy(["https://query.wikidata.org/"])
    assert policy.check("SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }") is True
    with pytest.raises(ServiceNotAllowed, match="evil"):
        policy.check("SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } "
                     "SERVICE SILENT <http://evil.example/sparql> { ?s ?p ?o } }")


@pytest.mark.parametrize("text", [
    "SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } ?s ?p 'SERVICE' }",
    "PREFIX wd: <https://query.wikidata.org/> SELECT * { SERVICE wd:sparql { ?s ?p ?o } }",
    "SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } } # SERVICE <http://evil/>",
    "PREFIX SILENT: <http://evil.example/> SELECT * { SERVICE SILENT:x { ?s ?p ?o } }",
    "SELECT * { SERVICE <https://query.wikidata.org/sp\\u0061rql> { ?s ?p ?o } }",
])
def test_with_an_allow_list_every_mention_must_be_a_checkable_clause(text):
    with pytest.raises(ServiceNotAllowed):
        ServicePolicy(["https://query.wikidata.org/"]).check(text)


def test_a_prefix_without_path_does_not_allow_other_hosts():
    policy = ServicePolicy(["http://good.example"])
    assert policy.allows("http://good.example/sparql")
    assert policy.allows("http://good.example")
    assert not policy.allows("http://good.example.evil.com/sparql")
    assert not policy.allows("http://good.example@evil.com/sparql")
    assert not policy.allows("http://good.example:8080/sparql")


def test_variable_endpoints_need_the_wildcard():
    query = "SELECT * { VALUES ?ep { <http://a.example/> } SERVICE ?ep { ?s ?p ?o } }"
    with pytest.raises(ServiceNotAllowed, match=r'\["\*"\]') as caught:
        ServicePolicy(["http://a.example/"]).check(query)
    assert caught.value.endpoint is None
    assert ServicePolicy(["*"]).check(query) is True
    assert ServicePolicy(["*"]).check("SELECT * { ?s ?p 'service' }") is True
