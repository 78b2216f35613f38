"""Streamed answers: chunks from a query or a serialiser, and what happens when one fails half-way."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from partnergraph.errors import PartnergraphError


class ResponseCut(BaseException):
    """A streamed response had to stop after it started; `code` says why.

    Not an Exception, so that no handler on the way tries to answer with an error response after the
    status was sent; the access log catches it, logs one line and closes the connection unfinished.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def cut_on_error(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks; an error after the first one cuts the response (see ResponseCut); always closed."""
    try:
        yield from chunks
    except PartnergraphError as exc:
        raise ResponseCut(exc.code, exc.message) from exc
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
