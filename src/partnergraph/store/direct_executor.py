"""Running queries in-process on any GraphStore (used for the remote backend, where the server does the work)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from partnergraph.errors import UnsupportedFormat
from partnergraph.store.base import AskResult, Dataset, GraphResult, GraphStore
from partnergraph.store.rdf_io import serialize_rdf
from partnergraph.store.result_formats import RESULT_MEDIA_TYPES, serialize_results
from partnergraph.store.sparql_lexer import query_form

GRAPH_RESULT_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml")


class DirectStream:
    """Serialised result chunks of one query, computed as they are read."""

    def __init__(self, form: str, chunks: Iterator[bytes]) -> None:
        self.form = form
        self._chunks = chunks
        self._first: bytes | None = next(chunks, b"")

    def __iter__(self) -> Iterator[bytes]:
        if self._first:
            yield self._first
        self._first = None
        yield from self._chunks

    def close(self) -> None:
        """Stop producing chunks."""
        close = getattr(self._chunks, "close", None)
        if close:
            close()


class DirectExecutor:
    """Executes queries with `store.query`; the time limit is the store's own (e.g. the HTTP timeout)."""

    def __init__(self, store: GraphStore, *, timeout: float | None = None) -> None:
        self.store = store
        self.timeout = timeout

    def execute(self, query: str, *, default_graphs=None, named_graphs=None,
                union_default_graph: bool = True, substitutions: Mapping | None = None,
                result_format: str = "json", timeout: float | None = None) -> DirectStream:
        """Run a query and return its serialised result stream (first chunk computed)."""
        form = query_form(query)
        dataset = None
        if not union_default_graph:
            dataset = Dataset(list(default_graphs or []), list(named_graphs or []))
        bindings = {str(k).lstrip("?$"): v for k, v in (substitutions or {}).items()}
        result = self.store.query(query, bindings=bindings or None, dataset=dataset)
        if isinstance(result, GraphResult):
            if result_format not in GRAPH_RESULT_FORMATS:
                raise UnsupportedFormat(f"a {form} result cannot be written as {result_format!r}")
            return DirectStream(form, iter([serialize_rdf(result.triples, result_format)]))
        if result_format not in RESULT_MEDIA_TYPES or \
                (isinstance(result, AskResult) and result_format in ("csv", "tsv")):
            raise UnsupportedFormat(f"a {form} result cannot be written as {result_format!r}")
        return DirectStream(form, serialize_results(result, result_format))

    def close(self) -> None:
        """Nothing to release: the store is closed by its owner."""
