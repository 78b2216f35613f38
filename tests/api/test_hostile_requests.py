"""Requests as an attacker would send them, against the real app under uvicorn: each gets a clear 4xx
(or 503 at a limit), nothing stalls the server, and the store stays as it was.

One attack per test, named for what must hold. The figures (main-process memory, latency of other
requests meanwhile) are measured by bench/hostile_requests.py, not asserted here.
"""

from __future__ import annotations

import json
import logging
import threading

import httpx
import pytest

from partnergraph.app import create_app
from partnergraph.services.tokens import TokenRegistry
from partnergraph.settings import Settings
from tests.curation_samples import PREFIXES, SOURCE

PUBLIC = "https://pg.example.org"
RDFXML = {"Content-Type": "application/rdf+xml"}
TURTLE = {"Content-Type": "text/turtle"}


@pytest.fixture(scope="module")
def live(tmp_path_factory, serve_app):
    root = tmp_path_factory.mktemp("hostile")
    settings = Settings(store=str(root / "store"), tokens_file=str(root / "tokens.json"), query_workers=2,
                        query_timeout=3, max_anonymous_validate_bytes=1024 * 1024, anonymous_validations=1,
                        max_form_fields=50, public_base_url=PUBLIC, trusted_hosts=["127.0.0.1"])
    registry = TokenRegistry(root / "tokens.json")
    tokens = {name: registry.create(name, role)[1] for name, role in (("alice", "curator"), ("root", "admin"))}
    app = create_app(settings)
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client, app, tokens, registry, root


def bearer(live, name: str) -> dict:
    return {"Authorization": f"Bearer {live[2][name]}"}


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert set(body) == {"ok", "status", "code", "message", "details"}
    if code is not None:
        assert body["code"] == code, body
    return body


def graph_count(client) -> int:
    answer = client.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                         headers={"Accept": "application/sparql-results+json"})
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def person(slug: str, name: str) -> bytes:
    return (PREFIXES + f'pgid:person\\/{slug} a foaf:Person ; foaf:name {json.dumps(name)} ; '
            f'skos:prefLabel {json.dumps(name)}@en ; prov:wasDerivedFrom <{SOURCE}> .').encode()


# --- bodies that would stall or crash the parser --------------------------------------------------------------

def test_deeply_nested_rdfxml_is_refused_before_parsing(live):
    client = live[0]
    depth = 20_000
    body = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e.example/">'
            '<rdf:Description rdf:about="http://e.example/a">' + "<e:p><rdf:Description>" * depth
            + "</rdf:Description></e:p>" * depth + "</rdf:Description></rdf:RDF>").encode()
    assert len(body) < 1024 * 1024
    body_json = assert_error(client.post(f"/api/validate?source={SOURCE}", content=body, headers=RDFXML),
                             400, "rdf_syntax_error")
    assert "nests more than 100 levels" in body_json["message"]


def test_deeply_nested_jsonld_is_refused_and_the_server_lives_on(live):
    client = live[0]
    depth = 6_000  # pyoxigraph's JSON-LD parser overflows its stack (the whole process dies) near 5,000
    body = ('{"@id": "http://e.example/a", "http://e.example/p": ' + '{"http://e.example/p": ' * depth + "1"
            + "}" * depth + "}").encode()
    assert_error(client.post(f"/api/validate?source={SOURCE}", content=body,
                             headers={"Content-Type": "application/ld+json"}), 400, "rdf_syntax_error")
    assert client.get("/api/queries").status_code == 200


def test_a_term_over_the_parsers_buffer_is_413_not_500(live):
    client = live[0]
    body = b'<http://e.example/a> <http://e.example/p> "' + b"x" * (17 * 1024 * 1024) + b'" .'
    before = graph_count(client)
    assert_error(client.post(f"/api/ingest?source={SOURCE}", content=body, headers={**TURTLE, **bearer(live, "alice")}),
                 413, "payload_too_large")
    assert graph_count(client) == before


# --- anonymous validation ------------------------------------------------------------------------------------

def test_anonymous_validation_takes_rdf_media_types_only(live):
    assert_error(live[0].post(f"/api/validate?source={SOURCE}", content=person("x", "x"),
                              headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")


def test_anonymous_validation_has_a_smaller_body_limit_than_curators(live):
    client = live[0]
    body = person("big", "x" * (1024 * 1024 + 10))
    assert_error(client.post(f"/api/validate?source={SOURCE}", content=body, headers=TURTLE), 413, "payload_too_large")
    with_token = client.post(f"/api/validate?source={SOURCE}", content=body, headers={**TURTLE, **bearer(live, "alice")})
    assert with_token.status_code == 200, with_token.text[:300]


def test_anonymous_validations_beyond_the_limit_get_429_and_curators_are_not_counted(live):
    client, app = live[0], live[1]
    slots = app.state.anonymous_validations
    assert slots.acquire(blocking=False)  # one anonymous dry run is in progress
    try:
        refused = client.post(f"/api/validate?source={SOURCE}", content=person("a", "a"), headers=TURTLE)
        assert_error(refused, 429, "too_many_requests")
        assert refused.headers["retry-after"]
        ok = client.post(f"/api/validate?source={SOURCE}", content=person("a", "a"),
                         headers={**TURTLE, **bearer(live, "alice")})
        assert ok.status_code == 200
    finally:
        slots.release()
    assert client.post(f"/api/validate?source={SOURCE}", content=person("a", "a"), headers=TURTLE).status_code == 200


def test_a_dry_run_does_not_wait_for_the_writers_lock(live):
    client, app = live[0], live[1]
    writers = app.state.runtime.curation._lock
    with writers:  # a curator's write in progress
        answer = client.post(f"/api/validate?source={SOURCE}", content=person("dry", "dry"), headers=TURTLE,
                             timeout=30)
    assert answer.status_code == 200 and answer.json()["validation"]["conforms"] is True


# --- /sparql ------------------------------------------------------------------------------------------------

def test_a_huge_form_is_refused_before_it_is_parsed(live):
    body = b"&".join(b"f%d=1" % i for i in range(12_000_000 // 8))
    assert_error(live[0].post("/sparql", content=body,
                              headers={"Content-Type": "application/x-www-form-urlencoded"}), 413, "payload_too_large")


def test_a_form_with_too_many_fields_is_400(live):
    fields = "&".join(f"default-graph-uri=http://e.example/g{i}" for i in range(60))
    body = assert_error(live[0].post("/sparql", content=f"query=ASK{{}}&{fields}",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "bad_request")
    assert "more than 50 fields" in body["message"]


def test_a_query_of_a_million_parentheses_is_refused_and_others_are_still_answered(live):
    client = live[0]
    query = "SELECT * WHERE { FILTER(" + "(" * 999_000 + "1" + ")" * 10 + ") }"
    answer = client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"})
    assert answer.status_code in (400, 413, 503), answer.status_code
    assert_error(answer, answer.status_code)
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_many_distinct_long_queries_are_each_answered(live):
    client = live[0]
    for i in range(40):
        filler = f"# {i} " + "x" * 16_000 + "\n"
        answer = client.post("/sparql", content=filler + f"ASK {{ FILTER({i} = {i}) }}",
                             headers={"Content-Type": "application/sparql-query"})
        assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_non_ascii_digits_in_paging_parameters_are_422(live):
    assert_error(live[0].get("/api/queries/framework-members", params={"framework": "mirps", "limit": "²"}),
                 422, "invalid_parameter")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_stream_cut_at_the_time_limit_logs_one_line_and_no_traceback(live):
    client = live[0]
    records = _Records()
    watched = [logging.getLogger("uvicorn.error"), logging.getLogger("partnergraph.access")]
    for logger in watched:
        logger.addHandler(records)
    try:
        with pytest.raises(httpx.HTTPError):  # the body ends without its last chunk
            with client.stream("GET", "/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"},
                               headers={"Accept": "text/csv"}) as response:
                assert response.status_code == 200
                for _ in response.iter_bytes():
                    threading.Event().wait(0.01)  # a slow reader: the limit passes while it streams
    finally:
        for logger in watched:
            logger.removeHandler(records)
    lines = [r.getMessage() for r in records.records]
    cut = [json.loads(line) for line in lines if line.startswith("{") and '"cut"' in line]
    assert cut and cut[0]["error"] == "query_timeout" and cut[0]["status"] == 200
    assert not [r for r in records.records if r.exc_info], lines
    assert not [line for line in lines if "without completing" in line or "Exception in ASGI" in line]


# --- writes ------------------------------------------------------------------------------------------------

def test_curators_may_not_create_graphs_under_the_data_prefix(live):
    client = live[0]
    graph = "https://w3id.org/partnergraph/graph/data/new-file"
    assert_error(client.post(f"/api/ingest?source={SOURCE}&graph={graph}", content=person("d", "d"),
                             headers={**TURTLE, **bearer(live, "alice")}), 403, "permission_denied")
    admin = client.post(f"/api/ingest?source={SOURCE}&graph={graph}", content=person("d", "d"),
                        headers={**TURTLE, **bearer(live, "root")})
    assert admin.status_code == 201


def test_a_new_token_with_a_revoked_tokens_name_does_not_inherit_its_batches(live):
    client, registry = live[0], live[3]
    _, first = registry.create("carol", "curator")
    graph = "https://example.org/graphs/carol"
    written = client.post(f"/api/ingest?source={SOURCE}&graph={graph}", content=person("carol", "Carol"),
                          headers={**TURTLE, "Authorization": f"Bearer {first}"})
    assert written.status_code == 201
    batch = written.json()["batch"]["id"]
    registry.revoke("carol")
    _, second = registry.create("carol", "curator")
    again = {**TURTLE, "Authorization": f"Bearer {second}"}
    assert_error(client.delete(f"/api/batches/{batch}", headers=again), 403, "permission_denied")
    assert_error(client.put(f"/graphs?graph={graph}&source={SOURCE}", content=person("carol", "C"), headers=again),
                 403, "permission_denied")


def test_a_damaged_token_file_is_503_without_the_files_path(live):
    client, root = live[0], live[4]
    path = root / "tokens.json"
    saved = path.read_bytes()
    path.write_text("{ damaged", encoding="utf-8")
    try:
        body = assert_error(client.post(f"/api/ingest?source={SOURCE}", content=person("t", "t"),
                                        headers={**TURTLE, **bearer(live, "alice")}), 503, "tokens_unavailable")
        assert str(root) not in body["message"] and "tokens.json" not in body["message"]
    finally:
        path.write_bytes(saved)


def test_canned_query_csv_neutralises_formulas(live):
    client = live[0]
    written = client.post(f"/api/ingest?source={SOURCE}", content=person("formula", "=2+3"),
                          headers={**TURTLE, **bearer(live, "alice")})
    assert written.status_code == 201, written.text[:300]
    table = client.get("/api/queries/sources-of-entity.csv", params={"entity": "person/formula"}).text
    assert "'=2+3" in table and ",=2+3" not in table
    standard = client.get("/sparql", headers={"Accept": "text/csv"}, params={
        "query": "SELECT ?n WHERE { <https://w3id.org/partnergraph/id/person/formula> "
                 "<http://xmlns.com/foaf/0.1/name> ?n }"}).text
    assert standard.splitlines()[1] == "=2+3"  # SPARQL CSV stays as the standard says


# --- hosts, links and headers --------------------------------------------------------------------------------

def test_requests_for_other_hosts_are_refused(live):
    assert_error(live[0].get("/api/queries", headers={"Host": "evil.example"}), 400, "untrusted_host")
    assert_error(live[0].get("/", headers={"Host": "attacker.test:8000"}), 400, "untrusted_host")


def test_links_are_built_from_the_public_base_url(live):
    client = live[0]
    written = client.post(f"/api/ingest?source={SOURCE}", content=person("linked", "Linked"),
                          headers={**TURTLE, **bearer(live, "alice")})
    assert written.headers["location"].startswith(PUBLIC + "/api/batches/")
    listing = client.get("/api/queries").json()["queries"]
    assert all(entry["url"].startswith(PUBLIC + "/api/queries/") for entry in listing)
    description = client.get("/sparql", headers={"Accept": "application/n-triples"}).text
    assert f"<{PUBLIC}/sparql>" in description
    page = client.get("/api/queries/framework-members", params={"framework": "mirps", "limit": 1}).json()
    assert page["next"].startswith(PUBLIC + "/api/queries/framework-members?")


@pytest.mark.parametrize("path", ["/", "/curate", "/docs"])
def test_pages_cannot_be_framed_and_load_only_their_own_scripts(live, path):
    response = live[0].get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in \
        policy.split("script-src")[1].split(";")[0]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_every_answer_says_nosniff(live):
    for response in (live[0].get("/api/queries"), live[0].get("/sparql", params={"query": "ASK {}"}),
                     live[0].get("/no/such/thing")):
        assert response.headers["x-content-type-options"] == "nosniff"
