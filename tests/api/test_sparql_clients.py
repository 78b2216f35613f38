"""Real SPARQL clients against a running server: SPARQLWrapper, rdflib's SPARQLStore, curl."""

from __future__ import annotations

import json
import shutil
import subprocess

import pyoxigraph
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, N3, JSONLD, RDFXML, SPARQLWrapper

PG = "https://w3id.org/partnergraph/ontology#"
SLV = "https://w3id.org/partnergraph/id/state/SLV"
SELECT = f"SELECT ?s WHERE {{ ?s a <{PG}SovereignState> }}"
CONSTRUCT = f"CONSTRUCT {{ ?s a <{PG}SovereignState> }} WHERE {{ ?s a <{PG}SovereignState> }}"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(live_url, method, fmt):
    client = SPARQLWrapper(f"{live_url}/sparql")
    client.setMethod(method)
    client.setQuery(SELECT)
    client.setReturnFormat(fmt)
    result = client.query()
    converted = result.convert()
    if fmt == JSON:
        assert SLV in [b["s"]["value"] for b in converted["results"]["bindings"]]
    elif fmt == XML:
        assert SLV in converted.toxml()
    else:
        assert SLV in converted.decode()


@pytest.mark.parametrize("fmt,parser", [(TURTLE, "turtle"), (N3, "turtle"), (JSONLD, "json-ld"),
                                        (RDFXML, "xml")])
def test_sparqlwrapper_construct(live_url, fmt, parser):
    client = SPARQLWrapper(f"{live_url}/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(fmt)
    # SPARQLWrapper's own convert() builds a deprecated rdflib ConjunctiveGraph; parse the body directly
    result = client.query()
    body = result.response.read()
    if parser == "json-ld":  # rdflib's JSON-LD parser emits deprecation warnings of its own
        triples = {(t.subject.value, t.object.value)
                   for t in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.JSON_LD)}
        assert (SLV, PG + "SovereignState") in triples
        return
    graph = rdflib.Graph().parse(data=body, format=parser)
    assert (rdflib.URIRef(SLV), rdflib.RDF.type, rdflib.URIRef(PG + "SovereignState")) in graph


def test_rdflib_sparqlstore(live_url):
    store = SPARQLStore(query_endpoint=f"{live_url}/sparql", returnFormat="json")
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(SELECT))
    assert rdflib.URIRef(SLV) in [row[0] for row in rows]
    assert (rdflib.URIRef(SLV), rdflib.RDF.type, rdflib.URIRef(PG + "SovereignState")) in graph
    store.close()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("args,check", [
    (["--data-urlencode", f"query={SELECT}", "-H", "Accept: application/sparql-results+json"],
     lambda out: SLV in [b["s"]["value"] for b in json.loads(out)["results"]["bindings"]]),
    (["--data-binary", SELECT, "-H", "Content-Type: application/sparql-query", "-H", "Accept: text/csv"],
     lambda out: SLV in out),
    (["-G", "--data-urlencode", f"query={CONSTRUCT}", "-H", "Accept: text/turtle"],
     lambda out: len(rdflib.Graph().parse(data=out, format="turtle")) >= 20),
])
def test_curl(live_url, args, check):
    out = subprocess.run(["curl", "-sS", "--fail", *args, f"{live_url}/sparql"], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    assert check(out)
