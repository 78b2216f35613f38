"""Can pyrudof (rudof's Rust SHACL validator, PyPI `pyrudof`) take the core shapes? Correctness, then speed.

    pip install pyrudof     # benchmark-only dependency, not in pyproject.toml
    python bench/pyrudof_core.py --sizes 10k,100k

1. Every example file of ontology/examples/: the data (example + ontology, imports, vocabularies, as the
   Validator sees it) is validated against the core shapes (everything but the SHACL-SPARQL rules) by
   pySHACL and by pyrudof (native engine); the results are compared as sets of (focus node, path,
   constraint component, severity, source shape), the keys tests/services/validation compares (a path only when it is an IRI: pyrudof writes
   complex paths as text, pySHACL as RDF).
2. The synthetic data at each size: time of pyrudof against the Validator's pySHACL core pass on the same
   triples, each in a fresh subprocess, with the numbers of results.

Results: bench/results/pyrudof.md and pyrudof.json.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import synthetic  # noqa: E402

SH = "http://www.w3.org/ns/shacl#"


def _shapes_file(tmp: Path) -> Path:
    from partnergraph.services.validation.validator import ShapesBundle

    bundle = ShapesBundle.from_resources()
    path = tmp / "core-shapes.ttl"
    bundle.core_shapes.serialize(path, format="turtle")
    return path


def _model_file(tmp: Path) -> Path:
    import pyoxigraph as ox

    from partnergraph.services.validation.validator import ShapesBundle

    path = tmp / "model.nt"
    with path.open("wb") as out:
        ox.serialize(ShapesBundle.from_resources().model, out, format=ox.RdfFormat.N_TRIPLES)
    return path


def _short(term: str | None) -> str:
    return (term or "").replace("https://w3id.org/partnergraph/shapes#", "pgsh:").replace(SH, "sh:")


def rudof_keys(data_files: list[Path], shapes: Path) -> tuple[set[tuple], float]:
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    for i, path in enumerate(data_files):
        fmt = pyrudof.RDFFormat.NTriples if path.suffix == ".nt" else pyrudof.RDFFormat.Turtle
        rudof.read_data(str(path), format=fmt, merge=i > 0)
    rudof.read_shacl(str(shapes))
    started = time.perf_counter()
    report = rudof.validate_shacl(mode=pyrudof.ShaclValidationMode.Native)
    elapsed = time.perf_counter() - started
    keys = set()
    for entry in report.violations:
        path = str(entry.path or "")
        simple = path.startswith("<") and path.endswith(">") or "://" in path and "(" not in path
        keys.add((str(entry.focus_node).strip("<>"), path.strip("<>") if simple else None,
                  str(entry.constraint_component).strip("<>").replace("sh:", SH),
                  str(entry.severity).rsplit("#", 1)[-1].replace("sh:", ""),
                  str(entry.source_shape).strip("<>").replace("pgsh:", "https://w3id.org/partnergraph/shapes#")))
    return keys, elapsed


def pyshacl_keys(data_files: list[Path]) -> tuple[set[tuple], float]:
    import rdflib
    from pyshacl import validate as pyshacl_validate

    from partnergraph.services.validation.validator import ShapesBundle, _pyshacl_results

    bundle = ShapesBundle.from_resources()
    data = rdflib.Graph()
    for path in data_files:
        data.parse(path, format="nt" if path.suffix == ".nt" else "turtle")
    started = time.perf_counter()
    _, report, _ = pyshacl_validate(data, shacl_graph=bundle.core_shapes, inference="none", advanced=False,
                                    allow_warnings=True, allow_infos=True, inplace=True)
    elapsed = time.perf_counter() - started
    keys = {(str(r.focus_node), str(r.path) if isinstance(r.path, rdflib.URIRef) else None,
             str(r.constraint), r.severity, str(r.source_shape)) for r in _pyshacl_results(report)}
    return keys, elapsed


def worker(engine: str, data: Path, tmp: Path) -> None:
    files = [_model_file(tmp), data]
    if engine == "pyrudof":
        keys, elapsed = rudof_keys(files, _shapes_file(tmp))
    else:
        keys, elapsed = pyshacl_keys(files)
    by_severity = collections.Counter(k[3] for k in keys)
    harness.report({"engine": engine, "total_s": elapsed, "results": len(keys),
                    "by_severity": dict(by_severity), "peak_rss_mb": harness.peak_rss_mb()})


def compare_examples(tmp: Path) -> list[list[str]]:
    from partnergraph.resources import bundled_resources

    shapes, model = _shapes_file(tmp), _model_file(tmp)
    rows = []
    for path in sorted((bundled_resources().ontology_dir / "examples").glob("*/*.ttl")):
        expected, _ = pyshacl_keys([model, path])
        try:
            got, _ = rudof_keys([model, path], shapes)
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            rows.append([f"{path.parent.name}/{path.name}", str(len(expected)), "error",
                         str(exc).replace("|", "/")[:160]])
            continue
        missing, extra = expected - got, got - expected
        verdict = "same" if not missing and not extra else \
            "; ".join([*(f"missing {_short(k[4])} {_short(k[2])}" for k in sorted(missing, key=str)[:3]),
                       *(f"extra {_short(k[4])} {_short(k[2])}" for k in sorted(extra, key=str)[:3])])
        rows.append([f"{path.parent.name}/{path.name}", str(len(expected)), str(len(got)), verdict])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="pyrudof on the core shapes: correctness and speed.")
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--out", type=Path, default=harness.RESULTS_DIR / "pyrudof.md")
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "FILE", "TMP"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]))
        return 0
    info = harness.machine()
    import pyrudof  # noqa: F401 - fail early when it is not installed

    info["pyrudof"] = harness._version("pyrudof")
    tmp = Path(tempfile.mkdtemp(prefix="pyrudof-", dir=harness.OUT_DIR))
    rows = compare_examples(tmp)
    same = sum(1 for r in rows if r[3] == "same")
    harness.log(f"examples: {same} of {len(rows)} give pySHACL's results")
    timing_rows, raw = [], {"examples": rows, "timings": []}
    for label in [s for s in args.sizes.split(",") if s]:
        data = synthetic.ensure(synthetic.parse_size(label))
        for engine in ("pyshacl", "pyrudof"):
            outcome = harness.run_isolated([__file__, "--worker", engine, str(data), str(tmp)], args.timeout)
            r = outcome.result
            raw["timings"].append({"size": label, "engine": engine, **(r or {"error": outcome.error,
                                                                             "timed_out": outcome.timed_out})})
            timing_rows.append([label, engine, harness.fmt_s(r["total_s"]) if r else
                                ("> limit" if outcome.timed_out else f"failed: {outcome.error}"[:120]),
                                str(r["results"]) if r else "", json.dumps(r["by_severity"]) if r else "",
                                harness.fmt_mb(r["peak_rss_mb"]) if r else ""])
            harness.log(f"{label} {engine}: {timing_rows[-1][2]}")
    (harness.RESULTS_DIR / "pyrudof.json").write_text(json.dumps(raw, indent=1))
    text = f"""# pyrudof on the core shapes

Command: `python bench/pyrudof_core.py --sizes {args.sizes}` (pyrudof's native engine; core shapes =
every shape but the SHACL-SPARQL rules, serialised from `ShapesBundle.core_shapes`).

Every example file, pySHACL's results against pyrudof's, compared as (focus node, path, constraint
component, severity, source shape): {same} of {len(rows)} the same.

{harness.table(["example", "pySHACL results", "pyrudof results", "verdict"], rows)}

Validation time of the synthetic data with the model (parsing excluded; results counted as distinct keys):

{harness.table(["size", "engine", "time", "results", "by severity", "peak RSS"], timing_rows)}

Machine:
{harness.machine_markdown(info)}
"""
    harness.publish(text, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
