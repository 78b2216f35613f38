"""Reading and writing RDF in every common syntax, safely (no entity expansion, no network access)."""

from __future__ import annotations

import hashlib
import io
import re
import xml.sax
from collections.abc import Iterable
from pathlib import Path

import defusedxml.sax
import pyoxigraph as ox
from defusedxml import DefusedXmlException

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
QUAD_FORMATS = ("nquads", "trig")

_POSITION = re.compile(r"line (\d+) column (\d+)")


def format_name(*, path: str | Path | None = None, media_type: str | None = None,
                name: str | None = None) -> str:
    """The format name for an explicit name, a media type, or a file extension."""
    if name:
        key = name.lower()
        if key in FORMATS:
            return key
        if key in MEDIA_TYPES:
            return MEDIA_TYPES[key]
        raise UnsupportedFormat(f"unknown RDF format {name!r}; use one of {', '.join(FORMATS)}")
    if media_type:
        key = media_type.split(";")[0].strip().lower()
        if key in MEDIA_TYPES:
            return MEDIA_TYPES[key]
        raise UnsupportedFormat(f"unsupported RDF media type {media_type!r}; use one of "
                                + ", ".join(sorted(MEDIA_TYPES)))
    if path is not None:
        suffix = Path(path).suffix.lower()
        if suffix in EXTENSIONS:
            return EXTENSIONS[suffix]
        raise UnsupportedFormat(f"cannot tell the RDF syntax of {Path(path).name!r} from its extension; "
                                f"known extensions: {', '.join(sorted(EXTENSIONS))}")
    raise UnsupportedFormat("no RDF format given")


class _NoContent(xml.sax.ContentHandler):
    """A SAX handler that ignores everything (the parse is only a safety check)."""


def check_xml_safety(data: bytes, source: str) -> None:
    """Refuse XML that declares entities or loads external resources, without expanding anything."""
    try:
        defusedxml.sax.parseString(data, _NoContent(), forbid_dtd=False, forbid_entities=True,
                                   forbid_external=True)
    except DefusedXmlException as exc:
        raise RdfSyntaxError(
            f"RDF/XML with entity declarations or external references is refused ({exc})",
            source=source) from exc
    except xml.sax.SAXParseException as exc:
        raise RdfSyntaxError(f"XML syntax error: {exc.getMessage()}", source=source,
                             line=exc.getLineNumber(), column=exc.getColumnNumber()) from exc


def _syntax_error(exc: SyntaxError, source: str) -> RdfSyntaxError:
    message = str(exc.args[0]) if exc.args else str(exc)
    line = column = None
    if len(exc.args) > 1 and isinstance(exc.args[1], tuple) and len(exc.args[1]) >= 3:
        line, column = exc.args[1][1], exc.args[1][2]
    else:
        match = _POSITION.search(message)
        if match:
            line, column = int(match.group(1)), int(match.group(2))
    return RdfSyntaxError(message, source=source, line=line, column=column)


def parse_rdf(data: bytes | str | Path, fmt: str | None = None, *, media_type: str | None = None,
              base_iri: str | None = None, source: str | None = None) -> list[ox.Triple | ox.Quad]:
    """Parse RDF from a file path or bytes into triples (or quads for TriG/N-Quads), all or nothing."""
    if isinstance(data, (str, Path)):
        path = Path(data)
        source = source or str(path)
        try:
            content = path.read_bytes()
        except FileNotFoundError as exc:
            raise InputNotFound(f"{path}: no such file") from exc
        except OSError as exc:
            raise InputNotFound(f"{path}: cannot be read ({exc.strerror})") from exc
        name = format_name(name=fmt) if fmt else format_name(media_type=media_type) if media_type \
            else format_name(path=path)
        base_iri = base_iri or path.resolve().as_uri()
    else:
        content = data
        source = source or "input"
        name = format_name(name=fmt, media_type=media_type) if (fmt or media_type) else "turtle"
    if name == "rdfxml":
        check_xml_safety(content, source)
    try:
        statements = list(ox.parse(io.BytesIO(content), format=FORMATS[name], base_iri=base_iri))
    except SyntaxError as exc:
        raise _syntax_error(exc, source) from exc
    except (OSError, ValueError) as exc:
        raise RdfSyntaxError(str(exc), source=source) from exc
    if name in QUAD_FORMATS:
        return [q if isinstance(q.graph_name, ox.NamedNode) else
                ox.Triple(q.subject, q.predicate, q.object) for q in statements]
    return [ox.Triple(q.subject, q.predicate, q.object) for q in statements]


def serialize_rdf(statements: Iterable[ox.Triple | ox.Quad], fmt: str,
                  prefixes: dict[str, str] | None = None) -> bytes:
    """Serialise triples or quads; quads lose their graph in triple-only formats."""
    name = format_name(name=fmt)
    if name in QUAD_FORMATS:
        items = (s if isinstance(s, ox.Quad) else ox.Quad(s.subject, s.predicate, s.object)
                 for s in statements)
    else:
        items = (ox.Triple(s.subject, s.predicate, s.object) if isinstance(s, ox.Quad) else s
                 for s in statements)
    kwargs = {"prefixes": prefixes} if prefixes and name in ("turtle", "trig") else {}
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
