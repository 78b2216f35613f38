"""Reading and writing RDF in every common syntax, safely (no entity expansion, no network access).

Safety, as measured on pyoxigraph 0.5.13:
- Its RDF/XML parser expands internal entities, recursively: a "billion laughs" document grew to a
  2 GB literal in 73 s. It refuses `SYSTEM` entities and never fetches an external DTD, and it reads
  UTF-8 only. So RDF/XML that declares any entity (`<!ENTITY` in its bytes, which is all the parser can
  see) is refused before parsing.
- Its JSON-LD parser has no document loader: a remote `@context` (or `@import`) fails with "No
  LoadDocumentCallback has been set" and nothing is fetched. We report that as a clear RdfSyntaxError.
"""

from __future__ import annotations

import hashlib
import re
from xml.parsers import expat
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from partnergraph.errors import InputNotFound, RdfSyntaxError, UnsupportedFormat

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "n3": ox.RdfFormat.N3,
}
EXTENSIONS = {".ttl": "turtle", ".turtle": "turtle", ".nt": "ntriples", ".nq": "nquads",
              ".trig": "trig", ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "rdfxml",
              ".xml": "rdfxml", ".owl": "rdfxml", ".n3": "n3"}
MEDIA_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle",
               "application/n-triples": "ntriples", "text/plain": "ntriples",
               "application/n-quads": "nquads", "application/trig": "trig",
               "application/ld+json": "jsonld", "application/json": "jsonld",
               "application/rdf+xml": "rdfxml", "application/xml": "rdfxml", "text/xml": "rdfxml",
               "text/n3": "n3"}
MEDIA_TYPE_OF = {"turtle": "text/turtle", "ntriples": "application/n-triples",
                 "nquads": "application/n-quads", "trig": "application/trig",
                 "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml", "n3": "text/n3"}
QUAD_FORMATS = ("nquads", "trig", "jsonld")

_ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_PARSER_PREFIX = re.compile(r"^Parser error (?:at|between) line \d+ column \d+(?: and line \d+ column \d+)?: ")


def _supported() -> str:
    return f"formats {', '.join(FORMATS)}; media types {', '.join(MEDIA_TYPES)}; " \
           f"extensions {' '.join(EXTENSIONS)}"


def format_name(*, path: str | Path | None = None, media_type: str | None = None,
                name: str | None = None) -> str:
    """The format name for an explicit name or media type, a media type, or a file extension."""
    if name:
        key = name.split(";")[0].strip().lower()
        if key in FORMATS:
            return key
        if key in MEDIA_TYPES:
            return MEDIA_TYPES[key]
        raise UnsupportedFormat(f"unknown RDF format {name!r}; supported: {_supported()}")
    if media_type:
        key = media_type.split(";")[0].strip().lower()
        if key in MEDIA_TYPES:
            return MEDIA_TYPES[key]
        raise UnsupportedFormat(f"unsupported RDF media type {media_type!r}; supported: {_supported()}")
    if path is not None:
        suffix = Path(path).suffix.lower()
        if suffix in EXTENSIONS:
            return EXTENSIONS[suffix]
        raise UnsupportedFormat(f"cannot tell the RDF syntax of {Path(path).name!r} from its extension; "
                                f"supported: {_supported()}")
    raise UnsupportedFormat(f"no RDF format given; supported: {_supported()}")


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
        name = format_name(name=fmt, media_type=media_type, path=path)
        base_iri = base_iri or path.resolve().as_uri()
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise InputNotFound(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    else:
        content = bytes(data)
        source = source or "input"
        name = format_name(name=fmt, media_type=media_type,
                           path=source if Path(source).suffix.lower() in EXTENSIONS else None)
    if name == "rdfxml":
        check_xml_safety(content, source)
    try:
        statements = list(ox.parse(content, format=FORMATS[name], base_iri=base_iri))
    except SyntaxError as exc:
        error = _syntax_error(exc, source)
        if name == "rdfxml" and error.line is None:
            error = _locate_xml_error(content, error)
        raise error from exc
    except (OSError, ValueError) as exc:
        raise RdfSyntaxError(f"{source}: {exc}", source=source) from exc
    return [q if isinstance(q.graph_name, (ox.NamedNode, ox.BlankNode)) else
            ox.Triple(q.subject, q.predicate, q.object) for q in statements]


def serialize_rdf(statements: Iterable[ox.Triple | ox.Quad], fmt: str,
                  prefixes: dict[str, str] | None = None,
                  output: BinaryIO | None = None) -> bytes | None:
    """Serialise triples or quads (nquads, trig, turtle, ntriples, jsonld, rdfxml, n3).

    Returns the bytes, or streams them into `output` and returns None. Quads lose their graph in
    triple-only formats (turtle, ntriples, rdfxml, n3).
    """
    name = format_name(name=fmt)
    if name in QUAD_FORMATS:
        items = (s if isinstance(s, ox.Quad) else ox.Quad(s.subject, s.predicate, s.object)
                 for s in statements)
    else:
        items = (ox.Triple(s.subject, s.predicate, s.object) if isinstance(s, ox.Quad) else s
                 for s in statements)
    kwargs = {"prefixes": prefixes} if prefixes and name in ("turtle", "trig", "n3", "rdfxml") else {}
    if output is not None:
        ox.serialize(items, output, format=FORMATS[name], **kwargs)
        return None
    return ox.serialize(items, format=FORMATS[name], **kwargs)


def stable_blank_nodes(graph: str, triples: list[ox.Triple]) -> list[ox.Triple]:
    """Relabel blank nodes canonically (RDFC-1.0), scoped by graph, so reloading a file changes nothing."""
    if not any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
               for t in triples):
        return triples
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    scope = hashlib.sha256(graph.encode("utf-8")).hexdigest()[:12]

    def relabel(term):
        return ox.BlankNode(f"g{scope}{term.value}") if isinstance(term, ox.BlankNode) else term

    return [ox.Triple(relabel(q.subject), q.predicate, relabel(q.object)) for q in dataset]
