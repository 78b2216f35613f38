"""HTTP service benchmark: partnergraph vs `oxigraph serve` vs rdflib-endpoint on the same synthetic data.

    python bench/http_service.py --sizes 100k,1M --requests 400 --duration 120 --concurrency 4

For each size the script

1. generates the synthetic graph (bench/synthetic.py, seeded) and builds ONE N-Quads dataset: the ontology,
   its imports and the vocabularies in their usual named graphs, the synthetic triples in
   `https://w3id.org/partnergraph/graph/data/synthetic`;
2. loads it into a partnergraph store (`--pg-load bulk`: pyoxigraph `Store(dir).bulk_load`, no validation;
   `--pg-load cli`: `partnergraph load` (ontology + curated data) then `partnergraph load --graph ...`
   with validation, and the store is dumped to build the dataset the other servers get), into an Oxigraph
   store (`oxigraph load`), and rdflib-endpoint parses the same N-Quads file when it starts;
3. starts `partnergraph serve` and `oxigraph serve --union-default-graph` on free loopback ports, draws
   query parameters from the data (seeded), runs every distinct request once on each server (row counts,
   single-request latency), then runs the same request sequence with `--concurrency` clients on each,
   alternating servers for `--rounds` rounds, and stops both;
4. starts `rdflib-endpoint serve` (bounded by `--rdflib-start-timeout`), runs the same verification pass
   and one round of the mix, and stops it;
5. starts partnergraph again with `PARTNERGRAPH_QUERY_TIMEOUT=--heavy-timeout` and measures how long a
   cross-product COUNT takes to be cut (503) and the latency of light queries alone and beside it.

Every run is bounded: `--requests` per round, `--duration` seconds per round, `--request-timeout` per
request, `--verify-budget` seconds per verification pass. Servers are always stopped (SIGTERM, then SIGKILL
of their process group). Results go to `--out` (Markdown) and the same name with `.json`.

rdflib-endpoint is a benchmark-only dependency: `pip install rdflib-endpoint` (see bench/README.md).
"""

from __future__ import annotations

import os
import sys


import argparse
import http.client
import json
import math
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PYTHON = sys.executable
BIN = Path(sys.executable).parent
SYN_GRAPH = "https://w3id.org/partnergraph/graph/data/synthetic"
PG = "https://w3id.org/partnergraph/ontology#"
PREFIXES = """PREFIX pg: <https://w3id.org/partnergraph/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX time: <http://www.w3.org/2006/time#>
"""
SPARQL_JSON = "application/sparql-results+json"
SERVERS = ("partnergraph", "oxigraph", "rdflib-endpoint")
HEAVY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CANNED_KINDS = ("agreements-of-state", "framework-members", "post-holders-on-date", "partners-of-state",
                "timeline-of-state")
RAW_KINDS = ("raw:count-per-class", "raw:two-hop-signatories", "raw:date-filter")
HEAVY_GAP = 5.0  # seconds between two heavy queries (light load goes on)
LIGHT_KINDS = ("framework-members", "partners-of-state", "raw:two-hop-signatories")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_size(text: str) -> int:
    text = text.strip()
    factor = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        ox_cli = subprocess.run([str(BIN / "oxigraph"), "--version"], capture_output=True, text=True,
                                timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        ox_cli = "not found"
    return {
        "nproc": str(os.cpu_count()), "cpu": cpu, "memory": mem,
        "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "partnergraph": version("partnergraph"), "pyoxigraph": version("pyoxigraph"),
        "oxigraph (PyPI server)": f"{version('oxigraph')} ({ox_cli})",
        "rdflib-endpoint": version("rdflib-endpoint"), "rdflib": version("rdflib"),
        "fastapi": version("fastapi"), "uvicorn": version("uvicorn"),
        "partnergraph commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted changes in queries/": _git("status", "--short", "--", "queries") and "yes" or "no",
        "queries/*.rq digest (sha256, first 12)": _queries_digest(),
        "load average at start (1/5/15 min)": loadavg(),
    }


def _git(*argv: str) -> str:
    try:
        return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _queries_digest() -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "queries").glob("*.rq")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p99 of fewer than 100 samples is the maximum)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    value = seconds * 1000
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def run_checked(argv: list[str], *, timeout: float, env: dict | None = None, log_file: Path | None = None,
                cwd: Path = ROOT) -> float:
    """Run a command to completion (bounded); returns its wall time; raises on failure."""
    started = time.perf_counter()
    out = log_file.open("wb") if log_file else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                start_new_session=True)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise RuntimeError(f"{argv[0]} ... did not finish within {timeout:.0f} s") from None
    finally:
        if log_file:
            out.close()
    if code != 0:
        tail = log_file.read_text(errors="replace")[-2000:] if log_file else ""
        raise RuntimeError(f"{' '.join(map(str, argv[:4]))} ... exited with {code}\n{tail}")
    return time.perf_counter() - started


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass


# --- data -------------------------------------------------------------------------------------------

_DATASET_CODE = """
import sys, pyoxigraph as ox
from partnergraph.services.loading import default_items
nt, nq, graph = sys.argv[1:4]
store = ox.Store()
for item in default_items():
    if item.graph.startswith("https://w3id.org/partnergraph/graph/data/"):
        continue  # curated data stays out: the benchmark data is the synthetic graph alone
    store.load(path=str(item.path), format=ox.RdfFormat.from_extension(item.path.suffix[1:]),
               to_graph=ox.NamedNode(item.graph))
store.bulk_load(path=nt, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
store.dump(output=nq, format=ox.RdfFormat.N_QUADS)
print(len(store))
"""

_BULK_CODE = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[1])
store.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS)
store.flush()
print(len(store))
"""


@dataclass
class Dataset:
    label: str
    triples: int
    nq: Path
    pg_store: Path
    ox_store: Path
    steps: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def prepare_data(label: str, size: int, work: Path, pg_load: str, seed: int) -> Dataset:
    """Synthetic data -> one N-Quads dataset -> partnergraph store and Oxigraph store."""
    steps: dict[str, float] = {}
    notes: list[str] = []
    nt = work / f"syn-{label}.nt"
    nq = work / f"dataset-{label}.nq"
    pg_store, ox_store = work / f"pg-store-{label}", work / f"ox-store-{label}"
    for path in (pg_store, ox_store):
        shutil.rmtree(path, ignore_errors=True)
    steps["generate synthetic data"] = run_checked(
        [PYTHON, str(BENCH_DIR / "synthetic.py"), "--triples", str(size), "--seed", str(seed),
         "--out", str(nt)], timeout=1800, log_file=work / f"synthetic-{label}.log")
    if pg_load == "bulk":
        steps["build N-Quads dataset (pyoxigraph in memory)"] = run_checked(
            [PYTHON, "-c", _DATASET_CODE, str(nt), str(nq), SYN_GRAPH], timeout=1800,
            log_file=work / f"dataset-{label}.log")
        steps["partnergraph store: pyoxigraph bulk_load (no validation)"] = run_checked(
            [PYTHON, "-c", _BULK_CODE, str(pg_store), str(nq)], timeout=1800,
            log_file=work / f"pg-bulk-{label}.log")
        notes.append("partnergraph's store was filled with pyoxigraph `Store(dir).bulk_load` of the N-Quads "
                     "dataset (ontology, imports and vocabulary graphs + the synthetic graph); no SHACL "
                     "validation. See `--pg-load cli` for the validating path.")
    else:
        cli = [PYTHON, "-m", "partnergraph", "--store", str(pg_store)]
        steps["partnergraph load (ontology, vocabularies, curated data; validated)"] = run_checked(
            cli + ["load"], timeout=3600, log_file=work / f"pg-load-base-{label}.log")
        steps["partnergraph load --graph synthetic (validated)"] = run_checked(
            cli + ["load", "--graph", SYN_GRAPH, str(nt)], timeout=7200,
            log_file=work / f"pg-load-syn-{label}.log")
        steps["partnergraph dump (N-Quads for the other servers)"] = run_checked(
            cli + ["dump", "--format", "nquads", "-o", str(nq)], timeout=1800,
            log_file=work / f"pg-dump-{label}.log")
        notes.append("partnergraph's store was filled with `partnergraph load` (bundled ontology, vocabularies "
                     "and curated data/, validated) and `partnergraph load --graph <synthetic> <file.nt>` "
                     "(validated against the shapes and the stored graph); the store was then dumped to "
                     "N-Quads for the other servers, so all three hold the same quads.")
    steps["oxigraph load"] = run_checked(
        [str(BIN / "oxigraph"), "load", "--location", str(ox_store), "--file", str(nq)], timeout=1800,
        log_file=work / f"ox-load-{label}.log")
    with nq.open("rb") as handle:
        quads = sum(1 for _ in handle)
    notes.append(f"store sizes on disk: partnergraph {dir_mb(pg_store):.0f} MB, oxigraph "
                 f"{dir_mb(ox_store):.0f} MB; N-Quads file {nq.stat().st_size / 1e6:.0f} MB")
    return Dataset(label, quads, nq, pg_store, ox_store, steps, notes)


# --- HTTP client ------------------------------------------------------------------------------------

class Timeout(Exception):
    pass


class Client:
    """One keep-alive connection; `request` returns (status, body)."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str],
                timeout: float | None = None) -> tuple[int, bytes]:
        for attempt in (0, 1):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout or self.timeout)
            else:
                self.conn.timeout = timeout or self.timeout
                if self.conn.sock is not None:
                    self.conn.sock.settimeout(timeout or self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (socket.timeout, TimeoutError):
                self.close()
                raise Timeout() from None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                self.close()
                if not reused or attempt == 1:
                    raise
        raise RuntimeError("unreachable")


# --- requests ---------------------------------------------------------------------------------------

@dataclass
class Request:
    kind: str
    label: str  # parameters, for tables
    canned: str | None  # canned query name (partnergraph /api/queries/<name>)
    params: dict[str, str]
    sparql: str  # the SPARQL every SPARQL endpoint receives (canned: bound with a VALUES block)

    @property
    def key(self) -> str:
        return f"{self.kind} {self.label}".strip()


def short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def build_requests(ox_port: int, variants: int, seed: int) -> list[Request]:
    """Distinct requests of the mix, parameters drawn (seeded) from the data served by Oxigraph."""
    from partnergraph.resources import bundled_resources
    from partnergraph.services.querying.catalogue import Catalogue
    from partnergraph.sparql.rewriting import bind_values

    client = Client(ox_port, 300)

    def select(query: str) -> list[dict]:
        status, body = client.request("POST", "/query", (PREFIXES + query).encode(),
                                      {"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON})
        if status != 200:
            raise RuntimeError(f"parameter query failed ({status}): {body[:300]!r}")
        return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]

    rng = random.Random(seed)
    states = [r["s"] for r in select(
        "SELECT DISTINCT ?s WHERE { ?s a pg:SovereignState . ?a pg:hasParty ?s . "
        "FILTER(STRSTARTS(STR(?s), 'https://w3id.org/partnergraph/id/state/syn-')) } ORDER BY ?s")]
    frameworks = [r["f"] for r in select(
        "SELECT DISTINCT ?f WHERE { ?p pg:framework ?f . ?f a pg:Framework . "
        "FILTER(STRSTARTS(STR(?f), 'https://w3id.org/partnergraph/id/framework/syn-')) } ORDER BY ?f")]
    tenure_days = [r["d"] for r in select(
        "SELECT DISTINCT ?d WHERE { ?t pg:post ?p ; org:memberDuring ?i . ?i time:hasBeginning ?b . "
        "?b time:inXSDDate ?d } ORDER BY ?d")]
    years = [int(r["y"]) for r in select(
        "SELECT DISTINCT ?y WHERE { ?a pg:hasParty ?p ; pg:signingDate ?d . BIND(SUBSTR(STR(?d), 1, 4) AS ?y) "
        "} ORDER BY ?y") if r["y"].isdigit()]
    client.close()
    if not (states and frameworks and tenure_days and years):
        raise RuntimeError("the data has no states, frameworks, tenures or signing dates to draw from")
    pick = lambda items, k: rng.sample(items, min(k, len(items)))  # noqa: E731
    catalogue = Catalogue.from_directory(bundled_resources().queries_dir)

    def canned(name: str, params: dict[str, str], label: str) -> Request:
        prepared = catalogue.get(name).prepare({k: [v] for k, v in params.items()})
        text = prepared.paged(10_000)  # the same LIMIT 10001 partnergraph runs for ?limit=10000
        if prepared.bindings:  # as VALUES in every scope that sees them: oxigraph serve has no substitution
            text = bind_values(text, prepared.bindings)
        return Request(name, label, name, params, text)

    requests: list[Request] = []
    for state in pick(states, variants):
        requests.append(canned("agreements-of-state", {"state": state}, short(state)))
    for framework in pick(frameworks, variants):
        requests.append(canned("framework-members", {"framework": framework}, short(framework)))
    for state, day in zip(pick(states, variants), pick(tenure_days, variants)):
        day = day[:10]
        requests.append(canned("post-holders-on-date", {"date": day, "state": state}, f"{short(state)} {day}"))
    for state in pick(states, variants):
        requests.append(canned("partners-of-state", {"state": state}, short(state)))
    middle = years[len(years) // 2:] or years
    for state, year in zip(pick(states, variants), pick(middle, variants)):
        params = {"state": state, "since": str(year - 3), "until": str(year + 2)}
        requests.append(canned("timeline-of-state", params, f"{short(state)} {year - 3}..{year + 2}"))
    requests.append(Request("raw:count-per-class", "", None, {}, PREFIXES + (
        "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class")))
    for state in pick(states, variants):
        requests.append(Request("raw:two-hop-signatories", short(state), None, {}, PREFIXES + (
            "SELECT DISTINCT ?person ?name ?agreement WHERE {\n"
            f"  ?agreement pg:hasParty <{state}> .\n"
            "  ?signature pg:ofAgreement ?agreement ; pg:signatory ?person .\n"
            "  OPTIONAL { ?person foaf:name ?name }\n"
            "} ORDER BY ?person ?agreement")))
    for year in pick(years, variants):
        requests.append(Request("raw:date-filter", f"{year}..{year + 1}", None, {}, PREFIXES + (
            "SELECT DISTINCT ?agreement ?date WHERE {\n"
            "  ?agreement pg:hasParty ?party ; pg:signingDate ?date .\n"
            f"  FILTER(STR(?date) >= \"{year}\" && STR(?date) < \"{year + 2}\")\n"
            "} ORDER BY ?date ?agreement")))
    return requests


def make_sequence(requests: list[Request], length: int, seed: int) -> list[int]:
    """The request order, the same for every server: shuffled passes over all distinct requests."""
    rng = random.Random(seed)
    order: list[int] = []
    while len(order) < length:
        block = list(range(len(requests)))
        rng.shuffle(block)
        order += block
    return order[:length]


# --- servers ----------------------------------------------------------------------------------------

class Server:
    """A server process in its own process group, on a free loopback port."""

    def __init__(self, name: str, argv: list[str], port: int, log_file: Path, sparql_path: str,
                 env: dict | None = None) -> None:
        self.name, self.argv, self.port, self.log_file = name, argv, port, log_file
        self.sparql_path = sparql_path
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.start_seconds: float | None = None

    def start(self, timeout: float) -> None:
        log(f"starting {self.name} on port {self.port}")
        started = time.perf_counter()
        self._log = self.log_file.open("wb")
        self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT, env=self.env,
                                     cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + timeout
        client = Client(self.port, 5)
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    tail = self.log_file.read_text(errors="replace")[-1500:]
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{tail}")
                try:
                    status, _ = client.request("POST", self.sparql_path, b"ASK { ?s ?p ?o }",
                                               {"Content-Type": "application/sparql-query",
                                                "Accept": SPARQL_JSON})
                    if status == 200:
                        self.start_seconds = time.perf_counter() - started
                        log(f"{self.name} ready after {self.start_seconds:.1f} s")
                        return
                    if 400 <= status < 500:
                        raise RuntimeError(f"{self.name} answers HTTP {status} on {self.sparql_path}")
                except (OSError, Timeout, http.client.HTTPException):
                    client.close()
                time.sleep(0.25)
        finally:
            client.close()
        raise Timeout(f"{self.name} was not ready within {timeout:.0f} s")

    def http_request(self, req: Request) -> tuple[str, str, bytes | None, dict[str, str]]:
        if self.name == "partnergraph" and req.canned:
            query = urlencode({**req.params, "limit": "10000"})
            return "GET", f"/api/queries/{req.canned}?{query}", None, {"Accept": "application/json"}
        return "POST", self.sparql_path, req.sparql.encode(), {
            "Content-Type": "application/sparql-query", "Accept": SPARQL_JSON}

    def rss_mb(self) -> float | None:
        """Resident memory of every process in the server's process group."""
        if self.proc is None:
            return None
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.proc.pid:  # pgrp
                    status = (stat.parent / "status").read_text()
                    total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            except (OSError, AttributeError, IndexError, ValueError):
                continue
        return total / 1024

    def stop(self) -> None:
        if self.proc is None:
            return
        log(f"stopping {self.name}")
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                pass
        _kill_group(self.proc)  # the server and anything it started (query workers)
        self.proc = None
        self._log.close()


def partnergraph_server(store: Path, work: Path, label: str, env_extra: dict | None = None) -> Server:
    port = free_port()
    env = {**os.environ, "PARTNERGRAPH_LOAD_IF_EMPTY": "false", **(env_extra or {})}
    suffix = "-heavy" if env_extra else ""
    return Server("partnergraph", [PYTHON, "-m", "partnergraph", "--store", str(store), "serve", "--host",
                                   "127.0.0.1", "--port", str(port)], port,
                  work / f"server-partnergraph-{label}{suffix}.log", "/sparql", env)


def oxigraph_server(store: Path, work: Path, label: str) -> Server:
    port = free_port()
    return Server("oxigraph", [str(BIN / "oxigraph"), "serve", "--location", str(store), "--bind",
                               f"127.0.0.1:{port}", "--union-default-graph"], port,
                  work / f"server-oxigraph-{label}.log", "/query")


def rdflib_server(nq: Path, work: Path, label: str) -> Server:
    port = free_port()
    # rdflib-endpoint 0.6 serves SPARQL at "/" (its --help still says /sparql)
    return Server("rdflib-endpoint", [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port",
                                      str(port), str(nq)], port, work / f"server-rdflib-{label}.log", "/")


# --- measuring --------------------------------------------------------------------------------------

def count_rows(server: Server, req: Request, status: int, body: bytes) -> str:
    if status != 200:
        return f"HTTP {status}"
    try:
        document = json.loads(body)
    except ValueError:
        return "invalid JSON"
    if server.name == "partnergraph" and req.canned:
        return f"{len(document['rows'])}{'+ (truncated)' if document.get('truncated') else ''}"
    if "boolean" in document:
        return str(document["boolean"])
    return str(len(document["results"]["bindings"]))


def verify(server: Server, requests: list[Request], timeout: float, budget: float) -> dict[str, dict]:
    """Each distinct request once, one at a time: row count and latency (also warms the server)."""
    log(f"{server.name}: verification pass ({len(requests)} requests, budget {budget:.0f} s)")
    out: dict[str, dict] = {}
    client = Client(server.port, timeout)
    stop_at = time.monotonic() + budget
    for req in requests:
        remaining = stop_at - time.monotonic()
        if remaining <= 1:
            out[req.key] = {"rows": f"not run (budget of {budget:.0f} s spent)", "seconds": None}
            continue
        method, path, body, headers = server.http_request(req)
        started = time.perf_counter()
        try:
            status, data = client.request(method, path, body, headers, timeout=min(timeout, remaining))
            elapsed = time.perf_counter() - started
            out[req.key] = {"rows": count_rows(server, req, status, data), "seconds": elapsed, "status": status}
            if status != 200:
                out[req.key]["error"] = data[:300].decode(errors="replace")
        except Timeout:
            waited = time.perf_counter() - started
            out[req.key] = {"rows": f"no answer within {waited:.0f} s", "seconds": None}
        except (OSError, http.client.HTTPException) as exc:
            out[req.key] = {"rows": f"error: {exc}", "seconds": None}
            client.close()
    client.close()
    return out


@dataclass
class Sample:
    kind: str
    start: float
    end: float
    status: str  # "200", "503", "timeout", "error: ..."


def run_load(server: Server, requests: list[Request], sequence: list[int], *, concurrency: int,
             duration: float, request_timeout: float, stop: threading.Event | None = None) -> dict:
    """Send `sequence` with `concurrency` clients until it is done, `duration` passes or `stop` is set."""
    samples: list[Sample] = []
    lock = threading.Lock()
    position = [0]
    stop = stop or threading.Event()
    t0 = time.perf_counter()
    deadline = t0 + duration

    def client_loop() -> None:
        client = Client(server.port, request_timeout)
        try:
            while True:
                with lock:
                    if position[0] >= len(sequence) or time.perf_counter() >= deadline or stop.is_set():
                        return
                    req = requests[sequence[position[0]]]
                    position[0] += 1
                method, path, body, headers = server.http_request(req)
                started = time.perf_counter()
                try:
                    status, _ = client.request(method, path, body, headers)
                    outcome = str(status)
                except Timeout:
                    outcome = "timeout"
                except (OSError, http.client.HTTPException) as exc:
                    outcome = f"error: {type(exc).__name__}"
                    client.close()
                with lock:
                    samples.append(Sample(req.kind, started, time.perf_counter(), outcome))
        finally:
            client.close()

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(concurrency)]
    load_before = loadavg()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()) + request_timeout + 10)
    hung = sum(t.is_alive() for t in threads)
    stop.set()
    ok = [s for s in samples if s.status == "200"]
    elapsed = (max(s.end for s in samples) - t0) if samples else time.perf_counter() - t0
    return {"samples": samples, "sent": len(samples), "ok": len(ok), "elapsed": elapsed,
            "rps": len(ok) / elapsed if elapsed > 0 else None, "hung_clients": hung,
            "failures": _count(s.status for s in samples if s.status != "200"),
            "load_before": load_before, "load_after": loadavg(), "rss_mb": server.rss_mb(),
            "sequence_length": len(sequence)}


def _count(items) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def latency_stats(samples: list[Sample]) -> dict[str, dict]:
    by_kind: dict[str, list[float]] = {}
    for s in samples:
        if s.status == "200":
            by_kind.setdefault(s.kind, []).append(s.end - s.start)
            by_kind.setdefault("(whole mix)", []).append(s.end - s.start)
    return {k: {"n": len(v), "p50": percentile(v, 50), "p99": percentile(v, 99)} for k, v in by_kind.items()}


def heavy_test(ds: Dataset, requests: list[Request], work: Path, args) -> dict:
    """A runaway query cut by partnergraph's time limit, and light queries beside it."""
    light = [r for r in requests if r.kind in LIGHT_KINDS]
    server = partnergraph_server(ds.pg_store, work, ds.label,
                                 {"PARTNERGRAPH_QUERY_TIMEOUT": str(args.heavy_timeout)})
    result: dict = {"timeout": args.heavy_timeout, "light_kinds": list(LIGHT_KINDS),
                    "light_requests": len(light)}
    try:
        server.start(args.start_timeout)
        verify(server, light, args.request_timeout, args.verify_budget)  # warm
        sequence = make_sequence(light, 100_000, args.seed + 1)
        log(f"heavy test: light queries alone for {args.heavy_window:.0f} s")
        alone = run_load(server, light, sequence, concurrency=args.concurrency, duration=args.heavy_window,
                         request_timeout=args.request_timeout)
        stop = threading.Event()
        box: dict = {}
        beside_thread = threading.Thread(target=lambda: box.update(run_load(
            server, light, sequence, concurrency=args.concurrency,
            duration=args.heavy_repeats * (args.heavy_timeout * 4 + 5 + HEAVY_GAP) + 30,
            request_timeout=args.request_timeout, stop=stop)), daemon=True)
        beside_thread.start()
        time.sleep(2)
        heavy_client = Client(server.port, args.heavy_timeout * 4 + 5)
        heavies = []
        for i in range(args.heavy_repeats):
            log(f"heavy test: cross-product COUNT {i + 1}/{args.heavy_repeats}")
            started = time.perf_counter()
            try:
                status, body = heavy_client.request("POST", "/sparql", HEAVY_QUERY.encode(),
                                                    {"Content-Type": "application/sparql-query",
                                                     "Accept": SPARQL_JSON})
                outcome, detail = str(status), body[:200].decode(errors="replace")
            except Timeout:
                outcome, detail = "timeout", f"no answer within {args.heavy_timeout * 4 + 5:.0f} s"
            except (OSError, http.client.HTTPException) as exc:
                outcome, detail = f"error: {type(exc).__name__}", str(exc)
                heavy_client.close()
            heavies.append({"start": started, "end": time.perf_counter(), "status": outcome, "detail": detail})
            time.sleep(HEAVY_GAP)
        heavy_client.close()
        stop.set()
        beside_thread.join(args.request_timeout + 30)
        beside = box
        windows = [(h["start"], h["end"]) for h in heavies]
        during = [s for s in beside.get("samples", [])
                  if any(s.start < end and s.end > start for start, end in windows)]
        after = [s for s in beside.get("samples", []) if s not in during
                 and any(end <= s.start < end + HEAVY_GAP for _, end in windows)]
        after_ok = [s.end - s.start for s in after if s.status == "200"]
        alone_ok = [s.end - s.start for s in alone["samples"] if s.status == "200"]
        during_ok = [s.end - s.start for s in during if s.status == "200"]
        beside_ok = [s.end - s.start for s in beside.get("samples", []) if s.status == "200"]
        result.update({
            "heavy": [{"seconds": h["end"] - h["start"], "status": h["status"], "detail": h["detail"]}
                      for h in heavies],
            "alone": {"n": len(alone_ok), "p50": percentile(alone_ok, 50), "p99": percentile(alone_ok, 99),
                      "rps": alone["rps"], "failures": alone["failures"], "load": alone["load_before"]},
            "during": {"n": len(during_ok), "p50": percentile(during_ok, 50), "p99": percentile(during_ok, 99),
                       "failures": _count(s.status for s in during if s.status != "200")},
            "after": {"n": len(after_ok), "p50": percentile(after_ok, 50), "p99": percentile(after_ok, 99),
                      "failures": _count(s.status for s in after if s.status != "200")},
            "whole_beside_run": {"n": len(beside_ok), "p50": percentile(beside_ok, 50),
                                 "p99": percentile(beside_ok, 99), "rps": beside.get("rps"),
                                 "failures": beside.get("failures")},
        })
    except Exception as exc:  # reported, not hidden
        log(f"heavy test failed: {exc}")
        result["error"] = str(exc)
    finally:
        server.stop()
    return result


def run_size(label: str, size: int, work: Path, args) -> dict:
    log(f"=== {label}: preparing data (load average {loadavg()})")
    ds = prepare_data(label, size, work, args.pg_load, args.seed)
    for step, seconds in ds.steps.items():
        log(f"  {step}: {seconds:.1f} s")
    result: dict = {"label": label, "triples_target": size, "quads": ds.triples, "steps": ds.steps,
                    "notes": ds.notes, "verification": {}, "runs": {}, "start_seconds": {}, "rss_mb": {},
                    "load_at_start": loadavg()}
    pg = partnergraph_server(ds.pg_store, work, label)
    ox = oxigraph_server(ds.ox_store, work, label)
    try:
        ox.start(args.start_timeout)
        pg.start(args.start_timeout)
        result["start_seconds"] = {"partnergraph": pg.start_seconds, "oxigraph": ox.start_seconds}
        requests = build_requests(ox.port, args.variants, args.seed)
        sequence = make_sequence(requests, args.requests, args.seed)
        result["requests"] = [{"kind": r.kind, "label": r.label, "params": r.params, "sparql": r.sparql}
                              for r in requests]
        result["sequence_length"] = len(sequence)
        for server in (pg, ox):
            result["verification"][server.name] = verify(server, requests, args.request_timeout,
                                                         args.verify_budget)
        for round_no in range(args.rounds):
            for server in ((pg, ox) if round_no % 2 == 0 else (ox, pg)):
                log(f"{server.name}: mix round {round_no + 1}/{args.rounds} (load average {loadavg()})")
                run = run_load(server, requests, sequence, concurrency=args.concurrency,
                               duration=args.duration, request_timeout=args.request_timeout)
                log(f"  {run['ok']}/{run['sent']} ok in {run['elapsed']:.1f} s = {run['rps']:.2f} req/s, "
                    f"failures {run['failures']}")
                result["runs"].setdefault(server.name, []).append(run)
        result["rss_mb"].update({"partnergraph": pg.rss_mb(), "oxigraph": ox.rss_mb()})
    finally:
        pg.stop()
        ox.stop()
    if not args.skip_rdflib:
        rd = rdflib_server(ds.nq, work, label)
        try:
            rd.start(args.rdflib_start_timeout)
            result["start_seconds"]["rdflib-endpoint"] = rd.start_seconds
            result["verification"]["rdflib-endpoint"] = verify(rd, requests, args.request_timeout,
                                                               args.verify_budget)
            log(f"rdflib-endpoint: mix (load average {loadavg()})")
            run = run_load(rd, requests, sequence, concurrency=args.concurrency, duration=args.duration,
                           request_timeout=args.request_timeout)
            log(f"  {run['ok']}/{run['sent']} ok in {run['elapsed']:.1f} s, failures {run['failures']}")
            result["runs"]["rdflib-endpoint"] = [run]
            result["rss_mb"]["rdflib-endpoint"] = rd.rss_mb()
        except Timeout as exc:
            result["rdflib_error"] = (f"did not finish loading: not ready within {args.rdflib_start_timeout:.0f} s "
                                      f"({exc})")
            log(result["rdflib_error"])
        except Exception as exc:
            result["rdflib_error"] = str(exc)
            log(f"rdflib-endpoint failed: {exc}")
        finally:
            rd.stop()
    if not args.skip_heavy:
        result["heavy"] = heavy_test(ds, requests, work, args)
    result["load_at_end"] = loadavg()
    for runs in result["runs"].values():
        for run in runs:
            run["stats"] = latency_stats(run["samples"])
    return result


# --- report -----------------------------------------------------------------------------------------

def pooled(runs: list[dict]) -> dict:
    samples = [s for run in runs for s in run["samples"]]
    ok = sum(run["ok"] for run in runs)
    elapsed = sum(run["elapsed"] for run in runs)
    return {"ok": ok, "sent": sum(run["sent"] for run in runs), "elapsed": elapsed,
            "rps": ok / elapsed if elapsed else None, "stats": latency_stats(samples),
            "failures": _count(s.status for s in samples if s.status != "200"),
            "complete": all(run["sent"] >= run["sequence_length"] for run in runs)}


def markdown(results: list[dict], info: dict[str, str], args, started: str) -> str:
    lines = ["# HTTP service benchmark", "",
             f"Generated by `python bench/http_service.py {' '.join(sys.argv[1:])}` on {started}. "
             "All numbers below were measured by that run; nothing is estimated.", "",
             "| machine | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines += ["", f"Settings: {args.concurrency} concurrent clients (Python threads, keep-alive HTTP/1.1, "
              f"loopback), at most {args.requests} requests or {args.duration:.0f} s per round, "
              f"{args.rounds} round(s) for partnergraph and oxigraph (alternating), 1 round for "
              f"rdflib-endpoint, request timeout {args.request_timeout:.0f} s, {args.variants} parameter "
              "variants per query kind, seed "
              f"{args.seed}. partnergraph runs with its defaults (PARTNERGRAPH_QUERY_WORKERS=2, "
              "PARTNERGRAPH_QUERY_TIMEOUT=30); oxigraph with `--union-default-graph`; rdflib-endpoint with "
              "its defaults (in-memory rdflib Dataset, union default graph). The client runs on the same "
              "2-core machine as the server, and other developers' test runs shared the machine: see the "
              "load averages.", ""]
    for res in results:
        lines += _size_section(res, args)
    return "\n".join(lines) + "\n"


def _size_section(res: dict, args) -> list[str]:
    label = res["label"]
    out = [f"## {label} triples ({res['quads']} quads including ontology and vocabulary graphs)", ""]
    out += ["| data preparation step | seconds |", "|---|---|"]
    out += [f"| {k} | {v:.1f} |" for k, v in res["steps"].items()]
    out += [""] + [f"- {n}" for n in res["notes"]]
    starts = ", ".join(f"{k} {v:.1f} s" for k, v in res["start_seconds"].items() if v is not None)
    out += [f"- server start until the first answer: {starts}",
            f"- load average at the start of this size: {res['load_at_start']}; at its end: "
            f"{res.get('load_at_end', '-')}", ""]
    if "requests" not in res:
        return out + ["(no requests were run)", ""]
    out += ["### The mix", "",
            f"{len(res['requests'])} distinct requests; a sequence of {res['sequence_length']} of them "
            "(shuffled passes over all, the same order for every server). Canned queries go to partnergraph's "
            "`GET /api/queries/<name>?...&limit=10000` (JSON envelope) and, as the catalogue's own SPARQL with "
            "the parameters bound by a one-row VALUES block first in the WHERE pattern of the query and of "
            "each sub-SELECT (partnergraph binds them with pyoxigraph substitutions, which reach into "
            "sub-SELECTs) and `LIMIT 10001` (what "
            "partnergraph runs for `limit=10000`), to the other servers' SPARQL endpoints; raw SPARQL goes "
            "to every server's SPARQL endpoint (`POST`, `application/sparql-query`, SPARQL JSON results).", "",
            "| kind | parameters |", "|---|---|"]
    for r in res["requests"]:
        out.append(f"| {r['kind']} | {r['label'] or '-'} |")
    servers = [s for s in SERVERS if s in res["verification"]]
    out += ["", "### Row counts and single-request latency", "",
            "Each distinct request once, one at a time, before the timed runs (ms; rows in brackets).", "",
            "| request | " + " | ".join(servers) + " | same rows? |", "|---|" + "---|" * (len(servers) + 1)]
    mismatches = []
    for r in res["requests"]:
        key = f"{r['kind']} {r['label']}".strip()
        cells, counts = [], []
        for s in servers:
            v = res["verification"][s].get(key, {})
            cells.append(f"{ms(v.get('seconds'))} ({v.get('rows', '-')})")
            counts.append(str(v.get("rows")))
        numeric = [c for c in counts if c.isdigit()]
        same = "yes" if len(numeric) == len(counts) and len(set(numeric)) == 1 else \
            "**NO**" if len(set(numeric)) > 1 else "incomplete"
        if same != "yes":
            mismatches.append((key, dict(zip(servers, counts))))
        out.append(f"| {key} | " + " | ".join(cells) + f" | {same} |")
    if "rdflib_error" in res:
        out += ["", f"rdflib-endpoint: {res['rdflib_error']}"]
    out += [""]
    if mismatches:
        out += ["Row-count mismatches or incomplete answers:", ""]
        out += [f"- {k}: " + ", ".join(f"{s} {c}" for s, c in v.items()) for k, v in mismatches]
        out += [""]
    errors = [(s, k, v["error"]) for s in servers for k, v in res["verification"][s].items() if v.get("error")]
    if errors:
        out += ["Error answers in the verification pass:", ""]
        out += [f"- {s}, {k}: `{e[:200].replace('`', '')}`" for s, k, e in errors]
        out += [""]
    slow = [(f"{r['kind']} {r['label']}", res["verification"]["partnergraph"].get(
        f"{r['kind']} {r['label']}".strip(), {}).get("seconds")) for r in res["requests"] if r["kind"] in CANNED_KINDS]
    slow = [(k, v) for k, v in slow if v is not None and v > 5]
    if slow:
        out += ["Canned queries slower than 5 s on partnergraph (single request): " +
                ", ".join(f"{k} {v:.1f} s" for k, v in slow), ""]
    out += ["### Throughput and latency under load", "",
            "| server | round | ok / sent | failures | seconds | req/s | p50 ms | p99 ms | load avg before | "
            "server RSS MB |", "|---|---|---|---|---|---|---|---|---|---|"]
    pooled_by = {}
    for s in servers:
        runs = res["runs"].get(s, [])
        for i, run in enumerate(runs):
            st = run["stats"].get("(whole mix)", {})
            rss = f"{run['rss_mb']:.0f}" if run["rss_mb"] is not None else "-"
            rps = f"{run['rps']:.2f}" if run["rps"] is not None else "-"
            out.append(f"| {s} | {i + 1} | {run['ok']} / {run['sent']} of {run['sequence_length']} | "
                       f"{_fmt_failures(run['failures'])} | {run['elapsed']:.1f} | {rps} | "
                       f"{ms(st.get('p50'))} | {ms(st.get('p99'))} | {run['load_before']} | {rss} |")
        if runs:
            pooled_by[s] = pooled(runs)
    out += ["", "Per query kind, all rounds pooled (p50 / p99 in ms, n = successful requests; p99 of fewer "
            "than 100 samples is the maximum):", "",
            "| kind | " + " | ".join(pooled_by) + " |", "|---|" + "---|" * len(pooled_by)]
    kinds = list(CANNED_KINDS + RAW_KINDS) + ["(whole mix)"]
    for kind in kinds:
        cells = []
        for s, p in pooled_by.items():
            st = p["stats"].get(kind)
            cells.append(f"{ms(st['p50'])} / {ms(st['p99'])} (n={st['n']})" if st else "-")
        out.append(f"| {kind} | " + " | ".join(cells) + " |")
    out += ["", "| server | ok requests | seconds | req/s (pooled) | whole sequence done? |", "|---|---|---|---|---|"]
    for s, p in pooled_by.items():
        out.append(f"| {s} | {p['ok']} | {p['elapsed']:.1f} | {p['rps']:.2f} | "
                   f"{'yes' if p['complete'] else 'no (stopped at --duration)'} |")
    out += [""]
    pg = pooled_by.get("partnergraph")
    if pg:
        for other, goal in (("oxigraph", 0.8), ("rdflib-endpoint", 10.0)):
            p = pooled_by.get(other)
            if p and p["rps"]:
                ratio = pg["rps"] / p["rps"]
                met = "met" if ratio >= goal else "NOT met"
                caveat = "" if p["complete"] else (f" ({other} did not finish the sequence within "
                                                   f"{args.duration:.0f} s; its rate is over the requests it did)")
                out.append(f"- throughput partnergraph / {other}: **{ratio:.2f}x** (goal >= {goal:g}x: {met}){caveat}")
            elif other == "rdflib-endpoint":
                out.append(f"- throughput partnergraph / {other}: not measured "
                           f"({res.get('rdflib_error', 'no successful request')})")
        out.append("")
    heavy = res.get("heavy")
    if heavy:
        out += ["### A runaway query beside light ones (partnergraph)", ""]
        if "error" in heavy:
            out += [f"Failed: {heavy['error']}", ""]
        else:
            out += [f"partnergraph restarted with `PARTNERGRAPH_QUERY_TIMEOUT={heavy['timeout']:g}`; light "
                    f"queries ({', '.join(heavy['light_kinds'])}; {heavy['light_requests']} distinct) sent by "
                    f"{args.concurrency} clients for {args.heavy_window:.0f} s alone, then again while one more "
                    f"client sent `{HEAVY_QUERY}` {args.heavy_repeats} times in a row.", "",
                    "| heavy query # | wall time to answer (s) | status | body (start) |", "|---|---|---|---|"]
            for i, h in enumerate(heavy["heavy"]):
                detail = h["detail"].replace("|", "\\|").replace("\n", " ")[:120]
                out.append(f"| {i + 1} | {h['seconds']:.2f} | {h['status']} | `{detail}` |")
            out += ["", "| light queries | n | p50 ms | p99 ms | failures |", "|---|---|---|---|---|"]
            for name, key in (("alone", "alone"), ("while a heavy query was running", "during"),
                              (f"in the {HEAVY_GAP:g} s after a heavy query was cut", "after"),
                              ("whole run beside the heavy queries", "whole_beside_run")):
                v = heavy[key]
                out.append(f"| {name} | {v['n']} | {ms(v['p50'])} | {ms(v['p99'])} | "
                           f"{_fmt_failures(v.get('failures') or {})} |")
            a, d = heavy["alone"]["p99"], heavy["during"]["p99"]
            if a and d:
                ratio = d / a
                out += ["", f"- light p99 while the heavy query ran / alone: **{ratio:.2f}x** (goal <= 2x: "
                        f"{'met' if ratio <= 2 else 'NOT met'})"]
            out += [""]
    return out


def _fmt_failures(failures: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in failures.items()) or "0"


def _jsonable(results: list[dict]) -> list[dict]:
    clean = []
    for res in results:
        res = dict(res)
        res["runs"] = {s: [{k: v for k, v in run.items() if k != "samples"} for run in runs]
                       for s, runs in res.get("runs", {}).items()}
        clean.append(res)
    return clean


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k", help="comma-separated sizes, e.g. 100k,1M (default 100k)")
    parser.add_argument("--requests", type=int, default=400, help="requests per round (default 400)")
    parser.add_argument("--duration", type=float, default=120, help="max seconds per round (default 120)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds for partnergraph and oxigraph, alternating (default 2)")
    parser.add_argument("--variants", type=int, default=3, help="parameter sets per query kind (default 3)")
    parser.add_argument("--request-timeout", type=float, default=60, help="seconds per request (default 60)")
    parser.add_argument("--verify-budget", type=float, default=300,
                        help="seconds for one server's verification pass (default 300)")
    parser.add_argument("--start-timeout", type=float, default=300, help="seconds for a server to start")
    parser.add_argument("--rdflib-start-timeout", type=float, default=300,
                        help="seconds for rdflib-endpoint to load the data and answer (default 300)")
    parser.add_argument("--pg-load", choices=("bulk", "cli"), default="bulk",
                        help="bulk: pyoxigraph bulk_load (no validation); cli: `partnergraph load` (validated)")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--skip-heavy", action="store_true")
    parser.add_argument("--heavy-timeout", type=float, default=5, help="PARTNERGRAPH_QUERY_TIMEOUT of the heavy test")
    parser.add_argument("--heavy-repeats", type=int, default=3)
    parser.add_argument("--heavy-window", type=float, default=20, help="seconds of light load alone")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/partnergraph-bench-http"),
                        help="data, stores and server logs (outside the repository)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results" / "http.md")
    parser.add_argument("--keep", action="store_true", help="keep the stores and data in --workdir")
    args = parser.parse_args(argv)
    if shutil.which(str(BIN / "oxigraph")) is None:
        parser.error(f"{BIN / 'oxigraph'} not found: pip install oxigraph")
    if not args.skip_rdflib and shutil.which(str(BIN / "rdflib-endpoint")) is None:
        parser.error(f"{BIN / 'rdflib-endpoint'} not found: pip install rdflib-endpoint (or --skip-rdflib)")
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info = machine()
    for k, v in info.items():
        print(f"{k}: {v}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for label in [s.strip() for s in args.sizes.split(",") if s.strip()]:
            results.append(run_size(label, parse_size(label), args.workdir, args))
            # write after every size so that a later failure keeps what was measured
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(markdown(results, info, args, started))
            args.out.with_suffix(".json").write_text(json.dumps(
                {"machine": info, "args": {k: str(v) for k, v in vars(args).items()},
                 "results": _jsonable(results)}, indent=1, default=str))
            log(f"wrote {args.out}")
    finally:
        if not args.keep:
            for pattern in ("pg-store-*", "ox-store-*"):
                for path in args.workdir.glob(pattern):
                    shutil.rmtree(path, ignore_errors=True)
    print(args.out.read_text() if args.out.exists() else "no results")
    return 0


if __name__ == "__main__":
    sys.exit(main())
