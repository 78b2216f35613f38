"""Reading and writing RDF: every format round-trips, errors are located, hostile input is refused."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from partnergraph.errors import InputNotFound, RdfSyntaxError, UnsupportedFormat
from partnergraph.rdf.blank_nodes import stable_blank_nodes
from partnergraph.rdf.formats import RDF_SYNTAXES, rdf_syntax
from partnergraph.rdf.parsing import parse_rdf
from partnergraph.rdf.serializing import serialize_rdf

EX = "http://example.org/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
GRAPH = ox.NamedNode(f"{EX}graph/1")
B = ox.BlankNode("b1")
TRIPLES = [
    ox.Triple(ox.NamedNode(f"{EX}alice"), ox.NamedNode(f"{EX}name"), ox.Literal("Alice \"Al\"\nSmith")),
    ox.Triple(ox.NamedNode(f"{EX}alice"), ox.NamedNode(f"{EX}label"), ox.Literal("Zürich 東京 🚀", language="de")),
    ox.Triple(ox.NamedNode(f"{EX}alice"), ox.NamedNode(f"{EX}age"),
              ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
    ox.Triple(ox.NamedNode(f"{EX}alice"), ox.NamedNode(f"{EX}address"), B),
    ox.Triple(B, ox.NamedNode(f"{EX}street"), ox.Literal("Main")),
    ox.Triple(ox.NamedNode(f"{EX}alice"), ox.NamedNode(f"{RDF_NS}type"), ox.NamedNode(f"{EX}Person")),
]
QUADS = [ox.Quad(ox.NamedNode(f"{EX}bob"), ox.NamedNode(f"{EX}name"), ox.Literal("Bob"), GRAPH),
         ox.Quad(ox.NamedNode(f"{EX}bob"), ox.NamedNode(f"{EX}knows"), ox.BlankNode("b2"), GRAPH)]
EXTENSION_OF = {r.name: "." + r.extensions[0] for r in RDF_SYNTAXES}
MEDIA_TYPE_OF = {r.name: r.media_type for r in RDF_SYNTAXES}
QUAD_FORMATS = ("nquads", "trig", "jsonld")


def canonical(statements) -> set[str]:
    dataset = ox.Dataset(s if isinstance(s, ox.Quad) else ox.Quad(s.subject, s.predicate, s.object)
                         for s in statements)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


@pytest.mark.parametrize("fmt", [r.name for r in RDF_SYNTAXES])
def test_every_format_round_trips(fmt, tmp_path):
    data = TRIPLES + (QUADS if fmt in QUAD_FORMATS else [])
    written = serialize_rdf(data, fmt, prefixes={"ex": EX})
    assert canonical(parse_rdf(written, fmt)) == canonical(data)
    assert canonical(parse_rdf(written, media_type=MEDIA_TYPE_OF[fmt])) == canonical(data)
    path = tmp_path / f"data{EXTENSION_OF[fmt]}"
    path.write_bytes(written)
    assert canonical(parse_rdf(path)) == canonical(data)


def test_default_graph_statements_come_back_as_triples_and_named_ones_as_quads():
    parsed = parse_rdf(serialize_rdf(TRIPLES + QUADS, "trig"), "trig")
    assert sum(isinstance(s, ox.Quad) for s in parsed) == len(QUADS)
    assert sum(isinstance(s, ox.Triple) for s in parsed) == len(TRIPLES)


def test_triple_formats_drop_the_graph_name():
    parsed = parse_rdf(serialize_rdf(QUADS, "turtle"), "turtle")
    assert all(isinstance(s, ox.Triple) for s in parsed) and len(parsed) == len(QUADS)


BAD = {
    "turtle": (b'@prefix e: <http://example.org/> .\n\ne:s e:p "x" .\ne:s e:p e:o e:z .\n', 4),
    "ntriples": (b'<http://e/s> <http://e/p> "x" .\n<http://e/s> <http://e/p> x .\n', 2),
    "nquads": (b'<http://e/s> <http://e/p> "x" <http://e/g> .\n<http://e/s> <http://e/p> "x" <http://e/g>\n',
               3),
    "trig": (b'<http://e/g> {\n <http://e/s> <http://e/p> "x" \n}\n<http://e/g> { <a> }', 4),
    "n3": (b'@prefix e: <http://e/> .\ne:s e:p "x" .\ne:s e:p "x\n', 3),
    "jsonld": (b'{"@id": "http://e/s",\n "http://e/p": {"@value": 1, "@value": }}', 2),
    "rdfxml": (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
               b'  <rdf:Description rdf:about="http://e/s">\n</rdf:RDF>\n', 4),
}


@pytest.mark.parametrize("fmt", list(BAD))
def test_syntax_errors_report_line_and_column(fmt, tmp_path):
    data, line = BAD[fmt]
    with pytest.raises(RdfSyntaxError) as caught:
        parse_rdf(data, fmt, source="upload")
    assert (caught.value.line, caught.value.source) == (line, "upload")
    assert isinstance(caught.value.column, int) and caught.value.column >= 1
    path = tmp_path / f"bad{EXTENSION_OF[fmt]}"
    path.write_bytes(data)
    with pytest.raises(RdfSyntaxError) as caught:
        parse_rdf(path)
    assert caught.value.source == str(path) and caught.value.line == line


def nested_entities(levels: int = 10) -> bytes:
    declarations = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(declarations) + "\n]>\n"
            f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:e="{EX}">\n'
            f'  <rdf:Description rdf:about="{EX}s"><e:p>&lol{levels - 1};</e:p></rdf:Description>\n'
            "</rdf:RDF>\n").encode()


def external_entity(system_id: str) -> bytes:
    return ('<?xml version="1.0"?>\n'
            f'<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "{system_id}"> ]>\n'
            f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:e="{EX}">\n'
            f'  <rdf:Description rdf:about="{EX}s"><e:p>&xxe;</e:p></rdf:Description>\n'
            "</rdf:RDF>\n").encode()


def external_dtd(system_id: str) -> bytes:
    return ('<?xml version="1.0"?>\n'
            f'<!DOCTYPE rdf:RDF SYSTEM "{system_id}">\n'
            f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:e="{EX}">\n'
            f'  <rdf:Description rdf:about="{EX}s"><e:p>text</e:p></rdf:Description>\n'
            "</rdf:RDF>\n").encode()


def test_billion_laughs_is_refused_quickly_without_expansion():
    started = time.monotonic()
    with pytest.raises(RdfSyntaxError, match="ENTITY") as caught:
        parse_rdf(nested_entities(), "rdfxml")
    assert time.monotonic() - started < 1
    assert caught.value.line == 3  # the first declaration
    assert len(str(caught.value)) < 1000


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_billion_laughs_in_another_encoding_is_refused_quickly(encoding):
    """The `<!ENTITY` check reads bytes; a UTF-16 document must still fail fast, without expansion."""
    document = nested_entities().decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    started = time.monotonic()
    with pytest.raises(RdfSyntaxError):
        parse_rdf(document.encode(encoding), "rdfxml")
    assert time.monotonic() - started < 1


def test_an_external_entity_is_refused_without_reading_the_file():
    hostname = Path("/etc/hostname")
    secret = hostname.read_text().strip() if hostname.exists() else None
    started = time.monotonic()
    with pytest.raises(RdfSyntaxError, match="ENTITY") as caught:
        parse_rdf(external_entity("file:///etc/hostname"), "rdfxml")
    assert time.monotonic() - started < 1
    if secret:
        assert secret not in str(caught.value)


@pytest.mark.parametrize("document", [external_entity, external_dtd], ids=["entity", "dtd"])
def test_external_references_are_never_opened(document, tmp_path):
    """A FIFO blocks whoever opens it for reading: a parser that followed the reference would hang."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    outcome: list = []

    def parse() -> None:
        try:
            outcome.append(parse_rdf(document(fifo.as_uri()), "rdfxml"))
        except Exception as exc:  # recorded for the assertions below
            outcome.append(exc)

    worker = threading.Thread(target=parse, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # unblock the reader, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=10)
        pytest.fail(f"the parser opened {fifo}")
    result, = outcome
    if isinstance(result, Exception):
        assert isinstance(result, RdfSyntaxError)
    else:
        assert [t.object for t in result] == [ox.Literal("text")]


@pytest.mark.parametrize("context", ['"{url}"', '["{url}"]', '{{"@import": "{url}"}}'],
                         ids=["string", "array", "import"])
def test_a_remote_json_ld_context_is_refused_without_connecting(context):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/ctx"
        document = ('{"@context": ' + context.format(url=url) +
                    ', "@id": "http://example.org/s", "name": "x"}').encode()
        with pytest.raises(RdfSyntaxError, match="context"):
            parse_rdf(document, "jsonld")
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            connection, _ = listener.accept()
            connection.close()


def test_unknown_formats_are_unsupported(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n")
    with pytest.raises(UnsupportedFormat, match="data.csv"):
        parse_rdf(path)
    with pytest.raises(UnsupportedFormat, match="text/csv"):
        parse_rdf(b"a,b\n", media_type="text/csv")
    with pytest.raises(UnsupportedFormat, match="yaml"):
        rdf_syntax(name="yaml")
    with pytest.raises(UnsupportedFormat):
        rdf_syntax()
    with pytest.raises(UnsupportedFormat):
        serialize_rdf(TRIPLES, "csv")


def test_media_types_with_parameters_are_understood():
    assert rdf_syntax(media_type="text/turtle; charset=utf-8").name == "turtle"
    assert rdf_syntax(media_type="Application/LD+JSON").name == "jsonld"
    assert rdf_syntax(path="x/data.TTL").name == "turtle"


def test_a_missing_file_is_input_not_found(tmp_path):
    with pytest.raises(InputNotFound):
        parse_rdf(tmp_path / "missing.ttl")


def test_stable_blank_nodes_do_not_change_between_loads():
    first = stable_blank_nodes(str(GRAPH), parse_rdf(serialize_rdf(TRIPLES, "turtle"), "turtle"))
    second = stable_blank_nodes(str(GRAPH), parse_rdf(serialize_rdf(TRIPLES, "turtle"), "turtle"))
    assert set(first) == set(second)
    other = stable_blank_nodes(f"{EX}graph/2", list(first))
    assert {t.object for t in other if isinstance(t.object, ox.BlankNode)} != \
        {t.object for t in first if isinstance(t.object, ox.BlankNode)}
