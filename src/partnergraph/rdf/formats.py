"""The one registry of RDF syntaxes and SPARQL result formats, built on pyoxigraph's RdfFormat and QueryResultsFormat.

Every part of partnergraph that reads or writes RDF or query results names a format by its short name
(`turtle`, `json`...) and looks it up here: the parsers and serialisers, the query workers, content
negotiation, the command line. Media types and file extensions come from pyoxigraph; the aliases are
the other names clients use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from partnergraph.errors import UnsupportedFormat, UnsupportedMediaType

_UTF8_TYPES = {"application/sparql-results+json", "application/ld+json", "application/n-triples",
               "application/n-quads", "application/trig", "application/json"}


@dataclass(frozen=True)
class Representation:
    """One way a response or a body can be written: short name, canonical media type, aliases.

    RDF syntaxes carry their pyoxigraph `rdf` format, SPARQL result formats their `results` format;
    other representations (the canned-query JSON envelope, say) carry neither.
    """

    name: str
    media_type: str
    aliases: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header value (text types carry charset=utf-8)."""
        if self.media_type.startswith("text/") or self.media_type in _UTF8_TYPES:
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def has_datasets(self) -> bool:
        """True for syntaxes that can name graphs (N-Quads, TriG, JSON-LD)."""
        return self.rdf is not None and self.rdf.supports_datasets

    def all_types(self) -> tuple[str, ...]:
        """The canonical media type followed by its aliases."""
        return (self.media_type, *self.aliases)


def _rdf(name: str, fmt: ox.RdfFormat, aliases: tuple[str, ...] = (),
         extensions: tuple[str, ...] = ()) -> Representation:
    return Representation(name, fmt.media_type, aliases, (fmt.file_extension, *extensions), rdf=fmt)


def _results(name: str, fmt: ox.QueryResultsFormat, aliases: tuple[str, ...] = ()) -> Representation:
    return Representation(name, fmt.media_type.split(";")[0], aliases, (fmt.file_extension,), results=fmt)


TURTLE = _rdf("turtle", ox.RdfFormat.TURTLE, ("application/x-turtle",), ("turtle",))
N_TRIPLES = _rdf("ntriples", ox.RdfFormat.N_TRIPLES, ("text/plain",))
N_QUADS = _rdf("nquads", ox.RdfFormat.N_QUADS)
TRIG = _rdf("trig", ox.RdfFormat.TRIG)
JSON_LD = _rdf("jsonld", ox.RdfFormat.JSON_LD, ("application/json",), ("json",))
RDF_XML = _rdf("rdfxml", ox.RdfFormat.RDF_XML, ("application/xml", "text/xml"), ("xml", "owl"))
N3 = _rdf("n3", ox.RdfFormat.N3)

RESULTS_JSON = _results("json", ox.QueryResultsFormat.JSON, ("application/json",))
RESULTS_XML = _results("xml", ox.QueryResultsFormat.XML, ("application/xml", "text/xml"))
RESULTS_CSV = _results("csv", ox.QueryResultsFormat.CSV)
RESULTS_TSV = _results("tsv", ox.QueryResultsFormat.TSV)

RDF_SYNTAXES: tuple[Representation, ...] = (TURTLE, N_TRIPLES, N_QUADS, TRIG, JSON_LD, RDF_XML, N3)
"""Every RDF syntax partnergraph reads and writes."""
GRAPH_FORMATS: tuple[Representation, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, TRIG, N_QUADS)
"""What a CONSTRUCT or DESCRIBE result, or a graph read over HTTP, can be written as (first: default)."""
SOLUTION_FORMATS: tuple[Representation, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
"""What a SELECT result can be written as (first: default)."""
BOOLEAN_FORMATS: tuple[Representation, ...] = (RESULTS_JSON, RESULTS_XML)
"""What an ASK result can be written as: CSV and TSV have no representation of a boolean."""
PREFIXED_SYNTAXES = ("turtle", "trig", "n3", "rdfxml")
"""Syntaxes that can use prefix declarations."""
LINE_SYNTAXES = ("turtle", "trig", "ntriples", "nquads", "n3")
"""Syntaxes in which a subject's description starts on a line of its own (for locating focus nodes)."""

BY_NAME = {r.name: r for r in RDF_SYNTAXES + SOLUTION_FORMATS}
NAME_ALIASES = {"ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "json-ld": "jsonld",
                "rdf": "rdfxml", "rdf+xml": "rdfxml", "nq": "nquads", "n-quads": "nquads",
                "srj": "json", "srx": "xml", "text/n3": "n3", "application/x-json+ld": "jsonld"}
"""Other names `?format=` and `--format` accept."""

_RDF_MEDIA_TYPES = {t: r for r in RDF_SYNTAXES for t in r.all_types()}
_EXTENSIONS = {f".{e}": r for r in RDF_SYNTAXES for e in r.extensions}
BODY_MEDIA_TYPES = {t: r for t, r in _RDF_MEDIA_TYPES.items() if t not in ("text/plain",)}
"""Media types accepted for RDF request bodies: never text/plain, which any web page may send
without a CORS preflight."""


def _supported() -> str:
    return (f"formats {', '.join(r.name for r in RDF_SYNTAXES)}; media types {', '.join(_RDF_MEDIA_TYPES)}; "
            f"extensions {' '.join(_EXTENSIONS)}")


def rdf_syntax(*, name: str | None = None, media_type: str | None = None,
               path: str | Path | None = None) -> Representation:
    """The RDF syntax for a name or media type (`name`), a media type, or a file's extension."""
    if name:
        key = name.split(";")[0].strip().lower()
        key = NAME_ALIASES.get(key, key)
        if key in BY_NAME and BY_NAME[key].rdf is not None:
            return BY_NAME[key]
        if key in _RDF_MEDIA_TYPES:
            return _RDF_MEDIA_TYPES[key]
        raise UnsupportedFormat(f"unknown RDF format {name!r}; supported: {_supported()}")
    if media_type:
        key = media_type.split(";")[0].strip().lower()
        if key in _RDF_MEDIA_TYPES:
            return _RDF_MEDIA_TYPES[key]
        raise UnsupportedFormat(f"unsupported RDF media type {media_type!r}; supported: {_supported()}")
    if path is not None:
        suffix = Path(path).suffix.lower()
        if suffix in _EXTENSIONS:
            return _EXTENSIONS[suffix]
        raise UnsupportedFormat(f"cannot tell the RDF syntax of {Path(path).name!r} from its extension; "
                                f"supported: {_supported()}")
    raise UnsupportedFormat(f"no RDF format given; supported: {_supported()}")


def has_extension(path: str | Path) -> bool:
    """True when the file name ends in an extension the registry knows."""
    return Path(path).suffix.lower() in _EXTENSIONS


def body_syntax(media_type: str) -> Representation:
    """The RDF syntax of a request body from its Content-Type (UnsupportedMediaType otherwise)."""
    key = media_type.split(";")[0].strip().lower()
    if key in BODY_MEDIA_TYPES:
        return BODY_MEDIA_TYPES[key]
    raise UnsupportedMediaType(
        f"cannot read a body of type {key or 'unknown (no Content-Type)'}; accepted: "
        + ", ".join(sorted(BODY_MEDIA_TYPES)))


def result_format(name: str) -> Representation:
    """A SPARQL result format or RDF syntax by short name (for the query workers and executors)."""
    key = NAME_ALIASES.get(name, name)
    if key not in BY_NAME:
        raise UnsupportedFormat(f"unknown result format {name!r}; use one of {', '.join(BY_NAME)}")
    return BY_NAME[key]


def formats_for(form: str) -> tuple[Representation, ...]:
    """The formats a query of this form (SELECT, ASK, CONSTRUCT, DESCRIBE) can be written in."""
    if form in ("CONSTRUCT", "DESCRIBE"):
        return GRAPH_FORMATS
    return BOOLEAN_FORMATS if form == "ASK" else SOLUTION_FORMATS
