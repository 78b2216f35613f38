"""Where a light query's time goes in partnergraph, against `oxigraph serve`, before choosing a fix.

    python bench/http_breakdown.py --size 100k --repeat 30 --requests 400 --workers 2,4

Same data, requests and servers as bench/http_service.py (one parameter variant per query kind).

1. One request at a time (median of --repeat; the layers, and then the two servers, take turns so that
   the load of a shared machine falls on all alike), in this process on the partnergraph store before the
   server starts:
   - engine: `Store.query` + serialising the answer to SPARQL JSON, what a query worker does;
   - pool: the same through the QueryPool (request to a worker process, the answer back through a pipe);
   - service: for canned queries, `CannedQueryService.run` (pool + parsing the SPARQL JSON in the main
     process + plain rows); raw SPARQL is relayed as the worker wrote it;
   - http: the whole request to `partnergraph serve` (uvicorn, FastAPI, the envelope, one keep-alive
     client), and the same request to `oxigraph serve`.
2. Under load: --concurrency clients send the same sequence to partnergraph (once per --workers value,
   PARTNERGRAPH_QUERY_WORKERS) and to oxigraph; p50 per kind, throughput.

Results: bench/results/http-breakdown.md and .json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import http_service as hs  # noqa: E402


def _interleaved_ms(runs: dict, repeat: int) -> dict[str, float]:
    """Median ms of each callable, run in turn `repeat` times (one warm-up each), so that the load of a
    shared machine falls on all of them alike."""
    for run in runs.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def layers(ds: hs.Dataset, requests: list[hs.Request], repeat: int) -> dict[str, dict[str, float]]:
    """Median ms per layer and kind, in this process, on the partnergraph store."""
    import pyoxigraph as ox

    from partnergraph.resources import bundled_resources
    from partnergraph.services.querying.canned_queries import CannedQueryService
    from partnergraph.services.querying.catalogue import Catalogue
    from partnergraph.store.oxigraph.store import OxigraphStore, substitutions

    catalogue = Catalogue.from_directory(bundled_resources().queries_dir)
    store = OxigraphStore(ds.pg_store)
    executor = store.open_executor(workers=2, timeout=60)
    service = CannedQueryService(catalogue, executor, timeout=60, default_limit=100, max_limit=10_000)
    raw = store.pyoxigraph_store
    out: dict[str, dict[str, float]] = {}
    try:
        for req in requests:
            if req.canned:
                prepared = catalogue.get(req.canned).prepare({k: [v] for k, v in req.params.items()})
                text, bindings = prepared.paged(10_000), prepared.bindings
            else:
                text, bindings = req.sparql, {}

            def engine(text=text, bindings=bindings) -> None:
                solutions = raw.query(text, use_default_graph_as_union=True,
                                      substitutions=substitutions(bindings))
                solutions.serialize(format=ox.QueryResultsFormat.JSON)

            def pool(text=text, bindings=bindings) -> None:
                stream = executor.execute(text, substitutions=bindings, result_format="json", timeout=60)
                try:
                    b"".join(stream)
                finally:
                    stream.close()

            runs = {"engine": engine, "pool": pool}
            if req.canned:
                runs["service"] = lambda req=req: service.run(
                    req.canned, {k: [v] for k, v in req.params.items()}, limit="10000")
            row = _interleaved_ms(runs, repeat)
            out[req.kind] = row
            harness.log(f"{req.kind}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in row.items()))
    finally:
        executor.close()
        store.close()
    return out


def http_medians(servers: list[hs.Server], requests: list[hs.Request], repeat: int) -> dict[str, dict]:
    """Median ms per server and kind, one request at a time, the servers taking turns."""
    clients = {server.name: hs.Client(server.port, 120) for server in servers}
    out: dict[str, dict] = {server.name: {} for server in servers}
    try:
        for req in requests:
            runs = {}
            for server in servers:
                method, path, body, headers = server.http_request(req)

                def once(server=server, method=method, path=path, body=body, headers=headers) -> None:
                    status, _ = clients[server.name].request(method, path, body, headers)
                    if status != 200:
                        raise RuntimeError(f"{server.name} answered {status} to {req.key}")

                runs[server.name] = once
            for name, value in _interleaved_ms(runs, repeat).items():
                out[name][req.kind] = value
    finally:
        for client in clients.values():
            client.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", default="2,4", help="PARTNERGRAPH_QUERY_WORKERS values to run under load")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "partnergraph-bench-breakdown")
    parser.add_argument("--out", type=Path, default=harness.RESULTS_DIR / "http-breakdown.md")
    args = parser.parse_args(argv)
    info = harness.machine()
    args.workdir.mkdir(parents=True, exist_ok=True)
    size = hs.parse_size(args.size)
    ds = hs.prepare_data(args.size, size, args.workdir, "bulk", args.seed)
    ox_server = hs.oxigraph_server(ds.ox_store, args.workdir, args.size)
    result: dict = {"size": args.size, "load_at_start": hs.loadavg(), "under_load": {}}
    try:
        ox_server.start(300)
        requests = hs.build_requests(ox_server.port, 1, args.seed)
        sequence = hs.make_sequence(requests, args.requests, args.seed)
        result["layers"] = layers(ds, requests, args.repeat)
        for workers in [int(w) for w in args.workers.split(",") if w]:
            pg = hs.partnergraph_server(ds.pg_store, args.workdir, args.size,
                                        {"PARTNERGRAPH_QUERY_WORKERS": str(workers)})
            try:
                pg.start(300)
                if workers == int(args.workers.split(",")[0]):
                    medians = http_medians([pg, ox_server], requests, args.repeat)
                    result["http_partnergraph"], result["http_oxigraph"] = medians["partnergraph"], medians["oxigraph"]
                for server in (pg, ox_server):
                    name = f"partnergraph ({workers} workers)" if server is pg else "oxigraph"
                    if name in result["under_load"]:
                        continue
                    harness.log(f"{name}: {args.concurrency} clients (load average {hs.loadavg()})")
                    run = hs.run_load(server, requests, sequence, concurrency=args.concurrency,
                                      duration=args.duration, request_timeout=120)
                    run["stats"] = hs.latency_stats(run.pop("samples"))
                    result["under_load"][name] = run
                    harness.log(f"  {run['ok']}/{run['sent']} ok, {run['rps']:.2f} req/s")
            finally:
                pg.stop()
    finally:
        ox_server.stop()
    result["load_at_end"] = hs.loadavg()
    (args.out.with_suffix(".json")).write_text(json.dumps(result, indent=1, default=str))
    harness.publish(render(result, args, info), args.out)
    return 0


def render(result: dict, args, info: dict) -> str:
    rows = []
    for kind, layer in result["layers"].items():
        pg_http = result.get("http_partnergraph", {}).get(kind)
        ox_http = result["http_oxigraph"].get(kind)
        service = layer.get("service")
        before_http = service if service is not None else layer["pool"]
        rows.append([kind, f"{layer['engine']:.2f}", f"{layer['pool'] - layer['engine']:+.2f}",
                     f"{service - layer['pool']:+.2f}" if service is not None else "(relayed)",
                     f"{pg_http - before_http:+.2f}" if pg_http is not None else "",
                     f"{pg_http:.2f}" if pg_http is not None else "", f"{ox_http:.2f}" if ox_http else "",
                     f"{pg_http / ox_http:.2f}x" if pg_http and ox_http else ""])
    load_rows = []
    names = list(result["under_load"])
    kinds = [k for k in result["layers"]] + ["(whole mix)"]
    ox_stats = result["under_load"].get("oxigraph", {}).get("stats", {})
    for kind in kinds:
        row = [kind]
        for name in names:
            p50 = result["under_load"][name]["stats"].get(kind, {}).get("p50")
            ox = ox_stats.get(kind, {}).get("p50")
            row.append("" if p50 is None else f"{p50 * 1000:.1f}" + (f" ({p50 / ox:.2f}x)" if ox and name != "oxigraph" else ""))
        load_rows.append(row)
    ox_rps = result["under_load"].get("oxigraph", {}).get("rps")
    load_rows.append(["throughput, req/s"] + [
        f"{result['under_load'][n]['rps']:.2f}" + (f" ({result['under_load'][n]['rps'] / ox_rps:.2f}x)"
                                                  if ox_rps and n != "oxigraph" else "") for n in names])
    return f"""# Where a query's time goes (HTTP breakdown)

Command: `python bench/http_breakdown.py --size {args.size} --repeat {args.repeat} --requests {args.requests}
--concurrency {args.concurrency} --workers {args.workers}`; data and requests as in `bench/http_service.py`
(one parameter variant per kind). Load average {result['load_at_start']} at the start, {result['load_at_end']}
at the end.

One request at a time, median ms of {args.repeat} (the layers take turns, then the two servers): the engine (query + SPARQL JSON, what a worker does), what
the hop to a worker adds, what parsing the answer into rows in the main process adds (canned queries; raw
SPARQL is relayed as the worker wrote it), what HTTP adds (uvicorn, FastAPI, the envelope), the whole
request, and the same request to `oxigraph serve`:

{harness.table(["kind", "engine", "+ hop (pool)", "+ parse, rows", "+ HTTP, envelope", "partnergraph", "oxigraph serve", "ratio"], rows)}

{args.concurrency} clients, the same sequence of {args.requests} requests, p50 ms (ratio to `oxigraph serve`):

{harness.table(["kind"] + names, load_rows)}

Machine:
{harness.machine_markdown(info)}
"""


if __name__ == "__main__":
    raise SystemExit(main())
