"""RDF namespaces and the IRIs of partnergraph's own graphs, used across partnergraph (imports only rdflib)."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, XSD

PG = Namespace("https://w3id.org/partnergraph/ontology#")
PGSH = Namespace("https://w3id.org/partnergraph/shapes#")
PGC = Namespace("https://w3id.org/partnergraph/concept/")
PGID = Namespace("https://w3id.org/partnergraph/id/")
PGG = Namespace("https://w3id.org/partnergraph/graph/")
WD = Namespace("http://www.wikidata.org/entity/")

ONTOLOGY_IRI = "https://w3id.org/partnergraph/ontology"
ONTOLOGY_GRAPH = PGG["ontology"]
STAGING_PREFIX = str(PGG["staging/"])
"""Graphs under this prefix are a store backend's scratch space: never listed, never written by callers."""

XSD_NS = str(XSD)
XSD_STRING = XSD_NS + "string"
XSD_INTEGER = XSD_NS + "integer"
XSD_BOOLEAN = XSD_NS + "boolean"
XSD_DATE = XSD_NS + "date"
XSD_GYEAR_MONTH = XSD_NS + "gYearMonth"
XSD_GYEAR = XSD_NS + "gYear"
XSD_DATETIME = XSD_NS + "dateTime"

PREFIXES: dict[str, str] = {
    "pg": str(PG),
    "pgsh": str(PGSH),
    "pgc": str(PGC),
    "pgid": str(PGID),
    "pgg": str(PGG),
    "org": str(ORG),
    "time": str(TIME),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "wd": str(WD),
}


def sparql_prologue() -> str:
    """PREFIX declarations for every namespace in PREFIXES."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
