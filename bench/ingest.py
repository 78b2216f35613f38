"""Curation benchmark: validate + commit a batch into an on-disk store, against validating the whole store.

    python bench/ingest.py --sizes 10k,100k,1M --batches 1k,10k

Data and batches are those of bench/incremental.py (same seed, same files in bench/out/): for each store
size S the synthetic activities that fill the first S triples form the store, the first 1k and 10k
triples of the activities after it form the batches (valid data referring to stored nodes).

- `write`: what `POST /api/ingest` runs after parsing the body, on an ON-DISK partnergraph store
  (`OxigraphStore(dir)` holding the model graphs, written with `replace_graph`, and the store part in one
  named graph, loaded with pyoxigraph `bulk_load`; set-up not timed):
  `CurationService(store, IncrementalValidator(bundle)).write(WriteRequest(batch, sources=[...],
  comment=..., graph=None), Principal("bench", "curator"))`. It validates the batch incrementally against
  the store and commits batch + PROV record in one transaction. Timed end to end; "validation" is the sum
  of `outcome.check.timings`, "commit" the rest (planning, source check, PROV record, the update; "update"
  is `store.apply` alone). The first write of each batch size is reported apart (cold); then --repeat
  writes, each reverted with `CurationService.revert` (not timed) so every write lands on the same store.
  Every write must succeed (no ValidationFailed) without falling back to a full validation.
- `http` (unless --no-http): after that, the same store served by `create_app` in a Starlette TestClient
  (real lifespan: query worker pool, token file); one `POST /api/ingest` of the N-Triples file per batch
  size (parse + validate + commit + response), then `DELETE /api/batches/<id>`.
- `full`: the project's full validation of store + batch on the same kind of on-disk store,
  `ValidationService(store, Validator(bundle)).validate_change({graph: batch})`; median of --repeat runs
  below 1M, one run of the largest batch at 1M (--full-all-batches for every batch), stopped after
  --full-timeout s.
- `pyshacl`: plain `pyshacl.validate(store part + batch + vocabularies, shacl_graph=all shapes,
  ont_graph=ontology, inference="none")` as in bench/validate.py (rdflib parsing not timed); one run,
  stopped after --pyshacl-timeout s. Once a run is stopped, the larger inputs (bigger batch or store) are
  not run: their time is above the same bound.

Each run is a fresh subprocess (bench/harness.py); stores live in --workdir and are deleted afterwards.
Raw results go to bench/results/ingest.json (an invocation replaces only the rows it runs), the table to
bench/results/ingest.md (`--render-only` rewrites it from the raw results).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import incremental  # noqa: E402  (its data files, batches and graph names)
import synthetic  # noqa: E402

RAW = "ingest"
MACHINE = "_machine"  # keys of the machine description and of the arguments in the raw results
ARGS = "_args"
SOURCE_DOCUMENT = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/partnergraph/ontology#" \
                  "SourceDocument>"
GOAL_BATCH_S = 2.0
GOAL_GROWTH = 1.5


def _disk_store(store_path: Path, directory: Path):
    """An on-disk partnergraph store with the model graphs and the store part (as incremental._store)."""
    import pyoxigraph as ox

    from partnergraph.services.loading import default_items, plan_load
    from partnergraph.services.validation.validator import is_model_graph
    from partnergraph.store.oxigraph.store import OxigraphStore

    store = OxigraphStore(directory)
    plan = plan_load(item for item in default_items() if "/data/" not in str(item.path))
    for graph, triples in plan.graphs.items():
        if is_model_graph(graph):
            store.replace_graph(graph, triples)
    store.pyoxigraph_store.bulk_load(path=str(store_path), format=ox.RdfFormat.N_TRIPLES,
                                     to_graph=ox.NamedNode(incremental.STORE_GRAPH))
    store.pyoxigraph_store.flush()
    return store


def _source(batch_path: Path) -> str:
    """The first source document the batch describes: what its curator cites."""
    with batch_path.open(encoding="utf-8") as lines:
        for line in lines:
            if SOURCE_DOCUMENT in line:
                return line.split(">", 1)[0].lstrip("<")
    return "https://example.org/partnergraph-synthetic/bench-source"


def _dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _one_write(service, store, batch, source, curator) -> dict:
    from partnergraph.errors import ValidationFailed
    from partnergraph.services.curation.writes import WriteRequest

    applied = []
    apply = store.apply

    def timed_apply(change):
        t0 = time.perf_counter()
        try:
            apply(change)
        finally:
            applied.append(time.perf_counter() - t0)

    store.apply = timed_apply
    try:
        request = WriteRequest(batch, sources=[source], comment="bench/ingest.py", graph=None)
        t0 = time.perf_counter()
        try:
            outcome = service.write(request, curator)
        except ValidationFailed as exc:
            return {"error": f"ValidationFailed: {exc.message} {exc.report.summary()}"}
        write_s = time.perf_counter() - t0
    finally:
        del store.apply
    check = outcome.check
    validation_s = sum(check.timings.values())
    t0 = time.perf_counter()
    service.revert(outcome.record.id, curator, comment="bench/ingest.py: undo for the next run")
    return {"write_s": write_s, "validation_s": validation_s, "commit_s": write_s - validation_s,
            "apply_s": sum(applied), "revert_s": time.perf_counter() - t0, "added": outcome.added,
            "full": check.full, "reason": check.reason, "affected": len(check.affected),
            "context_triples": check.context_triples, "queries": check.queries,
            "timings": check.timings, "summary": outcome.report.summary(), "notes": outcome.notes}


def worker_write(size: int, batch_sizes: list[int], repeat: int, seed: int, directory: Path, http: bool) -> None:
    from partnergraph.services.curation.writes import CurationService
    from partnergraph.services.validation.incremental import IncrementalValidator
    from partnergraph.services.tokens import Principal
    from partnergraph.services.validation.validator import ShapesBundle

    result: dict = {"size": size}
    store_path, batch_paths = incremental._files(size, seed, batch_sizes)
    started = time.perf_counter()
    store = _disk_store(store_path, directory / "store")
    result["load_s"] = time.perf_counter() - started
    result["store_triples"] = sum(store.graphs().values())
    result["disk_mb"] = _dir_mb(directory / "store")
    started = time.perf_counter()
    service = CurationService(store, IncrementalValidator(ShapesBundle.from_resources()))
    result["init_s"] = time.perf_counter() - started
    curator = Principal("bench", "curator")
    for batch_size, batch_path in batch_paths.items():
        batch = incremental._triples(batch_path)
        source = _source(batch_path)
        entry: dict = {"triples": len(batch), "source": source}
        cold = _one_write(service, store, batch, source, curator)
        entry["cold"] = cold
        runs = [cold] if "error" in cold else [_one_write(service, store, batch, source, curator)
                                                for _ in range(repeat)]
        entry["runs"] = runs
        entry["errors"] = [r["error"] for r in runs if "error" in r]
        entry["fallbacks"] = [r["reason"] for r in runs if r.get("full")]
        ok = [r for r in runs if "error" not in r]
        if ok:
            for key in ("write_s", "validation_s", "commit_s", "apply_s", "revert_s"):
                entry[key] = statistics.median(r[key] for r in ok)
            last = ok[-1]
            for key in ("affected", "context_triples", "queries", "full", "reason", "summary", "added"):
                entry[key] = last[key]
            entry["timings"] = {k: statistics.median(r["timings"].get(k, 0.0) for r in ok)
                                for k in last["timings"]}
            harness.log(f"write {synthetic.size_label(size)} + {synthetic.size_label(batch_size)}: "
                        f"{entry['write_s']:.2f} s (validation {entry['validation_s']:.2f}, commit "
                        f"{entry['commit_s']:.2f}), cold {cold.get('write_s', 0):.2f} s, {entry['affected']:,} "
                        f"affected, {entry['context_triples']:,} context triples, full={entry['full']}")
        else:
            harness.log(f"write {synthetic.size_label(size)} + {synthetic.size_label(batch_size)}: FAILED "
                        f"{entry['errors'][0]}")
        result[f"b{batch_size}"] = entry
    result["peak_rss_mb"] = harness.peak_rss_mb()
    store.close()
    if http:
        try:
            result["http"] = _http_writes(directory, batch_paths)
        except Exception as exc:  # optional part: keep the direct measurements
            result["http"] = {"error": f"{type(exc).__name__}: {exc}"}
        result["peak_rss_with_http_mb"] = harness.peak_rss_mb()
    harness.report(result)


def _http_writes(directory: Path, batch_paths: dict[int, Path]) -> dict:
    """One POST /api/ingest per batch (then DELETE /api/batches/<id>) on the app over the same store."""
    from fastapi.testclient import TestClient

    from partnergraph.app import create_app
    from partnergraph.services.tokens import TokenRegistry
    from partnergraph.settings import Settings

    tokens = directory / "tokens.json"
    _, secret = TokenRegistry(tokens).create("bench-http", "curator")
    settings = Settings(store=str(directory / "store"), tokens_file=str(tokens), load_if_empty=False,
                        query_workers=1)
    auth = {"Authorization": f"Bearer {secret}"}
    out: dict = {}
    with TestClient(create_app(settings)) as client:
        for batch_size, batch_path in batch_paths.items():
            body = batch_path.read_bytes()
            t0 = time.perf_counter()
            response = client.post("/api/ingest", params={"source": _source(batch_path)}, content=body,
                                   headers={**auth, "Content-Type": "application/n-triples"})
            elapsed = time.perf_counter() - t0
            data = response.json()
            entry = {"status": response.status_code, "post_s": elapsed, "body_mb": len(body) / 1e6}
            if response.status_code == 201:
                entry["validation_ms"] = data["validation"]["ms"]
                entry["full"] = data["validation"]["full_validation"]
                reverted = client.delete(f"/api/batches/{data['batch']['id']}", headers=auth)
                entry["revert_status"] = reverted.status_code
            else:
                entry["error"] = str(data)[:500]
            out[f"b{batch_size}"] = entry
            harness.log(f"http {batch_size}: {response.status_code} in {elapsed:.2f} s")
    return out


def worker_full(size: int, batch_size: int, seed: int, batch_sizes: list[int], directory: Path) -> None:
    from partnergraph.services.validation.validator import ShapesBundle, ValidationService, Validator

    store_path, batch_paths = incremental._files(size, seed, batch_sizes)
    store = _disk_store(store_path, directory / "store")
    batch = incremental._triples(batch_paths[batch_size])
    service = ValidationService(store, Validator(ShapesBundle.from_resources()))
    started = time.perf_counter()
    report = service.validate_change({incremental.BATCH_GRAPH: batch})
    elapsed = time.perf_counter() - started
    store.close()
    harness.report({"validate_s": elapsed, "conforms": report.conforms, "summary": report.summary()})


def worker_pyshacl(size: int, batch_size: int, seed: int, batch_sizes: list[int]) -> None:
    import rdflib
    from pyshacl import validate as pyshacl_validate

    from partnergraph.resources import bundled_resources

    store_path, batch_paths = incremental._files(size, seed, batch_sizes)
    resources = bundled_resources()
    started = time.perf_counter()
    ontology, shapes, data = rdflib.Graph(), rdflib.Graph(), rdflib.Graph()
    for p in resources.ontology_files():
        ontology.parse(p, format="turtle")
    for p in resources.shape_files():
        shapes.parse(p, format="turtle")
    for p in resources.vocabulary_files():
        data.parse(p, format="turtle")
    data.parse(str(store_path), format="nt")
    data.parse(str(batch_paths[batch_size]), format="nt")
    parse_s = time.perf_counter() - started
    started = time.perf_counter()
    conforms, _, _ = pyshacl_validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                                      advanced=False, allow_warnings=True, allow_infos=True)
    harness.report({"validate_s": time.perf_counter() - started, "parse_s": parse_s, "triples": len(data),
                    "conforms": bool(conforms)})


def _isolated(argv: list[str], timeout: float, workdir: Path) -> harness.RunOutcome:
    """A worker run with its own store directory, deleted afterwards (also when the worker was stopped)."""
    workdir.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    try:
        return harness.run_isolated([*argv, "--worker-dir", str(directory)], timeout)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _stamp(entry: dict) -> dict:
    """`entry` with when it was measured, the load average at that moment and the inputs' hash."""
    load = harness.machine()["load average at start (1/5/15 min)"]
    entry.update({"measured": time.strftime("%Y-%m-%d %H:%M"), "load_average": load,
                  "inputs": harness.input_fingerprint()})
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate + commit a batch into an on-disk store.")
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--batches", default="1k,10k")
    parser.add_argument("--repeat", type=int, default=3, help="timed writes per batch (after a cold one)")
    parser.add_argument("--write-timeout", type=float, default=1800, help="seconds for all writes at one size")
    parser.add_argument("--full-timeout", type=float, default=600, help="seconds per full Validator run")
    parser.add_argument("--full-all-batches", action="store_true", help="full Validator for every batch at 1M")
    parser.add_argument("--pyshacl-timeout", type=float, default=600, help="seconds per plain pySHACL run")
    parser.add_argument("--skip", default="", help="comma-separated parts not to run: write,full,pyshacl")
    parser.add_argument("--no-http", action="store_true", help="do not time POST /api/ingest")
    parser.add_argument("--render-only", action="store_true", help="only rewrite the table from ingest.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "partnergraph-bench-ingest")
    parser.add_argument("--out", type=Path, default=harness.RESULTS_DIR / "ingest.md")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--worker-batch", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    batch_sizes = [synthetic.parse_size(b) for b in args.batches.split(",") if b]
    if args.worker:
        kind, size = args.worker[0], int(args.worker[1])
        if kind == "write":
            worker_write(size, batch_sizes, args.repeat, args.seed, args.worker_dir, not args.no_http)
        elif kind == "full":
            worker_full(size, args.worker_batch, args.seed, batch_sizes, args.worker_dir)
        else:
            worker_pyshacl(size, args.worker_batch, args.seed, batch_sizes)
        return 0

    info = harness.machine()
    harness.log("machine: " + "; ".join(f"{k}={v}" for k, v in info.items()))
    sizes = [] if args.render_only else [synthetic.parse_size(s) for s in args.sizes.split(",") if s]
    skip = {s for s in args.skip.split(",") if s}
    for size in sizes:
        incremental._files(size, args.seed, batch_sizes)
    raw = harness.load_raw(RAW)
    if sizes:
        raw[MACHINE] = info
        raw[ARGS] = {k: getattr(args, k) for k in ("sizes", "batches", "repeat", "seed", "full_timeout",
                                                     "pyshacl_timeout")}
    common = ["--batches", args.batches, "--seed", str(args.seed)]
    stopped: dict[str, str] = {}  # kind -> the (size + batch) at which it was stopped
    for size in sizes:
        label = synthetic.size_label(size)
        if "write" not in skip:
            stamp = _stamp({})
            outcome = _isolated([__file__, "--worker", "write", str(size), "--repeat", str(args.repeat), *common,
                                 *(["--no-http"] if args.no_http else [])], args.write_timeout, args.workdir)
            raw[f"write|{size}"] = {**(outcome.result or {
                "error": "timed out" if outcome.timed_out else outcome.error}), **stamp}
            harness.save_raw(RAW, raw)
        for kind, timeout in (("full", args.full_timeout), ("pyshacl", args.pyshacl_timeout)):
            if kind in skip:
                continue
            for batch_size in batch_sizes:
                key = f"{kind}|{size}|{batch_size}"
                if kind == "full" and size >= 1_000_000 and batch_size != max(batch_sizes) \
                        and not args.full_all_batches:
                    raw.pop(key, None)
                    continue
                if kind in stopped:
                    raw[key] = _stamp({"not_run": stopped[kind], "limit": timeout})
                    continue
                repeat = args.repeat if kind == "full" and size < 1_000_000 else 1
                runs: list[dict] = []
                entry = _stamp({"runs": runs, "limit": timeout})
                for _ in range(repeat):
                    outcome = _isolated([__file__, "--worker", kind, str(size), "--worker-batch", str(batch_size),
                                         *common], timeout, args.workdir)
                    if outcome.result is None:
                        entry["timed_out" if outcome.timed_out else "error"] = True if outcome.timed_out \
                            else outcome.error
                        harness.log(f"{kind} {label} + {batch_size}: "
                                    f"{'> %.0f s (stopped)' % timeout if outcome.timed_out else outcome.error}")
                        if outcome.timed_out:
                            stopped[kind] = f"{label} + {synthetic.size_label(batch_size)}"
                        break
                    runs.append(outcome.result)
                    harness.log(f"{kind} {label} + {batch_size}: {outcome.result['validate_s']:.1f} s")
                raw[key] = entry
                harness.save_raw(RAW, raw)
    harness.save_raw(RAW, raw)
    shown = argparse.Namespace(**{**vars(args), **raw.get(ARGS, {})})  # the arguments the rows were run with
    text = render(raw, raw.get(MACHINE, info), shown)
    harness.publish(text, args.out)
    return 0


def _baseline(raw: dict, kind: str, size: int, batch_size: int) -> tuple[str, float | None, str]:
    """(cell, median seconds or None, prefix for ratios: '' exact, '>' lower bound)."""
    entry = raw.get(f"{kind}|{size}|{batch_size}")
    if entry is None:
        if kind == "full" and size >= 1_000_000:
            return "not run (one run, largest batch, at 1M)", None, ""
        return "not run", None, ""
    limit = entry.get("limit", 0)
    if "not_run" in entry:
        return f"> {limit:.0f} s (not run: stopped at {entry['not_run']})", limit, ">"
    times = [r["validate_s"] for r in entry.get("runs", [])]
    if entry.get("timed_out") and not times:
        return f"> {limit:.0f} s (stopped)", limit, ">"
    if not times:
        return f"failed: {str(entry.get('error'))[-150:]}".replace("|", "/"), None, ""
    verdict = "" if all(r.get("conforms") for r in entry["runs"]) else ", NOT conforming"
    return f"{harness.fmt_s(statistics.median(times))} ({len(times)} run{'s' if len(times) > 1 else ''}{verdict})", \
        statistics.median(times), ""


def _ratio(base: float | None, prefix: str, write_s: float | None) -> str:
    if base is None or not write_s:
        return "n/a"
    return f"{prefix}{base / write_s:.0f}x" if base / write_s >= 10 else f"{prefix}{base / write_s:.1f}x"


def render(raw: dict, info: dict, args) -> str:
    sizes = sorted({int(k.split("|")[1]) for k in raw if k.startswith("write|")})
    batch_sizes = sorted({int(k[1:]) for k in raw.get(f"write|{sizes[0]}", {}) if k.startswith("b") and
                          k[1:].isdigit()}) if sizes else []
    rows, details, problems = [], [], []
    for size in sizes:
        write = raw[f"write|{size}"]
        for batch_size in batch_sizes:
            label = [synthetic.size_label(size), synthetic.size_label(batch_size)]
            entry = write.get(f"b{batch_size}")
            full_cell, full_s, full_pre = _baseline(raw, "full", size, batch_size)
            py_cell, py_s, py_pre = _baseline(raw, "pyshacl", size, batch_size)
            if entry is None or "write_s" not in entry:
                why = write.get("error") or (entry or {}).get("errors") or "?"
                rows.append(label + [f"failed: {str(why)[-200:]}".replace("|", "/")] + [""] * 5
                            + [full_cell, py_cell, "", ""])
                continue
            for error in entry.get("errors", []):
                problems.append(f"- {' + '.join(label)}: a write failed: {error}")
            for reason in entry.get("fallbacks", []):
                problems.append(f"- {' + '.join(label)}: fell back to a full validation: {reason}")
            runs = [r["write_s"] for r in entry["runs"] if "write_s" in r]
            rows.append(label + [
                f"{harness.fmt_s(entry['write_s'])} ({min(runs):.2f}-{max(runs):.2f})",
                harness.fmt_s(entry["validation_s"]), harness.fmt_s(entry["commit_s"]),
                f"{entry['affected']:,}", f"{entry['context_triples']:,}", full_cell, py_cell,
                _ratio(full_s, full_pre, entry["write_s"]), _ratio(py_s, py_pre, entry["write_s"])])
            t = entry["timings"]
            http = write.get("http", {})
            h = http.get(f"b{batch_size}", {})
            http_cell = f"failed: {http['error'][:120]}" if "error" in http else \
                f"{harness.fmt_s(h['post_s'])} ({h['status']}; validation {h.get('validation_ms', 0) / 1000:.2f} s)" \
                if h else "not run"
            details.append(label + [
                f"{entry['triples']:,}", harness.fmt_s(entry["cold"].get("write_s")),
                " / ".join(f"{t.get(k, 0):.2f}" for k in ("change_s", "affected_s", "context_s", "core_s",
                                                          "rules_s")),
                harness.fmt_s(entry["apply_s"]), harness.fmt_s(entry["revert_s"]), str(entry["queries"]),
                "yes: " + str(entry["reason"]) if entry["full"] else "no",
                "/".join(str(entry["summary"].get(k, 0)) for k in ("violations", "warnings", "infos")), http_cell])
    table = harness.table(
        ["store", "batch", "write = validate + commit (median, min-max s)", "validation part", "commit part",
         "affected nodes", "context triples", "full Validator (store + batch)", "plain pySHACL (store + batch)",
         "write vs full Validator", "write vs plain pySHACL"], rows)
    detail_table = harness.table(
        ["store", "batch", "batch triples", "first write (cold)", "change / affected / context / pySHACL / "
         "rules s", "update (store.apply)", "revert (not in write)", "store queries", "full fallback",
         "V/W/I of the batch", "HTTP POST /api/ingest (1 run)"], details)
    goals = _goals(raw, sizes, batch_sizes)
    setups = "\n".join(
        f"- {synthetic.size_label(s)}: {raw[f'write|{s}'].get('store_triples', 0):,} triples in the store "
        f"(model graphs included), set-up (model graphs + bulk load) {raw[f'write|{s}'].get('load_s', 0):.1f} s, "
        f"{raw[f'write|{s}'].get('disk_mb', 0):.0f} MB on disk, curation service set-up "
        f"{raw[f'write|{s}'].get('init_s', 0):.2f} s, peak RSS of the write worker "
        f"{harness.fmt_mb(raw[f'write|{s}'].get('peak_rss_mb'))} (with the HTTP part "
        f"{harness.fmt_mb(raw[f'write|{s}'].get('peak_rss_with_http_mb'))}); measured "
        f"{raw[f'write|{s}'].get('measured')}, load {raw[f'write|{s}'].get('load_average')}, inputs "
        f"{raw[f'write|{s}'].get('inputs')}" for s in sizes)
    baselines = "\n".join(
        f"- {k.split('|')[0]} {synthetic.size_label(int(k.split('|')[1]))} + "
        f"{synthetic.size_label(int(k.split('|')[2]))}: measured {v.get('measured')}, load {v.get('load_average')}"
        for k, v in sorted(raw.items()) if k.startswith(("full|", "pyshacl|")))
    return f"""# Curation (ingest) benchmark

Command: `python bench/ingest.py --sizes {args.sizes} --batches {args.batches} --repeat {args.repeat}`
(seed {args.seed}; full Validator stopped after {args.full_timeout:.0f} s, plain pySHACL after
{args.pyshacl_timeout:.0f} s). Rows come from the latest invocation that ran them (raw runs in
`ingest.json`). See the docstring of `bench/ingest.py` for the method. In short: "write" is
`CurationService.write` (what `POST /api/ingest` runs after parsing) on an on-disk store: incremental
validation of the batch against the store + one transaction with the batch and its PROV record; median of
{args.repeat} writes after a cold one, each reverted before the next. "validation part" is the sum of
`outcome.check.timings`, "commit part" the rest. The baselines validate the whole store after the change.
Times are wall-clock seconds on a shared 2-core machine that was running other jobs at the same time
(load averages below): compare rows of one run rather than absolute values.

{table}

{goals}

Details (medians of the same writes; "change / affected / context / pySHACL / rules" is the split of the
validation part as `check.timings` gives it):

{detail_table}

{chr(10).join(problems) or 'Every write succeeded (no ValidationFailed) and none fell back to a full validation.'}

Stores (set-up not part of the times above):
{setups}

Baseline runs:
{baselines or '- none'}

Machine:
{harness.machine_markdown(info)}
"""


def _goals(raw: dict, sizes: list[int], batch_sizes: list[int]) -> str:
    lines = ["Goals:", ""]
    ten_k = [b for b in batch_sizes if b == 10_000]
    for batch_size in ten_k:
        for size in sizes:
            entry = raw[f"write|{size}"].get(f"b{batch_size}", {})
            if "write_s" in entry:
                verdict = "met" if entry["write_s"] < GOAL_BATCH_S else "NOT met"
                lines.append(f"- 10k-triple batch under {GOAL_BATCH_S:.0f} s, {synthetic.size_label(size)} store: "
                             f"{entry['write_s']:.2f} s: {verdict}")
    if not ten_k:
        lines.append("- 10k-triple batch under 2 s: not measured (no 10k batch in this run)")
    small, large = (min(sizes), max(sizes)) if sizes else (0, 0)
    for batch_size in batch_sizes:
        a = raw.get(f"write|{small}", {}).get(f"b{batch_size}", {})
        b = raw.get(f"write|{large}", {}).get(f"b{batch_size}", {})
        if small != large and "write_s" in a and "write_s" in b:
            ratio = b["write_s"] / a["write_s"]
            lines.append(f"- {synthetic.size_label(large)}-store time within {GOAL_GROWTH}x of the "
                         f"{synthetic.size_label(small)}-store time, {synthetic.size_label(batch_size)} batch: "
                         f"{b['write_s']:.2f} s / {a['write_s']:.2f} s = {ratio:.2f}x: "
                         f"{'met' if ratio <= GOAL_GROWTH else 'NOT met'}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
