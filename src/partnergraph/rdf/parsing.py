"""Reading RDF in every common syntax, safely (no entity expansion, no network access), all or nothing.

Safety, as measured on pyoxigraph 0.5.13:
- Its RDF/XML parser expands internal entities, recursively: a "billion laughs" document grew to a
  2 GB literal in 73 s. It refuses `SYSTEM` entities and never fetches an external DTD, and it reads
  UTF-8 only. So RDF/XML that declares any entity (`<!ENTITY` in its bytes, which is all the parser can
  see) is refused before parsing.
- Its JSON-LD parser has no document loader: a remote `@context` (or `@import`) fails with "No
  LoadDocumentCallback has been set" and nothing is fetched. We report that as a clear RdfSyntaxError.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from xml.parsers import expat

import pyoxigraph as ox

from partnergraph.errors import InputNotFound, PayloadTooLarge, RdfSyntaxError
from partnergraph.rdf.formats import JSON_LD, RDF_XML, Representation, has_extension, rdf_syntax
from partnergraph.rdf.nesting import json_depth, xml_depth

MAX_NESTING = 100
"""Deepest nesting accepted in JSON-LD and RDF/XML (see `nesting`); real data stays far below."""
_DEADLINE_STEP = 1000  # statements between two looks at the clock

_ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_PARSER_PREFIX = re.compile(r"^Parser error (?:at|between) line \d+ column \d+(?: and line \d+ column \d+)?: ")


def check_xml_safety(data: bytes, source: str) -> None:
    """Refuse XML that declares entities (expansion bombs, external entities) before any parsing."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        raise RdfSyntaxError(f"{source}: RDF/XML must be UTF-8 encoded (this looks like UTF-16 or UTF-32)",
                             source=source, line=1, column=1)
    match = _ENTITY_DECLARATION.search(data)
    if match:
        line = data.count(b"\n", 0, match.start()) + 1
        column = match.start() - (data.rfind(b"\n", 0, match.start()) + 1) + 1
        raise RdfSyntaxError(
            f"{source}: line {line}, column {column}: RDF/XML that declares XML entities (<!ENTITY ...>) "
            "is refused: entity expansion can exhaust memory and external entities can read files; "
            "write the IRIs out in full", source=source, line=line, column=column)


def _syntax_error(exc: SyntaxError, source: str) -> RdfSyntaxError:
    message = _PARSER_PREFIX.sub("", str(exc.msg if isinstance(exc.msg, str) else exc))
    line = exc.lineno if isinstance(exc.lineno, int) else None
    column = exc.offset if isinstance(exc.offset, int) else None
    if "LoadDocumentCallback" in message:
        message = "remote JSON-LD contexts are not fetched; put the @context inline in the document"
    where = f"line {line}, column {column}: " if line is not None else ""
    return RdfSyntaxError(f"{source}: {where}{message}", source=source, line=line, column=column)


def _locate_xml_error(content: bytes, error: RdfSyntaxError) -> RdfSyntaxError:
    """Add expat's line and column to an RDF/XML error pyoxigraph did not locate (entities already refused)."""
    parser = expat.ParserCreate()
    try:
        parser.Parse(content, True)
    except expat.ExpatError as exc:
        line, column = exc.lineno, exc.offset + 1
        message = error.message.removeprefix(f"{error.source}: ")
        return RdfSyntaxError(f"{error.source}: line {line}, column {column}: {message}",
                              source=error.source, line=line, column=column)
    return error


def parse_rdf(data: bytes | str | Path, fmt: str | None = None, *, media_type: str | None = None,
              base_iri: str | None = None, source: str | None = None) -> list[ox.Triple | ox.Quad]:
    """Parse RDF from a file path (str or Path) or bytes, all or nothing.

    `fmt` is a format name or media type; otherwise `media_type`, then the file extension of the
    path (or of `source` for bytes) decide. Statements in the default graph come back as Triples,
    those in a named graph (TriG, N-Quads, JSON-LD) as Quads.
    """
    if isinstance(data, (str, Path)):
        path = Path(data)
        source = source or str(path)
        if not path.is_file():
            raise InputNotFound(f"{path}: no such file")
        syntax = rdf_syntax(name=fmt, media_type=media_type, path=path)
        base_iri = base_iri or path.resolve().as_uri()
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise InputNotFound(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    else:
        content = bytes(data)
        source = source or "input"
        syntax = rdf_syntax(name=fmt, media_type=media_type, path=source if has_extension(source) else None)
    return parse_bytes(content, syntax, base_iri=base_iri, source=source)


def check_nesting(content: bytes, syntax: Representation, source: str, limit: int = MAX_NESTING) -> None:
    """Refuse JSON-LD or RDF/XML that nests deeper than `limit` (their parsers are quadratic in depth)."""
    if syntax is JSON_LD:
        depth = json_depth(content, limit)
    elif syntax is RDF_XML:
        depth = xml_depth(content, limit)
    else:
        return
    if depth > limit:
        raise RdfSyntaxError(f"{source}: the document nests more than {limit} levels deep; partnergraph "
                             f"reads {syntax.name} documents up to {limit} levels (flatten it, or send "
                             "Turtle or N-Triples)", source=source)


def parse_bytes(content: bytes, syntax: Representation, *, base_iri: str | None = None,
                source: str = "input", timeout: float | None = None) -> list[ox.Triple | ox.Quad]:
    """Parse bytes in a known syntax, all or nothing (see `parse_rdf`).

    With `timeout`, parsing stops with PayloadTooLarge once that many seconds have passed; the clock is
    read between statements, and the nesting bound keeps the time one statement can take small.
    """
    if syntax is RDF_XML:
        check_xml_safety(content, source)
    check_nesting(content, syntax, source)
    deadline = time.monotonic() + timeout if timeout is not None else None
    try:
        statements = []
        for statement in ox.parse(content, format=syntax.rdf, base_iri=base_iri):
            statements.append(statement)
            if deadline is not None and len(statements) % _DEADLINE_STEP == 0 and time.monotonic() > deadline:
                raise PayloadTooLarge(f"{source}: parsing took longer than {timeout:g} s and was stopped after "
                                      f"{len(statements)} statements; send smaller batches")
    except MemoryError as exc:
        raise PayloadTooLarge(f"{source}: a single term (a literal or an IRI) is larger than the parser "
                              f"accepts ({exc}); large texts belong in a file that a source node links to") from exc
    except SyntaxError as exc:
        error = _syntax_error(exc, source)
        if syntax is RDF_XML and error.line is None:
            error = _locate_xml_error(content, error)
        raise error from exc
    except (OSError, ValueError) as exc:
        raise RdfSyntaxError(f"{source}: {exc}", source=source) from exc
    return [q if isinstance(q.graph_name, (ox.NamedNode, ox.BlankNode)) else
            ox.Triple(q.subject, q.predicate, q.object) for q in statements]
