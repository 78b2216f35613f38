"""The command line as a curator or researcher uses it: exit codes, reports, loading, querying."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from partnergraph.cli import main
from partnergraph.resources import bundled_resources

RESOURCES = bundled_resources()
INVALID = sorted((RESOURCES.ontology_dir / "examples" / "invalid").glob("*.ttl"))
VALID = sorted((RESOURCES.ontology_dir / "examples" / "valid").glob("*.ttl"))
EXPECT = re.compile(r"^# expect: focus=<(?P<focus>[^>]+)> path=(?P<path>\S+) "
                    r"component=(?P<component>\S+) severity=(?P<severity>\S+)", re.M)


def run(*args: str, store: Path | str = ":memory:"):
    runner = CliRunner()
    return runner.invoke(main, ["--store", str(store), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store"
    result = run("load", store=store)
    assert result.exit_code == 0, result.output
    return store


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example_exits_0(path):
    result = run("validate", str(path))
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example_exits_1_and_names_the_violation(path):
    expected = [m.groupdict() for m in EXPECT.finditer(path.read_text(encoding="utf-8"))]
    result = run("validate", "--format", "json", str(path))
    report = json.loads(result.output)
    violations = [e for e in expected if e["severity"] == "sh:Violation"]
    assert result.exit_code == (1 if violations else 0), result.output
    found = {(r["focus_node"]["value"], r["severity"]) for r in report["results"]}
    for e in expected:
        assert (e["focus"], e["severity"].removeprefix("sh:")) in found


def test_text_report_groups_by_focus_node_and_names_shape_and_path():
    path = next(p for p in INVALID if "sh:Violation" in p.read_text(encoding="utf-8"))
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "Violation" in result.output
    assert "does not conform" in result.output
    assert "pgsh:" in result.output


def test_turtle_report_is_a_shacl_validation_report():
    import rdflib
    from rdflib.namespace import SH

    path = INVALID[0]
    result = run("validate", "--format", "turtle", str(path))
    graph = rdflib.Graph().parse(data=result.output, format="turtle")
    assert (None, SH.conforms, None) in graph


def test_syntax_error_exits_2_with_line_and_column(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e \"unterminated .\n")
    result = run("validate", str(bad))
    assert result.exit_code == 2
    assert re.search(r"bad\.ttl:3(:\d+)?", result.output), result.output


def test_missing_file_exits_2(tmp_path):
    result = run("validate", str(tmp_path / "nope.ttl"))
    assert result.exit_code == 2
    assert "nope.ttl" in result.output


def test_load_refuses_invalid_data_and_changes_nothing(loaded_store, tmp_path):
    before = run("dump", store=loaded_store).stdout_bytes
    path = next(p for p in INVALID if "sh:Violation" in p.read_text(encoding="utf-8"))
    result = run("load", str(path), store=loaded_store)
    assert result.exit_code == 1
    assert "nothing was loaded" in result.output
    assert run("dump", store=loaded_store).stdout_bytes == before


def test_loading_twice_gives_the_same_store(tmp_path):
    store = tmp_path / "store"
    assert run("load", store=store).exit_code == 0
    first = sorted(run("dump", store=store).stdout_bytes.splitlines())
    assert run("load", store=store).exit_code == 0
    second = sorted(run("dump", store=store).stdout_bytes.splitlines())
    assert first == second and first


def test_each_data_file_is_its_own_named_graph(loaded_store):
    result = run("stats", "--format", "json", store=loaded_store)
    stats = json.loads(result.output)
    for path in RESOURCES.data_files():
        assert stats["graphs"][f"https://w3id.org/partnergraph/graph/data/{path.stem}"] > 0
    assert stats["graphs"]["https://w3id.org/partnergraph/graph/ontology"] > 0
    assert stats["classes"]["https://w3id.org/partnergraph/ontology#SovereignState"] >= 20


EL_SALVADOR_2019 = textwrap.dedent("""
    PREFIX pg: <https://w3id.org/partnergraph/ontology#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX foaf: <http://xmlns.com/foaf/0.1/>
    SELECT ?agreement ?date ?partner ?signatory WHERE {
      ?agreement pg:hasParty <https://w3id.org/partnergraph/id/state/SLV>, ?partner .
      FILTER (?partner != <https://w3id.org/partnergraph/id/state/SLV>)
      ?sig pg:ofAgreement ?agreement ; pg:signingDate ?date ; pg:signatory ?person .
      FILTER (YEAR(?date) = 2019)
      ?person foaf:name ?signatory .
    } ORDER BY ?date ?signatory
""")


def test_query_answers_which_agreements_el_salvador_signed_in_2019(loaded_store):
    result = run("query", EL_SALVADOR_2019, "--format", "json", store=loaded_store)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["results"]["bindings"]
    aca = {r["signatory"]["value"] for r in rows
           if r["agreement"]["value"].endswith("/agreement/us-slv-aca-2019")}
    assert aca == {"Kevin K. McAleenan", "Alexandra Hill Tinoco"}
    partners = {r["partner"]["value"] for r in rows
                if r["agreement"]["value"].endswith("/agreement/us-slv-aca-2019")}
    assert partners == {"https://w3id.org/partnergraph/id/state/USA"}
    dates = {r["date"]["value"] for r in rows
             if r["agreement"]["value"].endswith("/agreement/us-slv-aca-2019")}
    assert dates == {"2019-09-20"}
    loi = {r["signatory"]["value"] for r in rows if r["date"]["value"] == "2019-08-28"}
    assert {"Kevin K. McAleenan", "Rogelio Rivas"} <= loi


@pytest.mark.parametrize("fmt,check", [
    ("csv", lambda out: out.splitlines()[0] == "s,n"),
    ("tsv", lambda out: out.startswith("?s\t?n\n")),
    ("json", lambda out: json.loads(out)["head"]["vars"] == ["s", "n"]),
    ("xml", lambda out: "<sparql" in out),
    ("table", lambda out: "┃" in out or "|" in out),
])
def test_query_output_formats(loaded_store, fmt, check):
    q = "SELECT ?s ?n WHERE { ?s <http://xmlns.com/foaf/0.1/name> ?n } ORDER BY ?n LIMIT 3"
    result = run("query", q, "--format", fmt, store=loaded_store)
    assert result.exit_code == 0, result.output
    assert check(result.stdout)


def test_construct_query_prints_turtle(loaded_store):
    q = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 5"
    result = run("query", q, store=loaded_store)
    assert result.exit_code == 0
    import rdflib
    assert len(rdflib.Graph().parse(data=result.stdout, format="turtle")) == 5


def test_query_from_file(loaded_store, tmp_path):
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { ?s a <https://w3id.org/partnergraph/ontology#SovereignState> }")
    result = run("query", "-f", str(rq), "--format", "json", store=loaded_store)
    assert json.loads(result.stdout)["boolean"] is True


def test_bad_query_exits_2_with_the_parser_message(loaded_store):
    result = run("query", "SELECT ?s WHERE { ?s ?p }", store=loaded_store)
    assert result.exit_code == 2
    assert "error" in result.output.lower()


def test_dump_trig_round_trips(loaded_store):
    import pyoxigraph
    trig = run("dump", "--format", "trig", store=loaded_store).stdout_bytes
    nquads = run("dump", store=loaded_store).stdout_bytes
    from_trig = set(pyoxigraph.parse(trig, format=pyoxigraph.RdfFormat.TRIG))
    from_nquads = set(pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS))
    assert from_trig == from_nquads
    assert len({q.graph_name for q in from_trig}) > 3


def test_locked_store_gives_a_clear_message(tmp_path):
    store = tmp_path / "store"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, pyoxigraph; s = pyoxigraph.Store(sys.argv[1]); print('ready', flush=True); "
         "sys.stdin.read()", str(store)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = run("stats", store=store)
        assert result.exit_code == 3
        assert "lock" in result.output.lower() and str(store) in result.output
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()


def test_unusable_store_path_gives_a_clear_message(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = run("stats", store=not_a_dir)
    assert result.exit_code == 3
    assert str(not_a_dir) in result.output
