"""Reading what a SPARQL 1.1 server answers: results, N-Triples, errors, streamed bodies.

Everything here is about one HTTP exchange with the remote store; `store.py` decides which exchanges to
make. Messages never carry credentials or query strings of URLs (`safe_url`).
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit, urlunsplit
from collections.abc import Iterator, Mapping

import httpx
import pyoxigraph as ox

from partnergraph.errors import QueryEvaluationError, QueryTimeout, StoreError
from partnergraph.rdf.iris import absolute_iri
from partnergraph.store.contract import Term

_CHUNK = 64 * 1024
_EXCERPT = 300
_VARIABLE = re.compile(r"[?$]?(\w+)\Z")


def graph_node(graph: str) -> ox.NamedNode:
    """The NamedNode of a graph IRI (StoreError if it is not an absolute IRI)."""
    return absolute_iri(graph, "a graph name")


def checked_bindings(bindings: Mapping[str, Term]) -> dict[str, Term]:
    """Variable name (without `?`/`$`) -> term; only IRIs and literals, as in the embedded store."""
    checked = {}
    for name, term in bindings.items():
        match = _VARIABLE.match(name)
        if not match:
            raise QueryEvaluationError(f"not a SPARQL variable name: {name!r}")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryEvaluationError(
                f"?{match.group(1)} can only be bound to an IRI or a literal, not {type(term).__name__}")
        checked[match.group(1)] = term
    return checked


def check_type(response: httpx.Response, accepted: tuple[str, ...], what: str) -> None:
    """StoreError unless the answer has one of the accepted media types."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in accepted:
        raise StoreError(f"the remote store answered {what} with {media_type or 'no media type'}, "
                         f"expected {accepted[0]}")


def safe_url(url: str) -> str:
    """The URL without user name, password or query string (never put credentials in messages)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def excerpt(text: str) -> str:
    """The text on one line, cut to a few hundred characters (for error messages)."""
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."


def chunks(buffer: io.IOBase) -> Iterator[bytes]:
    """A file's content in 64 KiB pieces (for streamed request bodies)."""
    while chunk := buffer.read(_CHUNK):
        yield chunk


def failed_answer(body: bytes) -> QueryEvaluationError | QueryTimeout:
    """The error for a 200 answer that breaks off: the server failed after it started answering."""
    tail = excerpt(body[-_EXCERPT:].decode("utf-8", "replace"))
    if "cancelled" in tail.lower():
        return QueryTimeout(f"the remote store stopped the query at its time limit: ...{tail}")
    return QueryEvaluationError(f"the remote store failed while answering the query: ...{tail}")


def results(body: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    """SPARQL JSON results read by pyoxigraph; a body that does not parse to its end is a query that broke
    off (so it is read through once here, and the solutions handed over are a second, lazy reading)."""
    try:
        parsed = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QuerySolutions):
            for _ in parsed:
                pass
            parsed = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        return parsed
    except (SyntaxError, ValueError) as exc:
        raise failed_answer(body) from exc


def triples(body: bytes) -> list[ox.Triple]:
    """The triples of an N-Triples answer (a body that does not parse is a query that broke off)."""
    try:
        return [ox.Triple(q.subject, q.predicate, q.object)
                for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as exc:
        raise failed_answer(body) from exc


class ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks (a streamed HTTP body, for pyoxigraph.parse)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
