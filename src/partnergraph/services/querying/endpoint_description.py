"""The SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/).

("Service" here is the W3C vocabulary's word for the endpoint; the module is named for what it describes.)
"""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from partnergraph.namespaces import XSD_INTEGER
from partnergraph.store.contract import GraphStore

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FORMATS = "http://www.w3.org/ns/formats/"
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads")


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


class EndpointDescription:
    """The SPARQL 1.1 Service Description of the endpoint, listing the store's named graphs."""

    def __init__(self, store: GraphStore, title: str, *, federation: bool) -> None:
        self.store = store
        self.title = title
        self.federation = federation

    def triples(self, endpoint_url: str) -> Iterator[Triple]:
        """The description of the endpoint at `endpoint_url`."""
        store, title, federation = self.store, self.title, self.federation
        service = NamedNode(endpoint_url)
        dataset = BlankNode()
        default_graph = BlankNode()
        yield Triple(service, RDF_TYPE, _sd("Service"))
        yield Triple(service, _sd("endpoint"), service)
        yield Triple(service, NamedNode("http://purl.org/dc/terms/title"), Literal(title))
        yield Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query"))
        yield Triple(service, _sd("feature"), _sd("UnionDefaultGraph"))
        if federation:
            yield Triple(service, _sd("feature"), _sd("BasicFederatedQuery"))
        for fmt in RESULT_FORMATS:
            yield Triple(service, _sd("resultFormat"), NamedNode(FORMATS + fmt))
        yield Triple(service, _sd("defaultDataset"), dataset)
        yield Triple(dataset, RDF_TYPE, _sd("Dataset"))
        yield Triple(dataset, _sd("defaultGraph"), default_graph)
        yield Triple(default_graph, RDF_TYPE, _sd("Graph"))
        for graph, size in sorted(store.graphs().items()):
            named = BlankNode()
            description = BlankNode()
            yield Triple(dataset, _sd("namedGraph"), named)
            yield Triple(named, RDF_TYPE, _sd("NamedGraph"))
            yield Triple(named, _sd("name"), NamedNode(graph))
            yield Triple(named, _sd("graph"), description)
            yield Triple(description, RDF_TYPE, _sd("Graph"))
            yield Triple(description, NamedNode("http://rdfs.org/ns/void#triples"), Literal(str(size),
                         datatype=NamedNode(XSD_INTEGER)))

