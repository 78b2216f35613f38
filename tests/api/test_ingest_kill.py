"""Writes are atomic even when the server is killed: SIGKILL during ingests, restart, every batch whole or absent.

The server runs as a real `partnergraph serve` process on an on-disk store. Several clients ingest batches
at once; the server is killed with SIGKILL while writes are in flight, then started again on the same
store. Every batch the server acknowledged (201) must be there; every batch record must match its graph
(same triple count, every triple of the batch present); no batch graph may exist without its record; and a
full validation of the store must find no Violation.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from partnergraph.services.tokens import TokenRegistry
from partnergraph.services.validation.validator import ShapesBundle, ValidationService, Validator
from partnergraph.store.oxigraph.store import OxigraphStore
from tests.conftest import free_port

pytestmark = pytest.mark.slow

SOURCE = "https://w3id.org/partnergraph/id/source/dhs-2019-09-20-joint-statement-el-salvador"
BATCH_GRAPHS = "https://w3id.org/partnergraph/graph/batch/"
PEOPLE_PER_BATCH = 150  # 600 triples per batch: writes take long enough to be caught half-way


def batch_body(client: int, number: int) -> bytes:
    lines = ["@prefix pgid: <https://w3id.org/partnergraph/id/> .", "@prefix prov: <http://www.w3.org/ns/prov#> .",
             "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .", "@prefix foaf: <http://xmlns.com/foaf/0.1/> ."]
    for person in range(PEOPLE_PER_BATCH):
        name = f"Kill Test {client} {number} {person}"
        lines.append(f'pgid:person\\/kill-{client}-{number}-{person} a foaf:Person ; foaf:name "{name}" ; '
                     f'skos:prefLabel "{name}"@en ; prov:wasDerivedFrom pgid:source\\/dhs-2019-09-20-joint-statement-el-salvador .')
    return "\n".join(lines).encode()


def start_server(store: Path, tokens: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PARTNERGRAPH_TOKENS_FILE": str(tokens), "PARTNERGRAPH_QUERY_WORKERS": "1"}
    with log.open("ab") as output:
        process = subprocess.Popen([sys.executable, "-m", "partnergraph", "--store", str(store), "serve", "--port",
                                    str(port)], env=env, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/queries", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("the server did not start in time")


@pytest.fixture
def server_files(tmp_path):
    tokens = tmp_path / "tokens.json"
    secret = TokenRegistry(tokens).create("killer", "curator")[1]
    return tmp_path / "store", tokens, secret, tmp_path / "server.log"


@pytest.mark.slow
def test_batches_are_whole_or_absent_after_sigkill_during_ingests(server_files):
    store, tokens, secret, log = server_files
    port = free_port()
    process = start_server(store, tokens, port, log)
    acknowledged: list[str] = []
    stop = threading.Event()
    url = f"http://127.0.0.1:{port}/api/ingest"

    def client(index: int) -> None:
        number = 0
        with httpx.Client(timeout=60) as http:
            while not stop.is_set():
                number += 1
                try:
                    response = http.post(url, params={"source": SOURCE}, content=batch_body(index, number),
                                         headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {secret}"})
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 201:
                    acknowledged.append(response.json()["batch"]["id"])
                else:
                    raise AssertionError(f"unexpected answer {response.status_code}: {response.text[:500]}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(3)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while len(acknowledged) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(acknowledged) >= 4, "the server acknowledged too few batches before the kill"
        time.sleep(0.15)  # in the middle of further writes
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        stop.set()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        for thread in threads:
            thread.join(timeout=60)

    process = start_server(store, tokens, port, log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            records = http.get("/api/batches", params={"limit": 1000}).json()["batches"]
            by_id = {r["id"]: r for r in records}
            assert set(acknowledged) <= set(by_id), "an acknowledged batch is missing after the restart"
            for record in records:
                content = http.get("/graphs", params={"graph": record["graph"]},
                                   headers={"Accept": "application/n-triples"})
                assert content.status_code == 200, record
                lines = [line for line in content.text.splitlines() if line.strip()]
                assert len(lines) == record["triple_count"] == 4 * PEOPLE_PER_BATCH, record
            graphs = http.post("/sparql", data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"},
                               headers={"Accept": "application/sparql-results+json"}).json()
            batch_graphs = {b["g"]["value"] for b in graphs["results"]["bindings"]
                            if b["g"]["value"].startswith(BATCH_GRAPHS)}
            assert batch_graphs == {r["graph"] for r in records}, "a batch graph has no record, or a record no graph"
    finally:
        process.terminate()
        process.wait(timeout=60)

    with OxigraphStore(store) as opened:
        report = ValidationService(opened, Validator(ShapesBundle.from_resources())).validate_change({})
    assert report.conforms, [r.message for r in report.results if r.severity == "Violation"][:5]
