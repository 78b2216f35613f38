"""Writing RDF statements in any syntax of the registry, whole or as a stream of chunks."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import pyoxigraph as ox

from partnergraph.rdf.formats import PREFIXED_SYNTAXES, rdf_syntax

_STREAM_CHUNK = 64 * 1024
_STREAM_QUEUE = 8  # chunks waiting for the reader: memory stays at a few hundred kB


def _statements(statements: Iterable[ox.Triple | ox.Quad], datasets: bool):
    if datasets:
        return (s if isinstance(s, ox.Quad) else ox.Quad(s.subject, s.predicate, s.object) for s in statements)
    return (ox.Triple(s.subject, s.predicate, s.object) if isinstance(s, ox.Quad) else s for s in statements)


def serialize_rdf(statements: Iterable[ox.Triple | ox.Quad], fmt: str,
                  prefixes: dict[str, str] | None = None,
                  output: BinaryIO | None = None) -> bytes | None:
    """Serialise triples or quads in a syntax named by `fmt`; bytes, or None when written into `output`.

    Quads lose their graph in triple-only syntaxes (Turtle, N-Triples, RDF/XML, N3).
    """
    syntax = rdf_syntax(name=fmt)
    items = _statements(statements, syntax.has_datasets)
    kwargs = {"prefixes": prefixes} if prefixes and syntax.name in PREFIXED_SYNTAXES else {}
    if output is not None:
        ox.serialize(items, output, format=syntax.rdf, **kwargs)
        return None
    return ox.serialize(items, format=syntax.rdf, **kwargs)


class _QueueWriter:
    """A binary file object that hands what is written to a bounded queue, in chunks."""

    def __init__(self, chunks: queue.Queue) -> None:
        self.chunks = chunks
        self.buffer = bytearray()
        self.cancelled = False

    def write(self, data: bytes) -> int:
        if self.cancelled:
            raise BrokenPipeError("the reader went away")
        self.buffer += data
        if len(self.buffer) >= _STREAM_CHUNK:
            self.chunks.put(bytes(self.buffer))
            self.buffer.clear()
        return len(data)

    def flush(self) -> None:
        """Nothing: chunks leave as they fill."""


def serialize_stream(statements: Iterable[ox.Triple | ox.Quad], fmt: str,
                     prefixes: dict[str, str] | None = None) -> Iterator[bytes]:
    """Serialise in a background thread and yield the bytes in chunks as they are written.

    For syntaxes whose documents cannot be split (JSON-LD, RDF/XML) this still streams: pyoxigraph's
    serialisers write as they go, so memory stays bounded by the queue whatever the size of the graph.
    Closing the iterator early stops the serialiser.
    """
    chunks: queue.Queue = queue.Queue(maxsize=_STREAM_QUEUE)
    writer = _QueueWriter(chunks)
    done = object()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            serialize_rdf(statements, fmt, prefixes, output=writer)
            if writer.buffer:
                chunks.put(bytes(writer.buffer))
        except BaseException as exc:  # handed to the reader, who raises it
            failure.append(exc)
        finally:
            chunks.put(done)

    thread = threading.Thread(target=produce, name="partnergraph-serializer", daemon=True)
    thread.start()
    try:
        while (chunk := chunks.get()) is not done:
            yield chunk
        if failure and not writer.cancelled:
            raise failure[0]
    finally:
        writer.cancelled = True
        while thread.is_alive():  # let a blocked producer reach its next write, see the cancel and stop
            try:
                chunks.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()
