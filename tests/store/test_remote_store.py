"""Remote-specific behaviour: requests on the wire, the graph list cache, and faults (MockTransport only
for those a real server will not produce on cue)."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import httpx
import pyoxigraph as ox
import pytest

from partnergraph.errors import (
    QueryEvaluationError,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
    StoreUnavailable,
)
from partnergraph.settings import Settings
from partnergraph.store.contract import Dataset
from partnergraph.sparql.rewriting import bind_values
from partnergraph.store.remote import EMPTY_GRAPH, LIST_GRAPHS, RemoteStore

EX = "http://example.org/"
G1, G2 = f"{EX}graph/1", f"{EX}graph/2"
BASE = "http://sparql.test"
T = ox.Triple(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("o"))


def results(variables: list[str], rows: list[dict]) -> httpx.Response:
    body = {"head": {"vars": variables}, "results": {"bindings": rows}}
    return httpx.Response(200, json=body, headers={"Content-Type": "application/sparql-results+json"})


class FakeServer:
    """A MockTransport handler: lists `graphs`, records every other request, answers with `reply`."""

    def __init__(self, graphs=(), reply=None) -> None:
        self.graphs = list(graphs)
        self.reply = reply or (lambda request: results(["x"], []))
        self.requests: list[httpx.Request] = []
        self.listings = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and self.form(request).get("query") == [LIST_GRAPHS]:
            self.listings += 1
            return results(["g"], [{"g": {"type": "uri", "value": g}} for g in self.graphs])
        self.requests.append(request)
        return self.reply(request)

    @staticmethod
    def form(request: httpx.Request) -> dict[str, list[str]]:
        return parse_qs(request.content.decode(), keep_blank_values=True)

    def store(self, **kwargs) -> RemoteStore:
        return RemoteStore(f"{BASE}/query", f"{BASE}/update", f"{BASE}/store",
                           transport=httpx.MockTransport(self), **kwargs)


def test_endpoints_default_to_the_oxigraph_serve_layout():
    store = RemoteStore.from_settings(Settings(store="http://db.test:7878/", remote_timeout=5))
    assert (store.query_url, store.update_url, store.graph_store_url) == \
        ("http://db.test:7878/query", "http://db.test:7878/update", "http://db.test:7878/store")
    assert store.timeout == 5 and not store.union_default_graph
    store.close()
    store = RemoteStore.from_settings(Settings(
        store="https://db.test/ds", remote_query_url="https://db.test/ds/sparql",
        remote_graph_store_url="https://db.test/ds/data", remote_union_default_graph=True))
    assert (store.query_url, store.update_url, store.graph_store_url) == \
        ("https://db.test/ds/sparql", "https://db.test/ds/update", "https://db.test/ds/data")
    assert store.union_default_graph
    store.close()


def test_nothing_listening_is_store_unavailable_naming_the_url(unused_port):
    url = f"http://127.0.0.1:{unused_port}"
    with RemoteStore.from_settings(Settings(store=url, remote_timeout=5)) as store:
        for attempt in (lambda: store.query("ASK {}"), store.graphs, store.is_empty,
                        lambda: store.replace_graph(G1, [T]), lambda: store.drop_graph(G1),
                        lambda: list(store.quads(G1))):
            with pytest.raises(StoreUnavailable, match=url):
                attempt()


def test_error_messages_never_show_credentials(unused_port):
    url = f"http://reader:s3cret@127.0.0.1:{unused_port}"
    with RemoteStore.from_settings(Settings(store=url, remote_timeout=5)) as store:
        with pytest.raises(StoreUnavailable) as caught:
            store.graphs()
    assert "s3cret" not in str(caught.value) and "reader" not in str(caught.value)


def test_queries_state_the_union_dataset_and_bind_values_as_escaped_values():
    server = FakeServer(graphs=[G1, G2])
    with server.store() as store:
        store.query("SELECT ?s ?v WHERE { ?s ?p ?v }", bindings={"v": ox.Literal('a "quoted"\n} value')})
    request, = server.requests
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["accept"] == "application/sparql-results+json"
    form = FakeServer.form(request)
    assert form["default-graph-uri"] == [G1, G2]
    assert form["named-graph-uri"] == [G1, G2]
    assert 'VALUES (?v) { ("a \\"quoted\\"\\n} value") }' in form["query"][0]


def test_values_go_into_subqueries_that_project_the_variable_as_it_is():
    query = ("SELECT ?x ?d WHERE { { SELECT ?x ?d WHERE { ?x ?p ?d } } "
             "{ SELECT ?x (MAX(?d) AS ?m) WHERE { ?x ?q ?d } GROUP BY ?x } "
             "{ SELECT * WHERE { ?x ?r ?d } } }")
    bound = bind_values(query, {"d": ox.Literal("1")})
    assert bound.count('VALUES (?d) { ("1") }') == 3
    assert "(MAX(?d) AS ?m) WHERE { ?x ?q ?d }" in bound
    assert bind_values("DESCRIBE ?e", {"e": ox.NamedNode("http://e/x")}) == \
        "DESCRIBE ?e\nWHERE { VALUES (?e) { (<http://e/x>) } }\n"


def test_union_default_graph_servers_get_no_dataset_parameters():
    server = FakeServer(graphs=[G1])
    with server.store(union_default_graph=True) as store:
        store.query("SELECT * WHERE { ?s ?p ?o }")
    assert set(FakeServer.form(server.requests[0])) == {"query"}
    assert server.listings == 0


def test_a_dataset_without_default_graphs_names_a_graph_that_cannot_exist():
    server = FakeServer(graphs=[])
    with server.store() as store:
        store.query("SELECT * WHERE { ?s ?p ?o }")
        store.query("SELECT * WHERE { ?s ?p ?o }", dataset=Dataset(named_graphs=[G2]))
        store.query("SELECT * WHERE { ?s ?p ?o }", dataset=Dataset(default_graphs=[G1]))
    forms = [FakeServer.form(r) for r in server.requests]
    assert forms[0]["default-graph-uri"] == [EMPTY_GRAPH] and "named-graph-uri" not in forms[0]
    assert forms[1]["default-graph-uri"] == [EMPTY_GRAPH] and forms[1]["named-graph-uri"] == [G2]
    assert forms[2]["default-graph-uri"] == [G1] and "named-graph-uri" not in forms[2]


def test_the_graph_list_is_cached_and_refreshed_after_own_writes():
    server = FakeServer(graphs=[G1])
    server.reply = lambda request: results(["x"], []) if request.method == "POST" else httpx.Response(204)
    with server.store(graph_list_ttl=60) as store:
        store.query("SELECT * WHERE { ?s ?p ?o }")
        store.query("SELECT * WHERE { ?s ?p ?o }")
        assert server.listings == 1
        server.graphs = [G1, G2]
        store.replace_graph(G2, [T])
        store.query("SELECT * WHERE { ?s ?p ?o }")
        assert server.listings == 2
        assert FakeServer.form(server.requests[-1])["default-graph-uri"] == [G1, G2]
        store.drop_graph(G2)
        server.graphs = [G1]
        store.query("SELECT * WHERE { ?s ?p ?o }")
        assert server.listings == 3


def test_a_failing_triple_source_sends_nothing():
    server = FakeServer()

    def broken():
        yield T
        raise RuntimeError("source broke")

    with server.store() as store:
        with pytest.raises(RuntimeError, match="source broke"):
            store.replace_graph(G1, broken())
    assert server.requests == []


def test_replace_graph_puts_n_triples_with_a_length():
    server = FakeServer(reply=lambda request: httpx.Response(201))
    with server.store() as store:
        assert store.replace_graph(G1, [T, T]) == 2
        assert store.replace_graph(G2, []) == 0
    put, empty = server.requests
    assert put.method == "PUT" and put.url.params["graph"] == G1
    assert put.headers["content-type"] == "application/n-triples"
    body = put.read()
    assert int(put.headers["content-length"]) == len(body)
    assert body.decode().splitlines() == [f'<{EX}s> <{EX}p> "o" .'] * 2
    assert empty.read() == b"" and empty.headers["content-length"] == "0"


@pytest.mark.parametrize("fault", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_a_timeout_is_store_unavailable(fault):
    def handler(request):
        raise fault("too slow", request=request)

    with RemoteStore(f"{BASE}/query", f"{BASE}/update", f"{BASE}/store", timeout=2.5,
                     transport=httpx.MockTransport(handler)) as store:
        with pytest.raises(StoreUnavailable, match=r"http://sparql.test/query did not answer within 2.5 s"):
            store.query("SELECT * WHERE { ?s ?p ?o }", dataset=Dataset([G1]))


def test_a_server_error_is_store_error_with_status_and_excerpt():
    server = FakeServer(reply=lambda request: httpx.Response(500, text="boom " + "x" * 5000))
    with server.store() as store:
        with pytest.raises(StoreError, match="HTTP 500") as caught:
            store.query("SELECT * WHERE { ?s ?p ?o }")
        assert "boom" in str(caught.value) and len(str(caught.value)) < 600
        with pytest.raises(StoreError, match="HTTP 500 to replacing graph"):
            store.replace_graph(G1, [T])
        with pytest.raises(StoreError, match="HTTP 500 to dropping graph"):
            store.drop_graph(G1)
        with pytest.raises(StoreError, match="HTTP 500 to reading graph"):
            list(store.quads(G1))
    assert not isinstance(caught.value, QuerySyntaxError)


def test_a_bad_request_is_a_syntax_error_with_the_servers_message():
    server = FakeServer(reply=lambda request: httpx.Response(400, text="error at 1:25: expected one of ."))
    with server.store() as store:
        with pytest.raises(QuerySyntaxError, match="expected one of") as caught:
            store.query("SELECT * WHERE { ?s ?p }")
    assert caught.value.details == [{"line": 1, "column": 25}]


@pytest.mark.parametrize("media_type", ["text/html", "application/xml", None])
def test_a_wrong_media_type_is_store_error(media_type):
    headers = {"Content-Type": media_type} if media_type else {}
    server = FakeServer(reply=lambda request: httpx.Response(200, content=b"<html/>", headers=headers))
    with server.store() as store:
        with pytest.raises(StoreError, match=media_type or "no media type"):
            store.query("SELECT * WHERE { ?s ?p ?o }")
        with pytest.raises(StoreError, match=media_type or "no media type"):
            store.query("CONSTRUCT WHERE { ?s ?p ?o }")


@pytest.mark.parametrize(("tail", "error"), [("Service unreachable", QueryEvaluationError),
                                              ("The SPARQL operation has been cancelled", QueryTimeout)])
def test_a_broken_off_answer_is_an_error_despite_status_200(tail, error):
    body = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://e/1"}},' \
        + tail.encode()
    server = FakeServer(reply=lambda request: httpx.Response(
        200, content=body, headers={"Content-Type": "application/sparql-results+json"}))
    with server.store() as store:
        with pytest.raises(error, match=tail):
            store.query("SELECT * WHERE { ?s ?p ?o }")


def test_a_graph_stream_that_breaks_is_store_unavailable():
    def chunks():
        yield f'<{EX}s> <{EX}p> "o" .\n'.encode()
        raise httpx.ReadError("connection reset")

    def reply(request):
        return httpx.Response(200, stream=_Stream(chunks()),
                              headers={"Content-Type": "application/n-triples"})

    server = FakeServer(reply=reply)
    with server.store() as store:
        with pytest.raises(StoreUnavailable, match="reading graph"):
            list(store.quads(G1))


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks) -> None:
        self._chunks = chunks

    def __iter__(self):
        yield from self._chunks


def test_a_closed_store_refuses_work():
    server = FakeServer()
    store = server.store()
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.query("SELECT * WHERE { ?s ?p ?o }")


def test_a_query_failing_after_the_answer_started_is_an_evaluation_error(remote_store):
    remote_store.replace_graph(G1, [T])
    with pytest.raises(QueryEvaluationError):
        remote_store.query("SELECT * WHERE { ?s ?p ?o SERVICE <http://127.0.0.1:1/> { ?s ?p ?x } }")


def test_graphs_written_by_another_client_appear_within_the_cache_lifetime(remote_url):
    settings = Settings(store=remote_url)
    with RemoteStore.from_settings(settings) as other, \
            RemoteStore(f"{remote_url}/query", f"{remote_url}/update", f"{remote_url}/store",
                        graph_list_ttl=0.3) as reader:
        assert reader.query("ASK { ?s ?p ?o }").value is False
        other.replace_graph(G1, [T])
        deadline = time.monotonic() + 5
        while not reader.query("ASK { ?s ?p ?o }").value:
            assert time.monotonic() < deadline, "the other client's graph never became visible"
            time.sleep(0.05)
        reader.replace_graph(G2, [T])
        assert reader.query(f"ASK {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}").value


def test_the_empty_default_graph_stays_empty_on_a_real_server(remote_store, remote_url):
    remote_store.replace_graph(G1, [T])
    response = httpx.put(f"{remote_url}/store?default", content=b'<http://e/x> <http://e/y> "z" .\n',
                         headers={"Content-Type": "application/n-triples"})
    assert response.is_success
    assert json.loads(httpx.post(f"{remote_url}/query", data={"query": "ASK { ?s ?p ?o }"},
                                 headers={"Accept": "application/sparql-results+json"}).text)["boolean"]
    assert remote_store.query("ASK { ?s ?p ?o }", dataset=Dataset(named_graphs=[G1])).value is False
    assert list(remote_store.query("SELECT * WHERE { ?s ?p ?o }").rows) == \
        [{"s": T.subject, "p": T.predicate, "o": T.object}]
