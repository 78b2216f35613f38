"""SPARQL 1.1 query result serialisations (JSON, XML, CSV, TSV), streamed as chunks of bytes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from partnergraph.errors import UnsupportedFormat
from partnergraph.store.base import AskResult, SelectResult, Term

RESULT_MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def term_to_json(term: Term) -> dict:
    """The SPARQL JSON results representation of one term."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def term_to_text(term: Term | None) -> str:
    """A term's plain value as in SPARQL CSV (IRI, lexical form, or _:label)."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _json(result: SelectResult | AskResult) -> Iterator[bytes]:
    if isinstance(result, AskResult):
        yield json.dumps({"head": {}, "boolean": result.value}).encode()
        return
    yield (b'{"head":{"vars":' + json.dumps(result.variables).encode() + b'},"results":{"bindings":[')
    first = True
    for row in result.rows:
        chunk = json.dumps({k: term_to_json(v) for k, v in row.items() if v is not None},
                           ensure_ascii=False).encode()
        yield chunk if first else b"," + chunk
        first = False
    yield b"]}}"


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _xml(result: SelectResult | AskResult) -> Iterator[bytes]:
    yield b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
    if isinstance(result, AskResult):
        yield f"<head/>\n<boolean>{'true' if result.value else 'false'}</boolean>\n</sparql>\n".encode()
        return
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables)
    yield f"<head>{head}</head>\n<results>\n".encode()
    for row in result.rows:
        cells = "".join(f"<binding name={quoteattr(k)}>{_xml_term(v)}</binding>"
                        for k, v in row.items() if v is not None)
        yield f"<result>{cells}</result>\n".encode()
    yield b"</results>\n</sparql>\n"


def _delimited(result: SelectResult, fmt: str) -> Iterator[bytes]:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([term_to_text(row.get(v)) for v in result.variables])
            if buffer.tell() > 65536:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()
        return
    yield ("\t".join(f"?{v}" for v in result.variables) + "\n").encode()
    for row in result.rows:
        yield ("\t".join(str(row[v]) if row.get(v) is not None else "" for v in result.variables)
               + "\n").encode()


def serialize_results(result: SelectResult | AskResult, fmt: str) -> Iterator[bytes]:
    """Stream a SELECT or ASK result in one of RESULT_MEDIA_TYPES' formats."""
    if fmt == "json":
        return _json(result)
    if fmt == "xml":
        return _xml(result)
    if fmt in ("csv", "tsv"):
        if isinstance(result, AskResult):
            raise UnsupportedFormat(
                f"{fmt.upper()} results exist only for SELECT queries; use json or xml")
        return _delimited(result, fmt)
    raise UnsupportedFormat(f"unknown result format {fmt!r}; use one of {', '.join(RESULT_MEDIA_TYPES)}")
