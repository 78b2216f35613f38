"""`/api/queries`: the canned-query catalogue as plain JSON endpoints, documented in OpenAPI."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest

from partnergraph.resources import bundled_resources

QUERY_NAMES = sorted(p.stem for p in bundled_resources().queries_dir.glob("*.rq"))


def test_catalogue_lists_every_query_with_its_parameters(client):
    body = client.get("/api/queries").json()
    assert body["ok"] is True
    names = [q["name"] for q in body["queries"]]
    assert names == QUERY_NAMES
    assert len(names) >= 12
    for entry in body["queries"]:
        assert entry["title"] and entry["summary"]
        for param in entry["params"]:
            assert {"name", "type", "required", "expected"} <= set(param)


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_canned_query_is_its_own_documented_operation(client, name):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"][f"/api/queries/{name}"]["get"]
    assert operation["summary"] and operation["description"]
    catalogue = {q["name"]: q for q in client.get("/api/queries").json()["queries"]}
    declared = {p["name"] for p in operation["parameters"]}
    for param in catalogue[name]["params"]:
        assert param["name"] in declared
        documented = next(p for p in operation["parameters"] if p["name"] == param["name"])
        assert documented["required"] == param["required"]
        assert documented["description"]
        if param["example"] is not None:
            assert "example" in documented


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_canned_query_answers_its_example(client, name):
    entry = next(q for q in client.get("/api/queries").json()["queries"] if q["name"] == name)
    response = client.get(entry["example_url"], headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    if entry["form"] in ("SELECT", "ASK"):
        body = response.json()
        assert body["ok"] is True and body["query"] == name
        assert body["rows"], f"{name} returns nothing for its example parameters"


def test_unknown_query_is_404_with_the_error_envelope(client):
    response = client.get("/api/queries/no-such-query")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "status": 404, "code": "query_not_found",
                               "message": response.json()["message"], "details": [{"query": "no-such-query"}]}


def test_invalid_parameter_is_422_naming_the_parameter(client):
    response = client.get("/api/queries/agreements-of-state", params={"state": "not a code"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert body["message"].startswith("state:")
    assert body["details"][0]["param"] == "state"


def test_missing_required_parameter_is_422(client):
    response = client.get("/api/queries/agreements-of-state")
    assert response.status_code == 422
    assert "state" in response.json()["message"]


def test_unknown_parameter_is_422(client):
    response = client.get("/api/queries/agreements-of-state", params={"state": "SLV", "sate": "x"})
    assert response.status_code == 422
    assert "sate" in response.json()["message"]


def test_injection_attempt_is_just_a_value(client):
    evil = 'SLV> } ; DROP ALL ; SELECT * { ?s ?p ?o'
    response = client.get("/api/queries/agreements-of-state", params={"state": evil})
    assert response.status_code == 422
    count = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert int(count.json()["results"]["bindings"][0]["n"]["value"]) > 1000


def test_pagination_next_links_walk_every_row_exactly_once(client):
    name, params = "framework-members", {"framework": "mirps"}
    everything = client.get(f"/api/queries/{name}", params={**params, "limit": 1000}).json()
    assert everything["truncated"] is False and everything["next"] is None
    total = len(everything["rows"])
    assert total >= 7
    seen, url, pages = [], f"/api/queries/{name}?framework=mirps&limit=3", 0
    while url:
        page = client.get(url).json()
        assert len(page["rows"]) <= 3
        seen += page["rows"]
        pages += 1
        url = page["next"]
        if url:
            assert parse_qs(urlsplit(url).query)["framework"] == ["mirps"]
            assert page["truncated"] is True
    assert pages == -(-total // 3)
    assert seen == everything["rows"]


def test_exact_last_page_has_no_next_link(client):
    everything = client.get("/api/queries/framework-members", params={"framework": "mirps",
                                                                       "limit": 1000}).json()
    total = len(everything["rows"])
    last = client.get("/api/queries/framework-members",
                      params={"framework": "mirps", "limit": total}).json()
    assert last["next"] is None and last["truncated"] is False and len(last["rows"]) == total


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "100001"])
def test_bad_limit_is_422(client, limit):
    response = client.get("/api/queries/framework-members", params={"framework": "mirps", "limit": limit})
    assert response.status_code == 422
    assert response.json()["details"][0]["param"] == "limit"


def test_csv_by_suffix_and_by_accept(client):
    by_suffix = client.get("/api/queries/framework-members.csv", params={"framework": "mirps"})
    by_accept = client.get("/api/queries/framework-members", params={"framework": "mirps"},
                           headers={"Accept": "text/csv"})
    assert by_suffix.headers["content-type"].startswith("text/csv")
    assert by_suffix.text == by_accept.text
    rows = list(csv.DictReader(io.StringIO(by_suffix.text)))
    assert {"participant", "mode"} <= set(rows[0])


def test_sparql_json_by_accept(client):
    response = client.get("/api/queries/framework-members", params={"framework": "mirps"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    body = response.json()
    assert body["head"]["vars"] and body["results"]["bindings"]


def test_plain_rows_use_native_json_types(client):
    body = client.get("/api/queries/partners-of-state", params={"state": "USA"}).json()
    counts = [v for row in body["rows"] for k, v in row.items() if isinstance(v, int)]
    assert counts, "integer columns come back as JSON numbers"


def test_describe_query_returns_rdf(client):
    entry = next(q for q in client.get("/api/queries").json()["queries"]
                 if q["form"] in ("DESCRIBE", "CONSTRUCT"))
    response = client.get(entry["example_url"], headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    import pyoxigraph
    assert list(pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.TURTLE))


@pytest.mark.parametrize("method,url,kwargs", [
    ("GET", "/api/queries/no-such-query", {}),
    ("GET", "/api/queries/agreements-of-state", {"params": {"state": "x y"}}),
    ("GET", "/nowhere", {}),
    ("DELETE", "/api/queries", {}),
    ("GET", "/sparql", {"params": {"query": "SELEC"}}),
    ("GET", "/sparql", {"params": {"query": "SELECT * WHERE { ?s ?p ?o }"},
                        "headers": {"Accept": "image/png"}}),
    ("POST", "/sparql", {"content": b"x", "headers": {"Content-Type": "text/plain"}}),
    ("POST", "/sparql", {"data": {"update": "DROP ALL"}}),
    ("GET", "/static/../../etc/passwd", {}),
])
def test_every_error_has_the_one_envelope(client, method, url, kwargs):
    response = client.request(method, url, **kwargs)
    assert 400 <= response.status_code < 600
    body = response.json()
    assert set(body) == {"ok", "status", "code", "message", "details"}
    assert body["ok"] is False and body["status"] == response.status_code
    assert body["message"] and isinstance(body["details"], list)
