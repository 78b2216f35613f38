"""Running the public's queries in-process on any GraphStore: for the remote backend, whose server does
the work and enforces its own limits (the HTTP client's timeout bounds the wait)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping

from partnergraph.errors import UnsupportedFormat
from partnergraph.rdf.formats import formats_for
from partnergraph.sparql.lexer import query_form
from partnergraph.store.contract import Dataset, GraphStore, Term


class DirectStream:
    """The serialised result of one query, already complete."""

    def __init__(self, form: str, body: bytes) -> None:
        self.form = form
        self._body: bytes | None = body

    def __iter__(self) -> Iterator[bytes]:
        body, self._body = self._body, None
        if body:
            yield body

    def read(self) -> bytes:
        """The whole result."""
        return b"".join(self)

    def close(self) -> None:
        """Drop the result."""
        self._body = None


class DirectExecutor:
    """Executes queries with `store.query` and serialises the answer; the time limit is the store's own."""

    def __init__(self, store: GraphStore, *, timeout: float | None = None) -> None:
        self.store = store
        self.timeout = timeout

    def execute(self, query: str, *, default_graphs: list[str] | None = None,
                named_graphs: list[str] | None = None, union_default_graph: bool = True,
                substitutions: Mapping[str, Term] | None = None, result_format: str = "json",
                timeout: float | None = None) -> DirectStream:
        """Run a query and return its serialised result."""
        form = query_form(query)
        allowed = [f.name for f in formats_for(form)]
        if result_format not in allowed:
            raise UnsupportedFormat(f"a {form} result cannot be written as {result_format!r}; "
                                    f"use one of {', '.join(allowed)}")
        dataset = None
        if not union_default_graph:
            dataset = Dataset(list(default_graphs or []), list(named_graphs or []))
        bindings = {str(k).lstrip("?$"): v for k, v in (substitutions or {}).items()}
        result = self.store.query(query, bindings=bindings or None, dataset=dataset)
        buffer = io.BytesIO()
        result.write(result_format, buffer)
        return DirectStream(form, buffer.getvalue())

    def store_changed(self) -> None:
        """Nothing to do: every query asks the store itself."""

    def status(self) -> dict:
        """The executor has no workers of its own."""
        return {"kind": "direct"}

    def close(self) -> None:
        """Nothing to release: the store is closed by its owner."""
