"""Writing RDF terms into SPARQL text: pyoxigraph's N-Triples form, which is valid SPARQL and escapes
every character the grammar treats specially, so a value never becomes query syntax."""

from __future__ import annotations

import pyoxigraph as ox

from partnergraph.errors import QuerySyntaxError


def term_to_sparql(term: ox.NamedNode | ox.Literal) -> str:
    """One IRI or literal in SPARQL syntax (N-Triples form); blank nodes and other values are refused."""
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return str(term)
    if isinstance(term, ox.BlankNode):
        raise QuerySyntaxError("a blank node cannot be written into a query as a value")
    raise TypeError(f"not an RDF term: {type(term).__name__}")
