"""Incremental validation of a batch against a store, against the full validation of store + batch.

    python bench/incremental.py --sizes 10k,100k,1M --batches 1k,10k

For each store size S, bench/synthetic.py generates a graph of S + 10k triples (seeded); the activities
(agreements with their signatures, new government bodies with posts and tenures, frameworks...) that fill
the first S triples form the store, the following ones the batches: the first 1k and the first 10k triples
of activities after the store. So the batches are valid data that refer to stored states, people, posts,
agreements and sources. The store is an in-memory partnergraph store (`OxigraphStore`) holding the model
graphs (ontology, imports, vocabularies, written with `replace_graph`) and the store part in one named graph,
loaded with pyoxigraph `bulk_load`.

- `incremental`: `IncrementalValidator(bundle).check_batch(store, batch, graph=...)` (what `validate_batch`
  returns, with its costs); then "+ commit" adds writing the batch into a new named graph with
  `replace_graph` (dropped again afterwards). One warm-up call, then the median of --repeat runs.
- `full`: the project's full validation of store + batch, `ValidationService(store, Validator(bundle))
  .validate_change({graph: batch})` (reads the whole store, pySHACL core + SPARQL rules on Oxigraph); medians
  of --repeat runs below 1M, one run at 1M, each stopped after --full-timeout seconds.

"agrees" compares the incremental results with the full ones where both ran: the full results about the
affected nodes must equal the incremental results (and nothing else may change; the store part is valid).
Each size runs in its own fresh subprocess; the machine may be running other work (load averages are given).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import synthetic  # noqa: E402

STORE_GRAPH = "https://w3id.org/partnergraph/graph/data/synthetic"
BATCH_GRAPH = "https://w3id.org/partnergraph/graph/data/synthetic-batch"
MAX_BATCH = 10_000


def _files(size: int, seed: int, batch_sizes: list[int]) -> tuple[Path, dict[int, Path]]:
    """N-Triples of the store part and of each batch (whole activities, at least the batch size) for `size`."""
    label = synthetic.size_label(size) + (f"-s{seed}" if seed else "")
    store_path = harness.OUT_DIR / f"incremental-{label}-store.nt"
    batch_paths = {b: harness.OUT_DIR / f"incremental-{label}-batch-{synthetic.size_label(b)}.nt"
                   for b in batch_sizes}
    paths = [store_path, *batch_paths.values()]
    if all(p.exists() and p.stat().st_mtime > Path(synthetic.__file__).stat().st_mtime for p in paths):
        return store_path, batch_paths
    harness.OUT_DIR.mkdir(parents=True, exist_ok=True)
    largest = max(batch_sizes)
    gen = synthetic.Generator(size + largest + 1_000, seed)
    store_lines: list[str] = []
    batch_lines: list[str] = []
    cuts: dict[int, int] = {}
    for lines in gen.run():
        if len(store_lines) < size:
            store_lines += lines
            continue
        batch_lines += lines
        for b in batch_sizes:
            if b not in cuts and len(batch_lines) >= b:
                cuts[b] = len(batch_lines)
        if len(cuts) == len(batch_sizes):
            break
    store_path.write_text("".join(store_lines), encoding="utf-8")
    for b, path in batch_paths.items():
        path.write_text("".join(batch_lines[:cuts.get(b, len(batch_lines))]), encoding="utf-8")
    return store_path, batch_paths


def _store(store_path: Path):
    import pyoxigraph as ox

    from partnergraph.services.loading import default_items, plan_load
    from partnergraph.services.validation.validator import is_model_graph
    from partnergraph.store.oxigraph.store import OxigraphStore

    store = OxigraphStore()
    plan = plan_load(item for item in default_items() if "/data/" not in str(item.path))
    for graph, triples in plan.graphs.items():
        if is_model_graph(graph):
            store.replace_graph(graph, triples)
    store.pyoxigraph_store.bulk_load(path=str(store_path), format=ox.RdfFormat.N_TRIPLES,
                                     to_graph=ox.NamedNode(STORE_GRAPH))
    return store


def _triples(path: Path) -> list:
    import pyoxigraph as ox

    return [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]


def worker_incremental(size: int, batch_sizes: list[int], repeat: int, seed: int) -> None:
    from partnergraph.services.validation.incremental import IncrementalValidator
    from partnergraph.services.validation.validator import ShapesBundle

    result: dict = {"size": size}
    store_path, batch_paths = _files(size, seed, batch_sizes)
    started = time.perf_counter()
    store = _store(store_path)
    result["load_s"] = time.perf_counter() - started
    result["store_triples"] = sum(store.graphs().values())
    started = time.perf_counter()
    validator = IncrementalValidator(ShapesBundle.from_resources())
    result["init_s"] = time.perf_counter() - started
    for batch_size, batch_path in batch_paths.items():
        batch = _triples(batch_path)
        validator.check_batch(store, batch, graph=BATCH_GRAPH)  # warm-up
        runs, commits = [], []
        check = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            check = validator.check_batch(store, batch, graph=BATCH_GRAPH)
            t1 = time.perf_counter()
            store.replace_graph(BATCH_GRAPH, batch)
            t2 = time.perf_counter()
            store.drop_graph(BATCH_GRAPH)
            runs.append(t1 - t0)
            commits.append(t2 - t0)
        result[f"b{batch_size}"] = {
            "triples": len(batch), "validate_s": statistics.median(runs), "runs": runs,
            "validate_commit_s": statistics.median(commits), "full_fallback": check.full,
            "affected": len(check.affected), "context_triples": check.context_triples,
            "queries": check.queries, "timings": check.timings, "conforms": check.report.conforms,
            "summary": check.report.summary(),
            "results": sorted(repr((*r.key(), r.value)) for r in check.report.results)}
        harness.log(f"{synthetic.size_label(size)} + {batch_size}: {statistics.median(runs):.2f} s "
                    f"({', '.join(f'{k} {v:.2f}' for k, v in check.timings.items())}), "
                    f"{len(check.affected)} affected, {check.context_triples} context triples")
    result["peak_rss_mb"] = harness.peak_rss_mb()
    harness.report(result)


def worker_full(size: int, batch_size: int, seed: int, batch_sizes: list[int]) -> None:
    from partnergraph.services.validation.validator import ShapesBundle, ValidationService, Validator

    store_path, batch_paths = _files(size, seed, batch_sizes)
    store = _store(store_path)
    batch = _triples(batch_paths[batch_size])
    service = ValidationService(store, Validator(ShapesBundle.from_resources()))
    started = time.perf_counter()
    report = service.validate_change({BATCH_GRAPH: batch})
    elapsed = time.perf_counter() - started
    harness.report({"size": size, "batch": batch_size, "validate_s": elapsed, "conforms": report.conforms,
                    "summary": report.summary(),
                    "results": sorted(repr((*r.key(), r.value)) for r in report.results)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Incremental against full validation of a batch.")
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--batches", default="1k,10k")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full-sizes", default="10k,100k,1M", help="store sizes to run the full validation at")
    parser.add_argument("--full-timeout", type=float, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=harness.RESULTS_DIR / "incremental.md")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--worker-batch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    batch_sizes = [synthetic.parse_size(b) for b in args.batches.split(",") if b]
    if args.worker:
        kind, size = args.worker
        if kind == "incremental":
            worker_incremental(int(size), batch_sizes, args.repeat, args.seed)
        else:
            worker_full(int(size), args.worker_batch, args.seed, batch_sizes)
        return 0

    info = harness.machine()
    harness.log("machine: " + "; ".join(f"{k}={v}" for k, v in info.items()))
    sizes = [synthetic.parse_size(s) for s in args.sizes.split(",") if s]
    full_sizes = {synthetic.parse_size(s) for s in args.full_sizes.split(",") if s}
    for size in sizes:
        _files(size, args.seed, batch_sizes)
    incremental: dict[int, dict] = {}
    full: dict[tuple[int, int], dict] = {}
    for size in sizes:
        common = ["--batches", args.batches, "--repeat", str(args.repeat), "--seed", str(args.seed)]
        outcome = harness.run_isolated([__file__, "--worker", "incremental", str(size), *common], 3600)
        incremental[size] = outcome.result or {"error": outcome.error or "timed out"}
        if size not in full_sizes:
            continue
        for batch_size in batch_sizes:
            runs = []
            repeat = 1 if size >= 1_000_000 else args.repeat
            if size >= 1_000_000 and batch_size != max(batch_sizes):
                continue
            for _ in range(repeat):
                outcome = harness.run_isolated(
                    [__file__, "--worker", "full", str(size), "--worker-batch", str(batch_size),
                     "--seed", str(args.seed), "--batches", args.batches],
                    args.full_timeout)
                if outcome.result is None:
                    runs.append({"error": "timed out" if outcome.timed_out else outcome.error})
                    break
                runs.append(outcome.result)
                harness.log(f"full {synthetic.size_label(size)} + {batch_size}: "
                            f"{outcome.result['validate_s']:.1f} s")
            full[(size, batch_size)] = {"runs": runs}
    text = render(sizes, batch_sizes, incremental, full, info, args)
    harness.publish(text, args.out)
    return 0


def _agrees(inc: dict, runs: list[dict]) -> str:
    done = [r for r in runs if "results" in r]
    if not done:
        return "n/a"
    full_results = set(done[0]["results"])
    mine = set(inc["results"])
    if not mine <= full_results:
        return "NO (extra results)"
    return "yes" if done[0]["conforms"] == inc["conforms"] else "NO (verdict)"


def render(sizes, batch_sizes, incremental, full, info, args) -> str:
    rows = []
    for size in sizes:
        entry = incremental[size]
        for batch_size in batch_sizes:
            inc = entry.get(f"b{batch_size}")
            runs = full.get((size, batch_size), {}).get("runs", [])
            times = [r["validate_s"] for r in runs if "validate_s" in r]
            if runs and not times:
                full_cell = f"> {args.full_timeout:.0f} s (stopped)" if runs[0].get("error") == "timed out" \
                    else f"failed: {runs[0].get('error')}"
            else:
                full_cell = harness.fmt_s(statistics.median(times)) + (f" ({len(times)} runs)" if times else "") \
                    if times else "not run"
            if inc is None:
                rows.append([synthetic.size_label(size), synthetic.size_label(batch_size),
                             f"failed: {entry.get('error')}", "", "", "", "", "", full_cell, ""])
                continue
            t = inc["timings"]
            split = " / ".join(f"{t.get(k, 0):.2f}" for k in ("change_s", "affected_s", "context_s", "core_s",
                                                                 "rules_s"))
            rows.append([
                synthetic.size_label(size), f"{inc['triples']:,}", harness.fmt_s(inc["validate_s"]),
                harness.fmt_s(inc["validate_commit_s"]), split, f"{inc['affected']:,}",
                f"{inc['context_triples']:,}", str(inc["queries"]), full_cell,
                _agrees(inc, runs) if times else "n/a"])
    table = harness.table(
        ["store", "batch triples", "incremental validate (median)", "+ commit", "change / affected / context / "
         "pySHACL / rules s", "affected nodes", "context triples", "store queries", "full validation",
         "agrees"], rows)
    ratio_lines = []
    for batch_size in batch_sizes:
        key = f"b{batch_size}"
        small, large = incremental.get(min(sizes), {}).get(key), incremental.get(max(sizes), {}).get(key)
        if small and large and len(sizes) > 1:
            ratio_lines.append(f"- batch of {synthetic.size_label(batch_size)}: "
                               f"{synthetic.size_label(max(sizes))} / {synthetic.size_label(min(sizes))} store = "
                               f"{large['validate_s'] / small['validate_s']:.2f}x")
    loads = "\n".join(f"- {synthetic.size_label(s)}: store load {e.get('load_s', 0):.1f} s, "
                      f"validator set-up {e.get('init_s', 0):.2f} s, peak RSS {harness.fmt_mb(e.get('peak_rss_mb'))}"
                      for s, e in incremental.items() if "load_s" in e)
    return f"""# Incremental validation benchmark

Command: `python bench/incremental.py --sizes {args.sizes} --batches {args.batches} --repeat {args.repeat}`
(seed {args.seed}); measured {time.strftime('%Y-%m-%d %H:%M')}. See the docstring of `bench/incremental.py`
for what is measured. Times are wall-clock seconds on a shared 2-core machine that was running other
benchmarks at the same time: compare rows of one run rather than absolute values.

{table}

Growth with the store (incremental validate, largest over smallest store):
{chr(10).join(ratio_lines) or '- n/a'}

Store loading and set-up (not part of the times above):
{loads}

Machine:
{harness.machine_markdown(info)}
"""


if __name__ == "__main__":
    raise SystemExit(main())
