"""What the benchmark scripts share: the machine description, isolated runs in fresh subprocesses, peak
memory, medians and Markdown tables."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
OUT_DIR = BENCH_DIR / "out"
RESULT_MARKER = "@@BENCH-RESULT@@ "


def _meminfo_total_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """The machine and software the numbers were measured on."""
    mem = _meminfo_total_mb()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": f"{mem / 1024:.1f} GiB" if mem else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "pyoxigraph": _version("pyoxigraph"),
        "rdflib": _version("rdflib"),
        "pyshacl": _version("pyshacl"),
        "partnergraph": _version("partnergraph"),
        "load average at start (1/5/15 min)": " / ".join(f"{x:.2f}" for x in load),
    }


def machine_markdown(info: dict[str, str]) -> str:
    """The machine description as a Markdown list."""
    return "\n".join(f"- {k}: {v}" for k, v in info.items())


def peak_rss_mb() -> float | None:
    """This process's peak resident set size so far (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float | None:
    """This process's current resident set size (VmRSS), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def report(result: dict) -> None:
    """Called in a worker subprocess: hand `result` (JSON-able) back to the parent."""
    result.setdefault("peak_rss_mb", peak_rss_mb())
    sys.stdout.write(RESULT_MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


@dataclass
class RunOutcome:
    """One isolated run: its result, or why it has none."""

    result: dict | None
    timed_out: bool = False
    error: str | None = None
    wall_s: float = 0.0


def run_isolated(argv: Sequence[str], timeout: float | None) -> RunOutcome:
    """Run a worker command in a fresh Python subprocess and collect what it `report`ed."""
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=timeout,
                              cwd=BENCH_DIR.parent)
    except subprocess.TimeoutExpired:
        return RunOutcome(None, timed_out=True, wall_s=time.perf_counter() - started)
    wall = time.perf_counter() - started
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            return RunOutcome(json.loads(line[len(RESULT_MARKER):]), wall_s=wall)
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return RunOutcome(None, error=f"exit {proc.returncode}: " + " | ".join(tail), wall_s=wall)


@dataclass
class Series:
    """Repeated measurements of one configuration."""

    values: dict[str, list[float]] = field(default_factory=dict)
    timeouts: int = 0
    errors: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def add(self, result: dict) -> None:
        for key, value in result.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.values.setdefault(key, []).append(float(value))
            else:
                self.extra[key] = value

    def median(self, key: str) -> float | None:
        vals = self.values.get(key)
        return statistics.median(vals) if vals else None

    def spread(self, key: str) -> str:
        vals = self.values.get(key)
        if not vals or len(vals) < 2:
            return ""
        return f"{min(vals):.3g}-{max(vals):.3g}"


def fmt_s(value: float | None) -> str:
    """Seconds for a table cell."""
    if value is None:
        return "n/a"
    if value < 0.1:
        return f"{value * 1000:.1f} ms"
    if value < 10:
        return f"{value:.2f} s"
    return f"{value:.1f} s"


def fmt_mb(value: float | None) -> str:
    """Megabytes for a table cell."""
    return "n/a" if value is None else f"{value:,.0f} MB"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_result(name: str, text: str) -> Path:
    """Write bench/results/<name> and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(text, encoding="utf-8")
    return path


def publish(text: str, out: Path) -> Path:
    """Write a results table to `out` (through write_result when it is in RESULTS_DIR), print it, log it."""
    if out.parent == RESULTS_DIR:
        path = write_result(out.name, text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        path = out
    print(text)
    log(f"written {path}")
    return path


def log(message: str) -> None:
    """Progress on stderr, with a timestamp."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_raw(name: str) -> dict:
    """Raw runs kept in bench/results/<name>.json by earlier invocations ({} if none)."""
    path = RESULTS_DIR / f"{name}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def save_raw(name: str, raw: dict) -> Path:
    """Keep raw runs so that a later invocation for other sizes or engines adds to the same tables."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(raw, indent=1, sort_keys=True), encoding="utf-8")
    return path


def series_from_raw(entry: dict) -> Series:
    """A Series rebuilt from a raw entry."""
    s = Series()
    for result in entry.get("runs", []):
        s.add(result)
    s.timeouts = entry.get("timeouts", 0)
    s.errors = list(entry.get("errors", []))
    s.extra.update(entry.get("extra", {}))
    return s


def fingerprint(paths: Sequence[Path]) -> str:
    """A short hash of the given files' contents: rows measured on different inputs can be told apart."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def input_fingerprint() -> str:
    """Hash of the generator, the ontology, vocabularies and shapes the benchmark runs on."""
    root = BENCH_DIR.parent / "ontology"
    files = [BENCH_DIR / "synthetic.py", *root.glob("*.ttl"), *root.glob("imports/*.ttl"),
             *root.glob("vocabularies/*.ttl")]
    return fingerprint([f for f in files if f.is_file()])
