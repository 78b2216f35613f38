"""`--store` means the same before and after a command's name; `serve` takes it too, and logs one line each."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner

from partnergraph.cli import main
from tests.conftest import free_port

PERSON = """@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://w3id.org/partnergraph/id/person/cli-option> a foaf:Person ; foaf:name "Option" ."""


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


def test_the_store_after_the_commands_name_is_the_one_used(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    assert invoke("--store", str(before), "load", "--store", str(after)).exit_code == 0
    assert after.is_dir() and not before.exists()
    for command in (["stats"], ["query", "ASK { ?s ?p ?o }"], ["dump"], ["batches"]):
        result = invoke(command[0], "--store", str(after), *command[1:])
        assert result.exit_code == 0, (command, result.output)
    assert "true" in invoke("query", "--store", str(after), "ASK { ?s ?p ?o }").output
    assert "true" not in invoke("query", "--store", ":memory:", "ASK { ?s ?p ?o }").output


def test_the_environment_variable_and_the_option_after_the_name(tmp_path):
    env_store, option_store = tmp_path / "env", tmp_path / "option"
    assert invoke("load", env={"PARTNERGRAPH_STORE": str(env_store)}).exit_code == 0
    assert env_store.is_dir()
    result = invoke("stats", "--store", str(option_store), env={"PARTNERGRAPH_STORE": str(env_store)})
    assert result.exit_code == 0 and option_store.is_dir()


def test_curation_commands_take_the_store_after_their_name(tmp_path):
    store, batch = tmp_path / "store", tmp_path / "person.ttl"
    batch.write_text(PERSON, encoding="utf-8")
    result = invoke("ingest", "--store", str(store), str(batch), "--source", "https://example.org/s", "--dry-run")
    assert result.exit_code == 1 and "wasDerivedFrom" in result.output  # validated against that store
    assert store.is_dir()
    assert invoke("revert", "--store", str(store), "20260101T000000Z-abcdef").exit_code == 2  # no such batch


@pytest.mark.slow
def test_serve_takes_the_store_after_its_name_and_logs_one_line_per_record(tmp_path):
    store, port = tmp_path / "served", free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "partnergraph", "serve", "--store", str(store), "--port", str(port)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/api/queries", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        # control characters a client sends, which a naive log would write out as forged lines
        httpx.get(url + "/api/queries/x%0A2026-01-01%2000:00:00,000%20CRITICAL%20forged%0D%1B[31m", timeout=10)
        httpx.post(url + "/sparql", content="SELECT * {\n ?s ?p 'a\n\nCRITICAL forged' ", timeout=10,
                   headers={"Content-Type": "application/sparql-query"})
        assert store.is_dir()
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=60)
    lines = [line for line in errors.splitlines() if line.strip()]
    assert lines
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
    assert all(stamp.match(line) for line in lines), [line for line in lines if not stamp.match(line)]
    assert not [line for line in lines if " CRITICAL " in line[:40]]
    assert any("forged" in line for line in lines)  # it was logged, escaped, inside one line
