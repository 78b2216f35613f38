"""Full validation time of the synthetic graph: partnergraph's Validator against plain pySHACL.

    python bench/validate.py --sizes 10k,100k,1M

- `validator`: `Validator(ShapesBundle.from_resources()).validate(triples)`, i.e. pySHACL for the core
  shapes on an rdflib graph plus the SHACL-SPARQL rules run set-at-a-time on an in-memory Oxigraph store.
  The time is split into pySHACL core, SPARQL rules (and each rule), and the rest (building the Oxigraph
  store and the rdflib graph), by timing the functions `Validator.validate` calls.
- `pyshacl`: plain `pyshacl.validate(data + vocabularies, shacl_graph=all shapes, ont_graph=ontology,
  inference="none")`, SHACL-SPARQL shapes included (what the tests use as the reference). Only up to
  --pyshacl-max (default 100k); a run over --timeout seconds is reported as "> N s".

Parsing the input is not part of the validation time (it is reported separately). Each run is a fresh
subprocess; medians of --repeat runs (--repeat-large at sizes of 1M and more).
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import synthetic  # noqa: E402

ENGINES = ("validator", "pyshacl")


def _short(node) -> str:
    text = str(node)
    for prefix, ns in (("pgsh:", "https://w3id.org/partnergraph/shapes#"),):
        if text.startswith(ns):
            return prefix + text[len(ns):]
    return text


def worker_validator(path: Path, per_shape: bool) -> None:
    import pyoxigraph as ox

    import partnergraph.services.validation.validator as validation
    from partnergraph.services.validation.validator import ShapesBundle, Validator

    result: dict = {"engine": "validator"}
    started = time.perf_counter()
    bundle = ShapesBundle.from_resources()
    _ = bundle.core_shapes, bundle.rules
    result["bundle_s"] = time.perf_counter() - started

    started = time.perf_counter()
    triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
    result["parse_s"] = time.perf_counter() - started
    result["triples"] = len(triples)

    timings: dict[str, float] = collections.defaultdict(float)
    rule_times: dict[str, float] = {}
    rule_hits: dict[str, int] = {}
    original_pyshacl = validation.pyshacl_validate
    original_rules = validation.evaluate_rules
    original_convert = validation.graph_from_triples

    def timed_pyshacl(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original_pyshacl(*args, **kwargs)
        finally:
            timings["core_s"] += time.perf_counter() - t0

    def timed_rules(rules, store):
        t0 = time.perf_counter()
        out = []
        for rule in rules:
            r0 = time.perf_counter()
            found = original_rules([rule], store)
            key = f"{_short(rule.shape)} ({rule.severity})"
            rule_times[key] = rule_times.get(key, 0.0) + time.perf_counter() - r0
            rule_hits[key] = rule_hits.get(key, 0) + len(found)
            out += found
        timings["rules_s"] += time.perf_counter() - t0
        return out

    def timed_convert(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original_convert(*args, **kwargs)
        finally:
            timings["convert_s"] += time.perf_counter() - t0

    validation.pyshacl_validate = timed_pyshacl
    validation.evaluate_rules = timed_rules
    validation.graph_from_triples = timed_convert
    validator = Validator(bundle)
    started = time.perf_counter()
    report = validator.validate(triples)
    total = time.perf_counter() - started
    result["total_s"] = total
    result.update(timings)
    result["other_s"] = total - sum(timings.values())
    severities = collections.Counter(r.severity for r in report.results)
    result.update({f"n_{k.lower()}": v for k, v in severities.items()})
    by_shape = collections.Counter(f"{_short(r.source_shape)} {r.severity}" for r in report.results)
    result["results_by_shape"] = dict(by_shape.most_common(15))
    result["rule_times"] = rule_times
    result["rule_hits"] = rule_hits
    result["peak_rss_mb"] = harness.peak_rss_mb()
    if per_shape:
        result["shape_times"] = _per_shape_core(bundle, triples)
    harness.report(result)


def _per_shape_core(bundle, triples) -> dict[str, float]:
    """pySHACL time of each core node shape alone (use_shapes), on the graph the Validator builds."""
    import pyoxigraph as ox
    from pyshacl import validate as pyshacl_validate

    from partnergraph.rdf.rdflib_terms import graph_from_triples

    store = ox.Store()
    default = ox.DefaultGraph()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, default) for t in [*bundle.model, *triples])
    graph = graph_from_triples(store.quads_for_pattern(None, None, None, default))
    times = {}
    for shape in bundle.shape_names():
        t0 = time.perf_counter()
        pyshacl_validate(graph, shacl_graph=bundle.core_shapes, inference="none", advanced=False,
                         allow_warnings=True, allow_infos=True, inplace=True, use_shapes=[shape])
        times[_short(shape)] = time.perf_counter() - t0
    return times


def worker_pyshacl(path: Path, per_shape: bool) -> None:
    import rdflib
    from pyshacl import validate as pyshacl_validate
    from rdflib.namespace import RDF, SH

    from partnergraph.resources import bundled_resources

    resources = bundled_resources()
    result: dict = {"engine": "pyshacl"}
    started = time.perf_counter()
    ontology = rdflib.Graph()
    for p in resources.ontology_files():
        ontology.parse(p, format="turtle")
    shapes = rdflib.Graph()
    for p in resources.shape_files():
        shapes.parse(p, format="turtle")
    data = rdflib.Graph()
    for p in resources.vocabulary_files():
        data.parse(p, format="turtle")
    result["bundle_s"] = time.perf_counter() - started
    started = time.perf_counter()
    data.parse(str(path), format="nt")
    result["parse_s"] = time.perf_counter() - started
    result["triples"] = len(data)
    if per_shape:
        times = {}
        for shape in sorted(s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, rdflib.URIRef)):
            t0 = time.perf_counter()
            pyshacl_validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=False,
                             allow_warnings=True, allow_infos=True, use_shapes=[shape])
            times[_short(shape)] = time.perf_counter() - t0
        result["shape_times"] = times
    started = time.perf_counter()
    _, report, _ = pyshacl_validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                                    advanced=False, allow_warnings=True, allow_infos=True)
    result["total_s"] = time.perf_counter() - started
    severities = collections.Counter(str(report.value(n, SH.resultSeverity)).rsplit("#", 1)[-1]
                                     for n in report.subjects(RDF.type, SH.ValidationResult))
    result.update({f"n_{k.lower()}": v for k, v in severities.items()})
    by_shape = collections.Counter(
        f"{_short(report.value(n, SH.sourceShape))} {str(report.value(n, SH.resultSeverity)).rsplit('#', 1)[-1]}"
        for n in report.subjects(RDF.type, SH.ValidationResult))
    result["results_by_shape"] = dict(by_shape.most_common(15))
    harness.report(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Full validation time at several sizes.")
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated sizes (default 10k,100k,1M)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="validator,pyshacl")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size below 1M (median reported)")
    parser.add_argument("--repeat-large", type=int, default=1, help="runs per size of 1M and more")
    parser.add_argument("--pyshacl-max", default="100k", help="largest size plain pySHACL runs at")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per plain pySHACL run")
    parser.add_argument("--validator-timeout", type=float, default=3600, help="seconds per Validator run")
    parser.add_argument("--per-shape", default="", help="sizes at which to also time each shape alone")
    parser.add_argument("--only-per-shape", action="store_true",
                        help="keep the existing timing rows; only run the --per-shape timings")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=harness.RESULTS_DIR / "validate.md")
    parser.add_argument("--worker", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--worker-per-shape", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        engine, file = args.worker
        (worker_validator if engine == "validator" else worker_pyshacl)(Path(file), args.worker_per_shape)
        return 0

    info = harness.machine()
    harness.log("machine: " + "; ".join(f"{k}={v}" for k, v in info.items()))
    sizes = [synthetic.parse_size(s) for s in args.sizes.split(",") if s]
    engines = [e for e in args.engines.split(",") if e]
    pyshacl_max = synthetic.parse_size(args.pyshacl_max)
    per_shape_sizes = {synthetic.parse_size(s) for s in args.per_shape.split(",") if s}
    files = {size: synthetic.ensure(size, args.seed) for size in sizes}

    raw = harness.load_raw("validate")
    for size in sizes:
        for engine in engines:
            if args.only_per_shape:
                raw.setdefault(f"{size}|{engine}", {"runs": [], "timeouts": 0, "errors": [], "extra": {},
                                                    "limit": args.timeout})
                continue
            if engine == "pyshacl" and size > pyshacl_max:
                continue
            raw[f"{size}|{engine}"] = {
                "runs": [], "timeouts": 0, "errors": [], "extra": {},
                "limit": args.timeout if engine == "pyshacl" else args.validator_timeout,
                "started": time.strftime("%Y-%m-%d %H:%M"),
                "load_average": info["load average at start (1/5/15 min)"],
                "inputs": harness.input_fingerprint()}
    stopped: set[str] = set()  # engines over the limit at a smaller size are not run at larger ones
    for size in sizes:
        repeat = 0 if args.only_per_shape else args.repeat_large if size >= 1_000_000 else args.repeat
        for rep in range(repeat):
            for engine in engines:
                entry = raw.get(f"{size}|{engine}")
                if entry is None or entry["errors"] or entry["timeouts"]:
                    continue
                if engine in stopped:
                    entry["errors"].append("not run: over the time limit at a smaller size")
                    continue
                timeout = entry["limit"]
                outcome = harness.run_isolated([__file__, "--worker", engine, str(files[size])], timeout)
                label = f"{synthetic.size_label(size)} {engine} run {rep + 1}"
                if outcome.result:
                    r = outcome.result
                    entry["runs"].append(r)
                    entry["extra"]["results_by_shape"] = r.get("results_by_shape", {})
                    harness.log(f"{label}: {r['total_s']:.2f} s (core {r.get('core_s', 0):.2f}, rules "
                                f"{r.get('rules_s', 0):.2f}), V/W/I {r.get('n_violation', 0)}/"
                                f"{r.get('n_warning', 0)}/{r.get('n_info', 0)}, peak {r['peak_rss_mb']:.0f} MB")
                elif outcome.timed_out:
                    entry["timeouts"] += 1
                    stopped.add(engine)
                    harness.log(f"{label}: > {timeout:.0f} s (stopped)")
                else:
                    entry["errors"].append(outcome.error or "?")
                    harness.log(f"{label}: FAILED {outcome.error}")
                harness.save_raw("validate", raw)
        if size in per_shape_sizes:
            for engine in engines:
                entry = raw.get(f"{size}|{engine}")
                if entry is None or engine in stopped:
                    continue
                outcome = harness.run_isolated([__file__, "--worker", engine, str(files[size]),
                                                "--worker-per-shape"], entry["limit"] * 3)
                if outcome.result:
                    entry["extra"][f"shape_times_{engine}"] = outcome.result["shape_times"]
                    harness.log(f"{synthetic.size_label(size)} {engine} per-shape timings done")
                else:
                    harness.log(f"{synthetic.size_label(size)} {engine} per-shape: "
                                f"{'timed out' if outcome.timed_out else outcome.error}")
                harness.save_raw("validate", raw)

    series = {}
    for key, entry in raw.items():
        size, engine = key.split("|")
        s = harness.series_from_raw(entry)
        for r in entry["runs"]:
            for field in ("rule_times", "rule_hits"):
                for name, value in r.get(field, {}).items():
                    s.values.setdefault(f"{field}:{name}", []).append(value)
        series[(int(size), engine)] = s
    all_sizes = sorted({size for size, _ in series})
    all_engines = [e for e in ENGINES if any(e == k[1] for k in series)]
    text = render(series, all_sizes, all_engines, pyshacl_max, args, info, raw)
    harness.publish(text, args.out)
    return 0


def _verdict(s: harness.Series) -> str:
    return "/".join(str(int(s.median(f"n_{k}") or 0)) for k in ("violation", "warning", "info"))


def render(series, sizes, engines, pyshacl_max, args, info, raw) -> str:
    rows = []
    for size in sizes:
        plain = series.get((size, "pyshacl"))
        plain_total = plain.median("total_s") if plain else None
        for engine in engines:
            label = synthetic.size_label(size)
            s = series.get((size, engine))
            entry = raw.get(f"{size}|{engine}", {})
            when = (f"{entry.get('started', '')}, load {entry.get('load_average', '?').split(' / ')[0]}, "
                    f"inputs {entry.get('inputs', '?')}")
            if s is None:
                rows.append([label, engine, "not run"] + [""] * 9)
                continue
            total = s.median("total_s")
            n = len(s.values.get("total_s", []))
            if total is None:
                limit = entry.get("limit", 0)
                why = f"> {limit:.0f} s (stopped)" if s.timeouts else \
                    "; ".join(s.errors)[-200:].replace("|", "/")
                rows.append([label, engine, why] + [""] * 8 + [when])
                continue
            note = f" ({s.timeouts} of {n + s.timeouts} runs > limit)" if s.timeouts else ""
            ratio = ""
            if engine == "validator" and plain_total:
                ratio = f"{plain_total / total:.1f}x faster"
            elif engine == "validator" and plain and plain.timeouts:
                limit = raw.get(f"{size}|pyshacl", {}).get("limit", 0)
                ratio = f"> {limit / total:.1f}x faster"
            rows.append([
                label, engine, harness.fmt_s(total) + note, str(n), s.spread("total_s"),
                harness.fmt_s(s.median("core_s")) if engine == "validator" else "all in pySHACL",
                harness.fmt_s(s.median("rules_s")) if engine == "validator" else "",
                harness.fmt_s((s.median("other_s") or 0) + (s.median("convert_s") or 0))
                if engine == "validator" else "",
                _verdict(s), harness.fmt_mb(s.median("peak_rss_mb")), ratio, when,
            ])
    headers = ["size", "engine", "validation (median)", "runs", "min-max s", "pySHACL core", "SPARQL rules",
               "store + rdflib build", "V/W/I results", "peak RSS", "vs plain pySHACL",
               "measured (1-min load avg, inputs hash)"]

    rule_names = sorted({k.split(":", 1)[1] for s in series.values() for k in s.values
                         if k.startswith("rule_times:")})
    rule_rows = []
    for name in rule_names:
        row = [name]
        for size in sizes:
            s = series.get((size, "validator"))
            t = s.median(f"rule_times:{name}") if s else None
            hits = s.median(f"rule_hits:{name}") if s else None
            row.append("" if t is None else f"{harness.fmt_s(t)} ({int(hits or 0)} results)")
        rule_rows.append(row)
    rule_table = harness.table(["rule (severity)"] + [synthetic.size_label(s) for s in sizes], rule_rows) \
        if rule_rows else "(no SHACL-SPARQL rules were timed)"

    shape_sections = []
    for size in sizes:
        for engine in engines:
            s = series.get((size, engine))
            times = s.extra.get(f"shape_times_{engine}") if s else None
            if not times:
                continue
            ordered = sorted(times.items(), key=lambda kv: -kv[1])
            what = "core shapes in the Validator's pySHACL pass" if engine == "validator" else \
                "all shapes, plain pySHACL"
            shape_sections.append(
                f"Each node shape alone (`use_shapes`, one run, {synthetic.size_label(size)}; {what}; each "
                f"run also pays pySHACL's fixed cost, so the column does not add up to the full run):\n\n" +
                harness.table(["shape", "time"], [[k, harness.fmt_s(v)] for k, v in ordered]))

    results_by_shape = []
    for size in sizes:
        s = series.get((size, "validator"))
        if s and s.extra.get("results_by_shape"):
            items = ", ".join(f"{k}: {v}" for k, v in s.extra["results_by_shape"].items())
            results_by_shape.append(f"- {synthetic.size_label(size)}: {items}")
    parse_rows = []
    for size in sizes:
        for engine in engines:
            s = series.get((size, engine))
            if s and s.median("parse_s") is not None:
                parse_rows.append([synthetic.size_label(size), engine, f"{int(s.median('triples')):,}",
                                   harness.fmt_s(s.median("parse_s")), harness.fmt_s(s.median("bundle_s"))])
    return f"""# Validation benchmark

Command: `python bench/validate.py --sizes 10k,100k,1M` (3 runs per size below 1M, 1 at 1M; plain
pySHACL up to {synthetic.size_label(pyshacl_max)} unless `--pyshacl-max`, each run stopped after
`--timeout` s), seed {args.seed}. Rows come from the latest invocation that ran that size and engine (raw
runs in `validate.json`); a timed-out engine is not run again at that size or larger ones.

- `validator`: partnergraph's `Validator(ShapesBundle.from_resources()).validate(triples)`: pySHACL on the
  core shapes + SHACL-SPARQL rules set-at-a-time on Oxigraph.
- `pyshacl`: plain `pyshacl.validate(data + vocabularies, shacl_graph=all shapes, ont_graph=ontology,
  inference="none")`, SHACL-SPARQL shapes run by pySHACL per focus node.

Validation time excludes parsing the input and loading the shapes (table at the end). Each run is a fresh
subprocess; the machine has other work running concurrently. "V/W/I" = Violation / Warning / Info results
(the synthetic data is meant to have no Violation). "store + rdflib build" is the Validator's time outside
pySHACL and the rules: filling the Oxigraph store and converting it to an rdflib graph.

{harness.table(headers, rows)}

SHACL-SPARQL rules in the Validator, median time per rule (results found):

{rule_table}

Validator results by shape (last run):
{chr(10).join(results_by_shape) or '(none)'}

{chr(10).join(shape_sections)}

Input parsing and shape loading (not part of the validation time):

{harness.table(["size", "engine", "triples (data, + vocabularies for pyshacl)", "parse", "shapes + model"], parse_rows)}

Machine:
{harness.machine_markdown(info)}
"""


if __name__ == "__main__":
    raise SystemExit(main())
