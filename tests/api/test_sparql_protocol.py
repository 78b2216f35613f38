"""`/sparql` follows the SPARQL 1.1 Protocol: methods, dataset, errors, content negotiation, caching."""

from __future__ import annotations

import csv
import gzip
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph
import pytest

PG = "https://w3id.org/partnergraph/ontology#"
STATES = f"SELECT ?s WHERE {{ ?s a <{PG}SovereignState> }} ORDER BY ?s"
ASK = f"ASK {{ ?s a <{PG}SovereignState> }}"
CONSTRUCT = f"CONSTRUCT {{ ?s a <{PG}SovereignState> }} WHERE {{ ?s a <{PG}SovereignState> }}"
SLV = "https://w3id.org/partnergraph/id/state/SLV"


def bindings(response) -> list[dict]:
    return response.json()["results"]["bindings"]


def test_get_query_returns_sparql_json(client):
    response = client.get("/sparql", params={"query": STATES})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    assert {"type": "uri", "value": SLV} in [b["s"] for b in bindings(response)]


def test_post_form_and_post_direct_give_the_same_answer(client):
    get = client.get("/sparql", params={"query": STATES}).json()
    form = client.post("/sparql", data={"query": STATES}).json()
    direct = client.post("/sparql", content=STATES,
                         headers={"Content-Type": "application/sparql-query; charset=utf-8"}).json()
    assert get == form == direct


def test_form_values_are_decoded_exactly_once(client):
    query = 'SELECT ?x WHERE { BIND("50%41 + ü" AS ?x) }'
    response = client.post("/sparql", data={"query": query})
    assert bindings(response)[0]["x"]["value"] == "50%41 + ü"


def test_default_graph_uri_restricts_the_default_graph(client):
    graph = "https://w3id.org/partnergraph/graph/data/states"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only_states = client.get("/sparql", params={"query": count, "default-graph-uri": graph})
    everything = client.get("/sparql", params={"query": count})
    n_states = int(bindings(only_states)[0]["n"]["value"])
    n_all = int(bindings(everything)[0]["n"]["value"])
    assert 0 < n_states < n_all


def test_named_graph_uri_limits_graph_patterns(client):
    graph = "https://w3id.org/partnergraph/graph/data/states"
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", params={"query": query, "named-graph-uri": graph})
    assert [b["g"]["value"] for b in bindings(response)] == [graph]


def test_union_default_graph_sees_every_file(client):
    query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert int(bindings(client.get("/sparql", params={"query": query}))[0]["n"]["value"]) > 8


def test_syntax_error_is_400_with_line_and_column(client):
    response = client.get("/sparql", params={"query": "SELECT ?s\nWHERE { ?s ?p }"})
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["code"] == "query_syntax_error"
    assert "2:" in body["message"]


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_405(client, method):
    response = getattr(client, method)("/sparql")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_post_with_another_media_type_is_415(client):
    response = client.post("/sparql", content=STATES, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "application/sparql-query" in response.json()["message"]


@pytest.mark.parametrize("request_kwargs", [
    {"method": "GET", "params": {"update": "DROP ALL"}},
    {"method": "GET", "params": {"query": "DROP ALL"}},
    {"method": "POST", "data": {"update": "CLEAR ALL"}},
    {"method": "POST", "content": "INSERT DATA { <a:b> <a:c> <a:d> }",
     "headers": {"Content-Type": "application/sparql-update"}},
])
def test_updates_are_refused_and_change_nothing(client, request_kwargs):
    before = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    method = request_kwargs.pop("method")
    response = client.request(method, "/sparql", **request_kwargs)
    assert response.status_code == 400
    assert response.json()["code"] == "update_not_allowed"
    after = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    assert before == after


def test_two_queries_in_one_request_is_400(client):
    response = client.get("/sparql", params=[("query", STATES), ("query", ASK)])
    assert response.status_code == 400


@pytest.mark.parametrize("accept,media_type", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("text/*", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0, text/tab-separated-values;q=0.2, */*;q=0.1",
     "text/tab-separated-values"),
    ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8",
     "application/sparql-results+xml"),
])
def test_select_content_negotiation(client, accept, media_type):
    response = client.get("/sparql", params={"query": STATES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert_body_matches(response, media_type)


@pytest.mark.parametrize("fmt,media_type", [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_format_parameter_overrides_accept(client, fmt, media_type):
    response = client.get("/sparql", params={"query": STATES, "format": fmt},
                          headers={"Accept": "text/csv"})
    assert response.headers["content-type"].split(";")[0] == media_type
    assert_body_matches(response, media_type)


def assert_body_matches(response, media_type: str) -> None:
    text = response.text
    if media_type == "application/sparql-results+json":
        assert SLV in [b["s"]["value"] for b in json.loads(text)["results"]["bindings"]]
    elif media_type == "application/sparql-results+xml":
        root = ET.fromstring(text)
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert SLV in [u.text for u in root.iter(f"{ns}uri")]
    elif media_type == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["s"] and [SLV] in rows
    elif media_type == "text/tab-separated-values":
        lines = text.splitlines()
        assert lines[0] == "?s" and f"<{SLV}>" in lines
    else:
        raise AssertionError(media_type)


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", pyoxigraph.RdfFormat.TURTLE),
    ("application/n-triples", pyoxigraph.RdfFormat.N_TRIPLES),
    ("application/ld+json", pyoxigraph.RdfFormat.JSON_LD),
    ("application/rdf+xml", pyoxigraph.RdfFormat.RDF_XML),
    ("application/trig", pyoxigraph.RdfFormat.TRIG),
    ("application/n-quads", pyoxigraph.RdfFormat.N_QUADS),
])
def test_construct_content_negotiation_and_body_parses(client, accept, fmt):
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    triples = list(pyoxigraph.parse(response.content, format=fmt))
    assert pyoxigraph.NamedNode(SLV) in {t.subject for t in triples}
    assert len(triples) >= 20


def test_ask_as_json_and_xml(client):
    assert client.get("/sparql", params={"query": ASK}).json() == {"head": {}, "boolean": True}
    xml = client.get("/sparql", params={"query": ASK}, headers={"Accept": "application/sparql-results+xml"})
    assert "<boolean>true</boolean>" in xml.text


def test_nothing_acceptable_is_406(client):
    response = client.get("/sparql", params={"query": STATES}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.json()["message"]
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert response.status_code == 406


def test_csv_is_not_available_for_ask(client):
    response = client.get("/sparql", params={"query": ASK}, headers={"Accept": "text/csv"})
    assert response.status_code == 406


def test_service_description_without_query(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    triples = list(pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.TURTLE))
    predicates = {t.predicate.value for t in triples}
    assert "http://www.w3.org/ns/sparql-service-description#endpoint" in predicates
    names = {t.object.value for t in triples
             if t.predicate.value == "http://www.w3.org/ns/sparql-service-description#name"}
    assert "https://w3id.org/partnergraph/graph/data/agreements" in names


def test_browsers_without_query_are_sent_to_the_query_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_etag_and_304_for_an_unchanged_store(client):
    first = client.get("/sparql", params={"query": STATES})
    etag = first.headers["etag"]
    assert first.headers["last-modified"]
    again = client.get("/sparql", params={"query": STATES}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other_format = client.get("/sparql", params={"query": STATES, "format": "csv"})
    assert other_format.headers["etag"] != etag


def test_etag_changes_when_the_store_changes(app, client):
    etag = client.get("/sparql", params={"query": STATES}).headers["etag"]
    app.state.runtime.store_version.written()
    assert client.get("/sparql", params={"query": STATES}).headers["etag"] != etag


def test_responses_are_gzipped_when_asked(client):
    response = client.get("/sparql", params={"query": CONSTRUCT},
                          headers={"Accept": "application/n-triples", "Accept-Encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"
    assert SLV in response.text  # the client decompresses


def test_service_clause_is_refused_before_any_engine_sees_it(client):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert response.json()["code"] == "service_not_allowed"
    assert "PARTNERGRAPH_SERVICE_ALLOWLIST" in response.json()["message"]


def test_oversize_body_is_413(client):
    response = client.post("/sparql", content=b"#" * (65 * 1024) + STATES.encode(),
                           headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_overlong_query_is_413(client):
    response = client.post("/sparql", data={"query": "#" * (17 * 1024) + "\n" + STATES})
    assert response.status_code == 413


def test_cors_is_off_by_default(client):
    response = client.get("/sparql", params={"query": ASK}, headers={"Origin": "https://example.org"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_when_configured(tmp_path):
    from fastapi.testclient import TestClient

    from partnergraph.app import create_app
    from partnergraph.settings import Settings
    from tests.app_settings import TEST_HOSTS

    settings = Settings(store=":memory:", cors_origins=["https://example.org"], query_workers=1,
                        trusted_hosts=TEST_HOSTS)
    with TestClient(create_app(settings)) as cors_client:
        response = cors_client.get("/sparql", params={"query": ASK},
                                   headers={"Origin": "https://example.org"})
        assert response.headers["access-control-allow-origin"] == "https://example.org"
        other = cors_client.get("/sparql", params={"query": ASK}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_gzip_body_really_is_gzip(client):
    # httpx decodes transparently; check the raw stream too
    with client.stream("GET", "/sparql", params={"query": CONSTRUCT},
                       headers={"Accept": "application/n-triples", "Accept-Encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
    assert SLV.encode() in gzip.decompress(raw)
