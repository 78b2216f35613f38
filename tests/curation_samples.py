"""What the curation tests share: the source document every sample batch cites, and Turtle prefixes."""

PGID = "https://w3id.org/partnergraph/id/"
SOURCE = PGID + "source/dhs-2019-09-20-joint-statement-el-salvador"
PREFIXES = """@prefix pg: <https://w3id.org/partnergraph/ontology#> .
@prefix pgid: <https://w3id.org/partnergraph/id/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
