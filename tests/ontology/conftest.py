"""Loading the ontology, vocabularies, shapes and example files, and validating with pySHACL.

pySHACL is the reference validator here: the ontology and its vendored imports are the ont_graph (so that
sh:class and the targets follow the class hierarchy), the vocabularies are loaded into the data graph (concepts
are data for the concept-scheme shapes), inference is off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace
from functools import cache
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, XSD

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "partnergraph.ttl"
IMPORT_FILES = sorted((ONTOLOGY_DIR / "imports").glob("*.ttl"))
VOCABULARY_FILES = sorted((ONTOLOGY_DIR / "vocabularies").glob("*.ttl"))
SHAPE_FILES = [ONTOLOGY_DIR / name for name in ("shapes.ttl", "shapes-recommended.ttl", "shapes-rules.ttl")]
ALIGNMENT_FILES = sorted((ONTOLOGY_DIR / "alignments").glob("*.ttl"))
VALID_EXAMPLES = sorted((ONTOLOGY_DIR / "examples" / "valid").glob("*.ttl"))
INVALID_EXAMPLES = sorted((ONTOLOGY_DIR / "examples" / "invalid").glob("*.ttl"))
DATA_FILES = sorted((ROOT / "data").glob("*.ttl"))
DOC_FILE = ROOT / "docs" / "ontology.md"

ONTOLOGY_IRI = rdflib.URIRef("https://w3id.org/partnergraph/ontology")
SHAPES_IRI = rdflib.URIRef("https://w3id.org/partnergraph/shapes")
PG = rdflib.Namespace("https://w3id.org/partnergraph/ontology#")
PGSH = rdflib.Namespace("https://w3id.org/partnergraph/shapes#")
PGC = rdflib.Namespace("https://w3id.org/partnergraph/concept/")

# Prefixes used to write terms in example headers and test messages.
PREFIXES: dict[str, str] = {
    "pg": str(PG), "pgsh": str(PGSH), "pgc": str(PGC), "org": str(ORG), "time": str(TIME),
    "prov": str(PROV), "foaf": str(FOAF), "skos": str(SKOS), "dct": str(DCTERMS), "rdf": str(RDF),
    "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD), "sh": str(SH),
}


def parse(*paths: Path) -> rdflib.Graph:
    """One graph holding the triples of every given Turtle file."""
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@cache
def ontology_graph() -> rdflib.Graph:
    """The ontology and the vendored subset of the reused vocabularies (the ont_graph)."""
    return parse(ONTOLOGY_FILE, *IMPORT_FILES)


@cache
def vocabulary_graph() -> rdflib.Graph:
    """All SKOS concept schemes."""
    return parse(*VOCABULARY_FILES)


@cache
def shapes_graph() -> rdflib.Graph:
    """The three shapes files together."""
    return parse(*SHAPE_FILES)


def curie(term: rdflib.term.Node) -> str:
    """A term as written in example headers: prefixed name when a known prefix fits, else <iri>."""
    if isinstance(term, rdflib.URIRef):
        for prefix, namespace in PREFIXES.items():
            local = str(term)[len(namespace):]
            if str(term).startswith(namespace) and re.fullmatch(r"[A-Za-z][\w\-]*", local):
                return f"{prefix}:{local}"
        return f"<{term}>"
    return str(term)


def path_text(graph: rdflib.Graph, path: rdflib.term.Node | None) -> str:
    """A SHACL property path in SPARQL-like syntax (`org:subOrganizationOf+`), `-` when there is none."""
    if path is None:
        return "-"
    if isinstance(path, rdflib.URIRef):
        return curie(path)
    for predicate, suffix in ((SH.oneOrMorePath, "+"), (SH.zeroOrMorePath, "*"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return path_text(graph, inner) + suffix
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_text(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(graph, p) for p in Collection(graph, alternatives)) + ")"
    return "/".join(path_text(graph, p) for p in Collection(graph, path))


@dataclass(frozen=True, order=True)
class ResultKey:
    """What an example header pins for one validation result."""

    focus: str
    path: str
    component: str
    severity: str

    def __str__(self) -> str:
        return f"focus={self.focus} path={self.path} component={self.component} severity={self.severity}"


@dataclass(frozen=True)
class Result:
    """One validation result of a pySHACL report."""

    key: ResultKey
    source_shape: rdflib.term.Node
    message: str


def validate_file(path: Path) -> list[Result]:
    """Validate one data file (plus the vocabularies) against all shapes; return every result."""
    data = parse(path)
    data += vocabulary_graph()
    _conforms, report, _text = validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none",
        allow_warnings=True, advanced=False)
    results = []
    # Top-level results only: pySHACL also types the nested sh:detail results of sh:node as sh:ValidationResult.
    for node in report.objects(None, SH.result):
        key = ResultKey(
            focus=curie(report.value(node, SH.focusNode)),
            path=path_text(report, report.value(node, SH.resultPath)),
            component=curie(report.value(node, SH.sourceConstraintComponent)),
            severity=curie(report.value(node, SH.resultSeverity)))
        results.append(Result(key, report.value(node, SH.sourceShape),
                              str(report.value(node, SH.resultMessage) or "")))
    return results


@dataclass(frozen=True)
class ExampleHeader:
    """The comment header of an example file."""

    shape: str | None
    breaks: str | None
    expected: frozenset[ResultKey]


_HEADER_LINE = re.compile(r"#\s*(Shape|Breaks|expect):\s*(.*)")
_FIELD = re.compile(r"(focus|path|component|severity)=(\S+)")


def read_header(path: Path) -> ExampleHeader:
    """Parse the `# Shape:`, `# Breaks:` and `# expect:` lines at the top of an example file."""
    shape = breaks = None
    expected = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER_LINE.match(line)
        if not match:
            continue
        kind, value = match.groups()
        if kind == "Shape":
            shape = value.strip()
        elif kind == "Breaks":
            breaks = value.strip()
        else:
            fields = dict(_FIELD.findall(value))
            assert set(fields) == {"focus", "path", "component", "severity"}, f"{path.name}: bad expect line {line!r}"
            expected.add(ResultKey(**fields))
    return ExampleHeader(shape, breaks, frozenset(expected))


def expand(name: str) -> rdflib.URIRef:
    """A prefixed name (`pgsh:AgreementShape`) as an IRI."""
    prefix, local = name.split(":", 1)
    return rdflib.URIRef(PREFIXES[prefix] + local)


@pytest.fixture(scope="session")
def ontology() -> rdflib.Graph:
    return ontology_graph()


@pytest.fixture(scope="session")
def core_ontology() -> rdflib.Graph:
    return parse(ONTOLOGY_FILE)


@pytest.fixture(scope="session")
def external() -> rdflib.Graph:
    return parse(*IMPORT_FILES)


@pytest.fixture(scope="session")
def vocabularies() -> rdflib.Graph:
    return vocabulary_graph()


@pytest.fixture(scope="session")
def shapes() -> rdflib.Graph:
    return shapes_graph()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `valid_example` and `invalid_example` over the example files."""
    for name, files in (("valid_example", VALID_EXAMPLES), ("invalid_example", INVALID_EXAMPLES)):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, files, ids=[p.name for p in files])


@pytest.fixture(scope="session")
def onto() -> SimpleNamespace:
    """The helpers and file lists of this module, for test modules (which do not import conftest)."""
    return SimpleNamespace(
        root=ROOT, ontology_dir=ONTOLOGY_DIR, ontology_file=ONTOLOGY_FILE, import_files=IMPORT_FILES,
        vocabulary_files=VOCABULARY_FILES, shape_files=SHAPE_FILES, alignment_files=ALIGNMENT_FILES,
        valid_examples=VALID_EXAMPLES, invalid_examples=INVALID_EXAMPLES, data_files=DATA_FILES, doc_file=DOC_FILE,
        ontology_iri=ONTOLOGY_IRI, shapes_iri=SHAPES_IRI, pg=PG, pgsh=PGSH, pgc=PGC, prefixes=PREFIXES,
        parse=parse, curie=curie, expand=expand, path_text=path_text, read_header=read_header,
        validate_file=validate_file, ResultKey=ResultKey)
