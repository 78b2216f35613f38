"""Running canned queries: bind parameters, page, and turn SPARQL results into plain rows."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from partnergraph.errors import InvalidParameter, PartnergraphError
from partnergraph.namespaces import XSD_BOOLEAN, XSD_NS
from partnergraph.services.querying.catalogue import Catalogue, CannedQuery
from partnergraph.services.querying.query_headers import RESERVED_NAMES
from partnergraph.store.contract import QueryExecutor

log = logging.getLogger(__name__)

_NUMBERS = {XSD_NS + t for t in ("integer", "int", "long", "short", "nonNegativeInteger",
                                 "positiveInteger", "negativeInteger", "nonPositiveInteger")}
_DECIMALS = {XSD_NS + "decimal", XSD_NS + "double", XSD_NS + "float"}
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}\Z")

EDITOR_EXAMPLE_QUERY = """\
# Agreements with their parties and signing dates
SELECT ?agreement ?title ?signed (GROUP_CONCAT(DISTINCT ?partyName; separator=", ") AS ?parties)
WHERE {
  ?agreement a/rdfs:subClassOf* pg:Agreement ;
             skos:prefLabel ?title ;
             pg:hasParty ?party .
  FILTER(langMatches(lang(?title), "en"))
  OPTIONAL { ?agreement pg:signingDate ?signed }
  OPTIONAL { ?party skos:prefLabel ?partyLabel FILTER(langMatches(lang(?partyLabel), "en")) }
  BIND(COALESCE(STR(?partyLabel), STR(?party)) AS ?partyName)
}
GROUP BY ?agreement ?title ?signed
ORDER BY (!BOUND(?signed)) (STR(?signed)) ?title
LIMIT 100
"""
"""The query the SPARQL editor opens with (its prefixes are declared by the page)."""


@dataclass
class CannedResult:
    """One page of a canned query's answer."""

    query: str
    params: dict[str, object]
    form: str
    columns: list[str]
    rows: list[dict[str, object]]
    truncated: bool
    limit: int | None
    offset: int
    graph_chunks: Iterator[bytes] | None = None  # CONSTRUCT/DESCRIBE results, already serialised
    sparql_json: dict | None = None  # the page as SPARQL JSON results (typed terms)


def plain_value(term: Mapping[str, str]) -> object:
    """A SPARQL JSON term as a plain JSON value: IRI or text as a string, numbers and booleans native."""
    kind, value = term.get("type"), term.get("value", "")
    if kind == "bnode":
        return f"_:{value}"
    if kind in ("literal", "typed-literal"):
        datatype = term.get("datatype")
        try:
            if datatype in _NUMBERS:
                return int(value)
            if datatype in _DECIMALS:
                number = float(value)
                return number if number == number and abs(number) != float("inf") else value
        except ValueError:
            return value
        if datatype == XSD_BOOLEAN:
            return value in ("true", "1")
    return value


class CannedQueryService:
    """Runs the catalogue's queries through a time-limited executor."""

    def __init__(self, catalogue: Catalogue, executor: QueryExecutor, *, timeout: float,
                 default_limit: int, max_limit: int) -> None:
        self.catalogue = catalogue
        self.executor = executor
        self.timeout = timeout
        self.default_limit = default_limit
        self.max_limit = max_limit

    def _page(self, limit: str | None, offset: str | None) -> tuple[int, int]:
        def number(name: str, raw: str | None, default: int, low: int, high: int | None) -> int:
            if raw is None or raw == "":
                return default
            if not _WHOLE_NUMBER.match(raw):
                raise InvalidParameter(name, f"expected a whole number, got {raw[:20]!r}")
            value = int(raw)
            if value < low or (high is not None and value > high):
                bound = f"between {low} and {high}" if high is not None else f"at least {low}"
                raise InvalidParameter(name, f"expected a number {bound}, got {value}")
            return value
        return (number("limit", limit, self.default_limit, 1, self.max_limit),
                number("offset", offset, 0, 0, None))

    def run(self, name: str, params: Mapping[str, Sequence[str]], *, limit: str | None = None,
            offset: str | None = None, graph_format: str = "turtle") -> CannedResult:
        """Run one page of a canned query; parameters are checked and bound as RDF terms."""
        query = self.catalogue.get(name)
        page_limit, page_offset = self._page(limit, offset)
        prepared = query.prepare({k: v for k, v in params.items() if k not in RESERVED_NAMES})
        if query.form in ("CONSTRUCT", "DESCRIBE"):
            stream = self.executor.execute(prepared.text, substitutions=prepared.bindings,
                                           result_format=graph_format, timeout=self.timeout)
            return CannedResult(name, prepared.params_echo, query.form, [], [], False, None, 0,
                                graph_chunks=_closing(stream))
        text = prepared.paged(page_limit, page_offset) if query.form == "SELECT" else prepared.text
        stream = self.executor.execute(text, substitutions=prepared.bindings, result_format="json",
                                       timeout=self.timeout)
        try:
            document = json.loads(b"".join(stream))
        finally:
            stream.close()
        if query.form == "ASK":
            return CannedResult(name, prepared.params_echo, "ASK", ["result"],
                                [{"result": bool(document.get("boolean"))}], False, None, 0,
                                sparql_json=document)
        columns = list(document["head"]["vars"])
        bindings = document["results"]["bindings"]
        truncated = len(bindings) > page_limit
        rows = [{c: plain_value(b[c]) if c in b else None for c in columns}
                for b in bindings[:page_limit]]
        page = {"head": document["head"], "results": {"bindings": bindings[:page_limit]}}
        return CannedResult(name, prepared.params_echo, "SELECT", columns, rows, truncated,
                            page_limit, page_offset, sparql_json=page)

    def editor_text(self, query: CannedQuery) -> tuple[str, bool]:
        """The query's text with its example values written in as VALUES blocks, as the API would bind
        them (an editor cannot send bindings); False when the examples could not be written in."""
        try:
            return query.prepare(query.example_params()).with_bindings_written(), True
        except PartnergraphError as exc:
            log.warning("canned query %s: example parameters not written into the editor text: %s",
                        query.name, exc)
            return query.sparql, False

    def describe(self, query: CannedQuery) -> dict:
        """The catalogue entry of one query, for listings and documentation."""
        return {
            "name": query.name,
            "title": query.title,
            "summary": query.summary,
            "description": query.description,
            "tags": list(query.tags),
            "form": query.form,
            "params": [
                {"name": spec.name, "type": spec.type, "required": spec.required, "list": spec.list,
                 "description": spec.description, "expected": spec.expected(),
                 "example": spec.example, "default": spec.default,
                 **({"values": list(spec.values)} if spec.type == "enum" else {})}
                for spec in query.params.values()
            ],
        }


def _closing(stream) -> Iterator[bytes]:
    try:
        yield from stream
    finally:
        stream.close()
