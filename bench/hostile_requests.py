"""Requests that once stalled or bloated the server: main-process memory and other requests' latency meanwhile.

    python bench/hostile_requests.py [--before PATH] [--out bench/results/hostile.md]

Starts `partnergraph serve` on a temporary on-disk store (a curator token in its token file), then sends
each attack of issue #8 section 2 while a second client keeps asking light questions. For each attack:
the attack's status codes and duration, the main process's resident memory (VmRSS of the serving
process, its query workers excluded) before, at its peak and after, and the light requests' median and
worst latency during the attack. `--before PATH` runs the same attacks, in the same run, against the
partnergraph source tree at PATH (e.g. a `git worktree` of an older commit), served with this
interpreter: its `src/` is put first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

import harness

SOURCE = "https://w3id.org/partnergraph/id/source/dhs-2019-09-20-joint-statement-el-salvador"
LIGHT = "/api/queries"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """`partnergraph serve` in a subprocess, from this checkout or from another source tree."""

    def __init__(self, tree: Path | None, root: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PARTNERGRAPH_STORE": str(root / "store"),
               "PARTNERGRAPH_TOKENS_FILE": str(root / "tokens.json"), "PARTNERGRAPH_QUERY_TIMEOUT": "20"}
        if tree is not None:
            env["PYTHONPATH"] = str(tree / "src")
        created = subprocess.run([sys.executable, "-m", "partnergraph", "token", "create", "--name", "bench",
                                  "--role", "curator", "--tokens-file", str(root / "tokens.json")],
                                 env=env, capture_output=True, text=True, check=True)
        self.token = created.stdout.strip().splitlines()[-1]
        self.process = subprocess.Popen([sys.executable, "-m", "partnergraph", "serve", "--port", str(self.port)],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(self.url + LIGHT, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def attacks(token: str) -> list[tuple[str, int, callable]]:
    """(name, how many at once, request) for each attack of issue #8 section 2 (and the 17 MB literal)."""
    depth = 20_000
    nested = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e.example/">'
              '<rdf:Description rdf:about="http://e.example/a">' + "<e:p><rdf:Description>" * depth
              + "</rdf:Description></e:p>" * depth + "</rdf:Description></rdf:RDF>").encode()
    dry_run = b"".join(b'<http://e.example/s%d> <http://e.example/p> "value %d" .\n' % (i, i) for i in range(60_000))
    small_dry_run = dry_run[:1_900_000].rsplit(b"\n", 1)[0] + b"\n"
    form = b"&".join([b"a=1"] * 12_000_000)  # 48 MB, 12M fields
    parens = "SELECT * WHERE { FILTER(" + "(" * 999_000 + "1" + ")" * 10 + ") }"
    literal = b'<http://e.example/a> <http://e.example/p> "' + b"x" * (17 * 1024 * 1024) + b'" .'
    auth = {"Authorization": f"Bearer {token}"}

    def post(path, body, headers):
        return lambda client, i: client.post(path, content=body, headers=headers).status_code

    return [
        ("RDF/XML nested 20,000 deep, 0.9 MB (/api/validate)", 1,
         post(f"/api/validate?source={SOURCE}", nested, {"Content-Type": "application/rdf+xml"})),
        ("anonymous dry run, 3.7 MB, beside a curator's ingest", 1,
         post(f"/api/validate?source={SOURCE}", dry_run, {"Content-Type": "application/n-triples"})),
        ("anonymous dry run, 1.9 MB, beside a curator's ingest", 1,
         post(f"/api/validate?source={SOURCE}", small_dry_run, {"Content-Type": "application/n-triples"})),
        ("form of 48 MB, 12M fields (POST /sparql)", 1,
         post("/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"})),
        ("query of 1 MB of '(' (POST /sparql), 4 at once", 4,
         post("/sparql", parens.encode(), {"Content-Type": "application/sparql-query"})),
        ("130 distinct 16 KB queries of short tokens", 130, lambda client, i: client.post(
            "/sparql", content=("ASK { FILTER(" + "+".join(["1"] * 5_300) + f" > {i}) }}").encode(),
            headers={"Content-Type": "application/sparql-query"}).status_code),
        ("literal of 17 MB (/api/ingest)", 1,
         post(f"/api/ingest?source={SOURCE}", literal, {"Content-Type": "text/turtle", **auth})),
    ]


def measure(server: Server, name: str, copies: int, request) -> dict:
    pid = server.process.pid
    before = rss_mb(pid)
    peak = [before]
    stop = threading.Event()
    light: list[float] = []

    def watch_memory() -> None:
        while not stop.is_set():
            peak.append(rss_mb(pid))
            time.sleep(0.02)

    def ask_lightly() -> None:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            while not stop.is_set():
                started = time.perf_counter()
                client.get(LIGHT)
                light.append(time.perf_counter() - started)
                time.sleep(0.05)

    ingest_seconds: list[float] = []

    def curator_ingest() -> None:  # only for the dry-run attack: does a write wait for it?
        body = f'<https://w3id.org/partnergraph/id/person/bench> a <http://xmlns.com/foaf/0.1/Person> ; ' \
               f'<http://xmlns.com/foaf/0.1/name> "Bench" ; <http://www.w3.org/ns/prov#wasDerivedFrom> <{SOURCE}> .'
        time.sleep(0.3)
        started = time.perf_counter()
        httpx.post(f"{server.url}/api/ingest?source={SOURCE}", content=body.encode(), timeout=120,
                   headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {server.token}"})
        ingest_seconds.append(time.perf_counter() - started)

    helpers = [threading.Thread(target=watch_memory), threading.Thread(target=ask_lightly)]
    if "dry run" in name:
        helpers.append(threading.Thread(target=curator_ingest))
    for thread in helpers:
        thread.start()
    time.sleep(0.3)
    statuses: list[int | str] = []
    started = time.perf_counter()

    def one(i: int) -> None:
        with httpx.Client(base_url=server.url, timeout=600) as client:
            try:
                statuses.append(request(client, i))
            except httpx.HTTPError as exc:
                statuses.append(type(exc).__name__)

    workers = [threading.Thread(target=one, args=(i,)) for i in range(copies)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    time.sleep(0.5)
    stop.set()
    for thread in helpers:
        thread.join()
    counts: dict[str, int] = {}
    for status in statuses:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return {"attack": name, "statuses": counts, "seconds": seconds, "rss_before": before, "rss_peak": max(peak),
            "rss_after": rss_mb(pid), "light_p50": statistics.median(light) if light else None,
            "light_max": max(light) if light else None, "ingest_s": ingest_seconds[0] if ingest_seconds else None}


def run(tree: Path | None, label: str) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="pg-hostile-") as root:
        server = Server(tree, Path(root))
        try:
            results = []
            for name, copies, request in attacks(server.token):
                harness.log(f"{label}: {name}")
                results.append({"version": label, **measure(server, name, copies, request)})
            return results
        finally:
            server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a partnergraph source tree to measure first")
    parser.add_argument("--out", type=Path, default=harness.RESULTS_DIR / "hostile.md")
    args = parser.parse_args()
    results = (run(args.before, "before") if args.before else []) + run(None, "now")
    rows = []
    for r in results:
        statuses = ", ".join(f"{k}×{v}" for k, v in sorted(r["statuses"].items()))
        rows.append([r["version"], r["attack"], statuses, harness.fmt_s(r["seconds"]),
                     f"{r['rss_before']:.0f} / {r['rss_peak']:.0f} / {r['rss_after']:.0f}",
                     f"{(r['rss_peak'] - r['rss_before']):+.0f}",
                     harness.fmt_s(r["light_p50"]), harness.fmt_s(r["light_max"]),
                     harness.fmt_s(r["ingest_s"]) if r["ingest_s"] is not None else "-"])
    text = ("## Hostile requests (issue #8, section 2)\n\n" + harness.machine_markdown(harness.machine()) + "\n\n"
            + "RSS is the serving process's VmRSS in MB (before / peak / after the attack); light requests are "
            f"`GET {LIGHT}` sent every 50 ms by a second client during the attack.\n\n"
            + harness.table(["version", "attack", "statuses", "attack took", "RSS MB", "peak growth",
                             "light p50", "light max", "curator ingest"], rows) + "\n")
    harness.publish(text, args.out)
    harness.save_raw("hostile", {"results": results})


if __name__ == "__main__":
    main()
