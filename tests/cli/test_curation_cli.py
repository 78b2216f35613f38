"""`partnergraph ingest`, `batches` and `revert` on a local on-disk store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from partnergraph.cli import main

SOURCE = "https://w3id.org/partnergraph/id/source/dhs-2019-09-20-joint-statement-el-salvador"
PERSON = """@prefix pgid: <https://w3id.org/partnergraph/id/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
pgid:person\\/cli-person a foaf:Person ;
    foaf:name "CLI Person" ;
    skos:prefLabel "CLI Person"@en ;
    prov:wasDerivedFrom pgid:source\\/dhs-2019-09-20-joint-statement-el-salvador .
"""


def run(store: Path, *args: str):
    return CliRunner().invoke(main, ["--store", str(store), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("curation-cli") / "store"
    assert run(path, "load").exit_code == 0
    return path


def count(store: Path, query: str) -> int:
    result = run(store, "query", "--format", "json", query)
    return int(json.loads(result.output)["results"]["bindings"][0]["n"]["value"])


def test_ingest_records_the_batch_and_revert_undoes_it(store, tmp_path):
    batch = tmp_path / "person.ttl"
    batch.write_text(PERSON, encoding="utf-8")
    result = run(store, "ingest", str(batch), "--source", SOURCE, "--comment", "from the CLI",
                 "--curator", "carol", "--format", "json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)["batch"]
    assert record["curator"] == "carol" and record["triple_count"] == 4 and record["comment"] == "from the CLI"
    listed = json.loads(run(store, "batches", "--curator", "carol", "--format", "json").output)
    assert [b["id"] for b in listed] == [record["id"]]
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { <https://w3id.org/partnergraph/id/person/cli-person> ?p ?o }") == 4
    reverted = run(store, "revert", record["id"], "--comment", "test over")
    assert reverted.exit_code == 0, reverted.output
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { <https://w3id.org/partnergraph/id/person/cli-person> ?p ?o }") == 0
    again = run(store, "revert", record["id"])
    assert again.exit_code == 1 and "already reverted" in again.output


def test_ingest_without_source_or_with_violations_writes_nothing(store, tmp_path):
    before = run(store, "batches", "--format", "json").output
    batch = tmp_path / "person.ttl"
    batch.write_text(PERSON, encoding="utf-8")
    missing = run(store, "ingest", str(batch))
    assert missing.exit_code == 2 and "--source" in missing.output
    broken = tmp_path / "broken.ttl"
    broken.write_text(PERSON.replace('foaf:name "CLI Person" ;', ""), encoding="utf-8")
    invalid = run(store, "ingest", str(broken), "--source", SOURCE)
    assert invalid.exit_code == 1 and "foaf" in invalid.output
    dry = run(store, "ingest", str(batch), "--source", SOURCE, "--dry-run")
    assert dry.exit_code == 0 and "nothing written" in dry.output
    assert run(store, "batches", "--format", "json").output == before


def test_unknown_batch_is_a_clear_error(store):
    result = run(store, "revert", "20200101T000000Z-abcdef")
    assert result.exit_code == 2 and "no batch" in result.output
