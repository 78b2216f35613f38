"""Curation over HTTP on the real app and a real on-disk store: ingest, validate, batches, revert, /graphs."""

from __future__ import annotations

import json

import pytest
import rdflib
from fastapi.testclient import TestClient

from partnergraph.app import create_app
from partnergraph.services.tokens import TokenRegistry
from partnergraph.settings import Settings
from tests.app_settings import TEST_HOSTS
from tests.curation_samples import PGID, PREFIXES, SOURCE

PG = "https://w3id.org/partnergraph/ontology#"
PERSON = PREFIXES + """
pgid:person\\/test-curated-person a foaf:Person ;
    foaf:name "Test Curated Person" ;
    skos:prefLabel "Test Curated Person"@en ;
    prov:wasDerivedFrom pgid:source\\/dhs-2019-09-20-joint-statement-el-salvador .
"""
# A third signature of the US-El Salvador agreement, on behalf of a state that is not a party.
NON_PARTY_SIGNATURE = PREFIXES + """
pgid:signature\\/us-slv-aca-2019-test
    a pg:Signature ;
    pg:ofAgreement pgid:agreement\\/us-slv-aca-2019 ;
    pg:signatory pgid:person\\/kevin-k-mcaleenan ;
    pg:onBehalfOf pgid:state\\/GTM ;
    pg:signingDate "2019-09-20"^^xsd:date ;
    prov:wasDerivedFrom pgid:source\\/dhs-2019-09-20-joint-statement-el-salvador .
"""
# A signature of a stored agreement by a stored person on behalf of a stored party: refers only to known nodes.
KNOWN_REFERENCES = NON_PARTY_SIGNATURE.replace("state\\/GTM", "state\\/SLV")
UNKNOWN_REFERENCE = NON_PARTY_SIGNATURE.replace("state\\/GTM", "state\\/SLV").replace(
    "agreement\\/us-slv-aca-2019", "agreement\\/no-such-agreement")
TURTLE = {"Content-Type": "text/turtle"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("curation")
    settings = Settings(store=str(root / "store"), tokens_file=str(root / "tokens.json"), query_workers=1,
                        trusted_hosts=TEST_HOSTS,
                        max_body_bytes=256 * 1024)
    registry = TokenRegistry(root / "tokens.json")
    tokens = {name: registry.create(name, role)[1] for name, role in
              (("alice", "curator"), ("bob", "curator"), ("root", "admin"))}
    with TestClient(create_app(settings)) as client:
        yield client, tokens, registry


@pytest.fixture
def client(server):
    return server[0]


def auth(server, name: str) -> dict:
    return {"Authorization": f"Bearer {server[1][name]}"}


def snapshot(client) -> str:
    """Every quad of the store, sorted (N-Quads through SPARQL would lose graph names: use a CONSTRUCT per graph)."""
    rows = client.post("/sparql", data={"query": "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"},
                       headers={"Accept": "text/csv"}).text.splitlines()
    return "\n".join(sorted(rows))


def ingest(client, server, body: str, who: str = "alice", **params) -> object:
    params.setdefault("source", SOURCE)
    return client.post("/api/ingest", params=params, content=body.encode(), headers={**TURTLE, **auth(server, who)})


def ask(client, query: str) -> bool:
    return client.get("/sparql", params={"query": PREFIXES.replace("@prefix", "PREFIX").replace(" .\n", "\n") + query},
                      headers={"Accept": "application/sparql-results+json"}).json()["boolean"]


def test_a_valid_batch_lands_with_provenance_queryable_in_sparql(client, server):
    response = ingest(client, server, PERSON, comment="a test person")
    assert response.status_code == 201, response.text
    body = response.json()
    batch = body["batch"]
    assert body["ok"] and batch["curator"] == "alice" and batch["triple_count"] == 4
    assert batch["sources"] == [SOURCE] and batch["comment"] == "a test person"
    assert response.headers["location"].endswith(f"/api/batches/{batch['id']}")
    assert ask(client, f"""ASK {{ GRAPH ?g {{ pgid:person\\/test-curated-person foaf:name "Test Curated Person" }}
        ?batch pg:targetGraph ?g ; prov:used <{SOURCE}> ; prov:wasAssociatedWith/<http://www.w3.org/2000/01/rdf-schema#label> "alice" ;
               prov:endedAtTime ?when . }}""")
    record = client.get(f"/api/batches/{batch['id']}").json()
    assert record["batch"]["id"] == batch["id"] and len(record["triples"]) == 4
    turtle = client.get(f"/api/batches/{batch['id']}", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=turtle.text, format="turtle")) == 4


def test_a_batch_referring_to_stored_nodes_validates(client, server):
    response = ingest(client, server, KNOWN_REFERENCES)
    assert response.status_code == 201, response.text
    assert response.json()["validation"]["violations"] == 0


def test_an_unknown_reference_is_refused_with_the_report_and_nothing_changes(client, server):
    before = snapshot(client)
    response = ingest(client, server, UNKNOWN_REFERENCE)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["ok"] is False and body["code"] == "validation_failed"
    problems = {(r["focus_node"]["value"], r["path"]) for r in body["details"] if r["severity"] == "Violation"}
    assert (PGID + "signature/us-slv-aca-2019-test", PG + "ofAgreement") in problems
    assert all(r["line"] == 8 for r in body["details"] if r["focus_node"]["value"].endswith("aca-2019-test"))
    assert snapshot(client) == before


def test_a_rule_broken_together_with_stored_data_is_refused(client, server):
    before = snapshot(client)
    response = ingest(client, server, NON_PARTY_SIGNATURE)
    assert response.status_code == 422
    details = response.json()["details"]
    assert any(r["source_shape"] == "https://w3id.org/partnergraph/shapes#SignatureOnBehalfOfPartyRule"
               and r["severity"] == "Violation" for r in details), details
    assert snapshot(client) == before


def test_the_report_comes_as_shacl_turtle_on_request(client, server):
    response = client.post("/api/ingest", params={"source": SOURCE}, content=UNKNOWN_REFERENCE.encode(),
                           headers={**TURTLE, **auth(server, "alice"), "Accept": "text/turtle"})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, sh.conforms, rdflib.Literal(False)) in graph
    assert (None, sh.focusNode, rdflib.URIRef(PGID + "signature/us-slv-aca-2019-test")) in graph


@pytest.mark.parametrize("case, status, code", [
    ("no source", 422, "invalid_batch"),
    ("relative source", 422, "invalid_batch"),
    ("relative graph", 422, "invalid_batch"),
    ("two graphs in TriG", 422, "invalid_batch"),
    ("remote JSON-LD context", 400, "rdf_syntax_error"),
    ("syntax error", 400, "rdf_syntax_error"),
    ("no content type", 415, "unsupported_media_type"),
    ("entity expansion", 400, "rdf_syntax_error"),
    ("too large", 413, "payload_too_large"),
    ("no token", 401, "authentication_required"),
    ("bad token", 401, "authentication_required"),
    ("model graph", 403, "permission_denied"),
    ("data graph as curator", 403, "permission_denied"),
])
def test_bad_writes_get_a_clear_error_and_change_nothing(client, server, case, status, code):
    before = snapshot(client)
    headers = {**TURTLE, **auth(server, "alice")}
    params = {"source": SOURCE}
    body = PERSON.encode()
    if case == "no source":
        params = {}
    elif case == "relative source":
        params = {"source": "not an iri"}
    elif case == "relative graph":
        params["graph"] = "people"
    elif case == "two graphs in TriG":
        headers["Content-Type"] = "application/trig"
        body = b"<http://example.org/g1> { <http://example.org/s> <http://example.org/p> 1 } " \
               b"<http://example.org/g2> { <http://example.org/s> <http://example.org/p> 2 }"
    elif case == "remote JSON-LD context":
        headers["Content-Type"] = "application/ld+json"
        body = b'{"@context": "https://schema.org/", "@id": "https://example.org/x", "name": "x"}'
    elif case == "syntax error":
        body = PREFIXES.encode() + b"\npgid:x a pg:Agreement ;\n  pg:hasParty .\n"
    elif case == "no content type":
        headers.pop("Content-Type")
    elif case == "entity expansion":
        headers["Content-Type"] = "application/rdf+xml"
        body = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    elif case == "too large":
        body = PERSON.encode() + b"#" * (300 * 1024)
    elif case == "no token":
        headers.pop("Authorization")
    elif case == "bad token":
        headers["Authorization"] = "Bearer pgt_not-a-real-token"
    elif case == "model graph":
        params["graph"] = "https://w3id.org/partnergraph/graph/ontology"
    elif case == "data graph as curator":
        params["graph"] = "https://w3id.org/partnergraph/graph/data/states"
    response = client.post("/api/ingest", params=params, content=body, headers=headers)
    assert response.status_code == status, response.text
    error = response.json()
    assert error["ok"] is False and error["code"] == code and error["message"]
    if case == "syntax error":
        assert error["details"][0]["line"] == 9
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert snapshot(client) == before


def test_validate_is_a_dry_run(client, server):
    before = snapshot(client)
    good = client.post("/api/validate", params={"source": SOURCE}, content=PERSON.replace("test-curated", "dry").encode(),
                       headers=TURTLE)
    bad = client.post("/api/validate", params={"source": SOURCE}, content=UNKNOWN_REFERENCE.encode(), headers=TURTLE)
    assert good.status_code == 200 and good.json()["validation"]["conforms"] is True
    assert bad.status_code == 200 and bad.json()["validation"]["conforms"] is False
    assert any("line" in r for r in bad.json()["validation"]["results"])
    assert snapshot(client) == before


def test_revert_removes_the_batch_and_is_recorded(client, server):
    body = PERSON.replace("test-curated-person", "to-revert")
    batch = ingest(client, server, body).json()["batch"]
    assert client.delete(f"/api/batches/{batch['id']}", headers=auth(server, "bob")).status_code == 403
    response = client.delete(f"/api/batches/{batch['id']}", params={"comment": "wrong person"},
                             headers=auth(server, "alice"))
    assert response.status_code == 200, response.text
    reverted = response.json()["batch"]["reverted"]
    assert reverted["curator"] == "alice" and reverted["comment"] == "wrong person"
    assert not ask(client, "ASK { pgid:person\\/to-revert ?p ?o }")
    assert ask(client, f"ASK {{ ?r pg:reverts <{PGID}batch/{batch['id']}> }}")
    assert client.delete(f"/api/batches/{batch['id']}", headers=auth(server, "alice")).status_code == 409
    record = client.get(f"/api/batches/{batch['id']}").json()
    assert record["batch"]["reverted"]["comment"] == "wrong person" and len(record["triples"]) == 4


def test_an_admin_reverts_any_batch_and_unknown_batches_are_404(client, server):
    batch = ingest(client, server, PERSON.replace("test-curated-person", "admin-reverts"), who="bob").json()["batch"]
    assert client.delete(f"/api/batches/{batch['id']}", headers=auth(server, "root")).status_code == 200
    assert client.get("/api/batches/20260101T000000Z-000000").status_code == 404
    assert client.get("/api/batches/not-an-id").status_code == 404


def test_batches_are_listed_and_filtered(client, server):
    ingest(client, server, PERSON.replace("test-curated-person", "listed"), who="bob", comment="listed")
    everything = client.get("/api/batches").json()
    assert everything["ok"] and everything["total"] >= 1
    bobs = client.get("/api/batches", params={"curator": "bob"}).json()["batches"]
    assert bobs and all(b["curator"] == "bob" for b in bobs)
    assert client.get("/api/batches", params={"source": "https://example.org/none"}).json()["batches"] == []
    assert client.get("/api/batches", params={"since": "2999-01-01"}).json()["batches"] == []
    page = client.get("/api/batches", params={"limit": 1}).json()
    assert len(page["batches"]) == 1 and (page["next"] is None) == (page["total"] == 1)
    assert client.get("/api/batches", params={"since": "yesterday"}).status_code == 422


def test_graph_store_protocol_put_get_post_delete(client, server):
    graph = "https://example.org/graphs/curated-people"
    headers = {**TURTLE, **auth(server, "alice")}
    created = client.put("/graphs", params={"graph": graph, "source": SOURCE},
                         content=PERSON.replace("test-curated-person", "gsp-one").encode(), headers=headers)
    assert created.status_code == 201, created.text
    read = client.get("/graphs", params={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert read.status_code == 200 and len(read.text.strip().splitlines()) == 4
    assert client.head("/graphs", params={"graph": graph}).status_code == 200
    appended = client.post("/graphs", params={"graph": graph, "source": SOURCE},
                           content=PERSON.replace("test-curated-person", "gsp-two").encode(), headers=headers)
    assert appended.status_code == 200 and appended.json()["triple_count"] == 8
    assert appended.json()["batch"]["replaces"] == created.json()["batch"]["id"]
    other = client.put("/graphs", params={"graph": graph, "source": SOURCE}, content=PERSON.encode(),
                       headers={**TURTLE, **auth(server, "bob")})
    assert other.status_code == 403
    deleted = client.delete("/graphs", params={"graph": graph}, headers=auth(server, "alice"))
    assert deleted.status_code == 200 and deleted.json()["operation"] == "delete"
    assert client.get("/graphs", params={"graph": graph}).status_code == 404
    # undo the delete: the graph comes back with both persons
    assert client.delete(f"/api/batches/{deleted.json()['batch']['id']}", headers=auth(server, "alice")).status_code == 200
    assert len(client.get("/graphs", params={"graph": graph}, headers={"Accept": "application/n-triples"})
               .text.strip().splitlines()) == 8
    # the earlier batches cannot be reverted while a later one still builds on them
    assert client.delete(f"/api/batches/{created.json()['batch']['id']}", headers=auth(server, "alice")).status_code == 409


def test_revoked_tokens_stop_working_without_restart(client, server):
    registry = server[2]
    info, secret = registry.create("carol", "curator")
    headers = {**TURTLE, "Authorization": f"Bearer {secret}"}
    body = PERSON.replace("test-curated-person", "carol-one").encode()
    assert client.post("/api/ingest", params={"source": SOURCE}, content=body, headers=headers).status_code == 201
    registry.revoke("carol")
    body = PERSON.replace("test-curated-person", "carol-two").encode()
    assert client.post("/api/ingest", params={"source": SOURCE}, content=body, headers=headers).status_code == 401


def test_curation_operations_are_in_the_openapi_document(client):
    spec = client.get("/openapi.json").json()
    for path, method in (("/api/ingest", "post"), ("/api/validate", "post"), ("/api/batches", "get"),
                         ("/api/batches/{batch_id}", "delete"), ("/graphs", "put")):
        assert method in spec["paths"][path], path
    assert "bearer" in json.dumps(spec["components"]["securitySchemes"]).lower()
