"""The cost of the hop to a query worker process: median latency in-process vs through the QueryPool,
and the cost of publishing a snapshot, at 10k and 100k triples of generated data.

    python bench/query_hop.py [--sizes 10000 100000] [--repeat 200]

In-process means `Store.query` plus serialisation to SPARQL JSON by pyoxigraph in the
calling thread, which is what the worker does; through the pool adds pickling the request, the pipe and
the first-chunk wait. Snapshot cost is `publish_snapshot()` in the parent plus opening the snapshot in
a worker (read-only open on disk; N-Quads load in memory).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from partnergraph.store.oxigraph.pool import QueryPool
from partnergraph.store.oxigraph.worker import open_snapshot

EX = "http://example.org/bench/"
QUERIES = {
    "trivial": "ASK { }",
    "typical": f"""PREFIX ex: <{EX}>
        SELECT ?org ?name ?partnerName ?year WHERE {{
          ?org a ex:Organisation ; ex:country "NL" ; ex:name ?name ; ex:partner ?partner .
          ?partner ex:name ?partnerName ; ex:founded ?year .
          FILTER(?year >= 1990)
        }} ORDER BY ?name ?partnerName LIMIT 50""",
}


def generate(triples: int) -> list[ox.Quad]:
    """Organisations with a type, name, country, founding year and two partners (7 triples each)."""
    quads = []
    organisations = triples // 7
    countries = ["NL", "DE", "FR", "BE", "IT", "ES", "PL", "SE", "AT", "DK"]
    graph = ox.NamedNode(f"{EX}graph")
    for i in range(organisations):
        org = ox.NamedNode(f"{EX}org/{i}")
        quads += [
            ox.Quad(org, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    ox.NamedNode(f"{EX}Organisation"), graph),
            ox.Quad(org, ox.NamedNode(f"{EX}name"), ox.Literal(f"Organisation {i}"), graph),
            ox.Quad(org, ox.NamedNode(f"{EX}country"), ox.Literal(countries[i % len(countries)]), graph),
            ox.Quad(org, ox.NamedNode(f"{EX}founded"), ox.Literal(str(1950 + i % 70), datatype=ox.NamedNode(
                "http://www.w3.org/2001/XMLSchema#integer")), graph),
            ox.Quad(org, ox.NamedNode(f"{EX}partner"),
                    ox.NamedNode(f"{EX}org/{(i * 7 + 1) % organisations}"), graph),
            ox.Quad(org, ox.NamedNode(f"{EX}partner"),
                    ox.NamedNode(f"{EX}org/{(i * 13 + 5) % organisations}"), graph),
            ox.Quad(org, ox.NamedNode(f"{EX}website"), ox.NamedNode(f"https://org{i}.example/"), graph),
        ]
    return quads


def in_process(store: ox.Store, query: str) -> bytes:
    """Run and serialise a query in this thread, as a worker does."""
    result = store.query(query, use_default_graph_as_union=True)
    return result.serialize(format=ox.QueryResultsFormat.JSON)


def median_ms(*functions, repeat: int) -> list[float]:
    """Median wall time of each function in ms, calls interleaved so that drift hits all alike."""
    for function in functions:
        function()  # warm up
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeat):
        for function, spent in zip(functions, times):
            started = time.perf_counter()
            function()
            spent.append(time.perf_counter() - started)
    return [statistics.median(spent) * 1000 for spent in times]


def snapshot_cost(store: ox.Store, store_path: Path | None, repeat: int = 5) -> tuple[float, float]:
    """Median ms to publish a snapshot, and to open it as a worker does."""
    with QueryPool(store, store_path=store_path, size=1, timeout=60) as pool:
        [publish] = median_ms(pool.publish_snapshot, repeat=repeat)
        snapshot = pool._snapshots.current
        [load] = median_ms(lambda: open_snapshot(snapshot), repeat=repeat)
    return publish, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    hop_rows, snapshot_rows = [], []
    for size in args.sizes:
        quads = generate(size)
        with tempfile.TemporaryDirectory() as tmp:
            memory = ox.Store()
            memory.extend(quads)
            disk_path = Path(tmp) / "store"
            disk = ox.Store(str(disk_path))
            disk.bulk_extend(quads)
            disk.flush()
            for mode, store, path in (("memory", memory, None), ("disk", disk, disk_path)):
                publish, load = snapshot_cost(store, path)
                snapshot_rows.append((len(quads), mode, publish, load))
            with QueryPool(memory, size=2, timeout=60) as pool:
                for name, query in QUERIES.items():
                    assert pool.execute(query).read() == in_process(memory, query)
                    local, hop = median_ms(lambda q=query: in_process(memory, q),
                                           lambda q=query: pool.execute(q).read(), repeat=args.repeat)
                    hop_rows.append((len(quads), name, local, hop))
            del disk

    print("\nQuery latency, median of", args.repeat, "runs (ms)")
    print(f"| {'triples':>8} | {'query':<8} | {'in-process':>10} | {'QueryPool':>10} | {'hop cost':>9} |")
    print(f"|{'-' * 10}|{'-' * 10}|{'-' * 12}|{'-' * 12}|{'-' * 11}|")
    for triples, name, local, hop in hop_rows:
        print(f"| {triples:>8} | {name:<8} | {local:>10.3f} | {hop:>10.3f} | {hop - local:>9.3f} |")
    print("\nSnapshot cost, median of 5 (ms)")
    print(f"| {'triples':>8} | {'store':<6} | {'publish (parent)':>16} | {'open (worker)':>13} |")
    print(f"|{'-' * 10}|{'-' * 8}|{'-' * 18}|{'-' * 15}|")
    for triples, mode, publish, load in snapshot_rows:
        print(f"| {triples:>8} | {mode:<6} | {publish:>16.1f} | {load:>13.1f} |")


if __name__ == "__main__":
    main()
