"""What commands print: consoles, error messages and exit codes, validation reports."""

from __future__ import annotations

import json
import re
import sys
from typing import NoReturn

import rdflib
from rich.console import Console

from partnergraph.errors import PartnergraphError, RdfSyntaxError, TokensUnavailable, ValidationFailed
from partnergraph.services.validation.report import ValidationReport, compact

SEVERITY_STYLE = {"Violation": "bold red", "Warning": "yellow", "Info": "cyan"}

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def describe_error(exc: PartnergraphError) -> str:
    """A one-line message for a person, with file, line and column where known."""
    if isinstance(exc, RdfSyntaxError):
        where = exc.source or "input"
        if exc.line is not None:
            where += f":{exc.line}"
            if exc.column is not None:
                where += f":{exc.column}"
        return f"{where}: {exc.message}"
    if isinstance(exc, TokensUnavailable) and exc.path is not None:
        return f"{exc.message} (token file: {exc.path})"
    return exc.message


def fail(exc: PartnergraphError) -> NoReturn:
    """Print the error (and a validation report) to stderr and exit with the error's exit code."""
    err.print("[bold red]error:[/]", end=" ")
    err.print(describe_error(exc), markup=False, highlight=False)
    if isinstance(exc, ValidationFailed):
        print_report(exc.report, "text", console=err)
    sys.exit(exc.exit_code)


def print_report(report: ValidationReport, fmt: str, console: Console = out) -> None:
    """Print a validation report for people (text) or machines (json, turtle)."""
    if fmt == "json":
        console.print_json(json.dumps(report.to_json()))
        return
    if fmt == "turtle":
        sys.stdout.write(report.to_turtle())
        return
    for focus, results in report.by_focus_node().items():
        console.print(f"[bold]{compact(focus)}[/]", highlight=False)
        for r in results:
            style = SEVERITY_STYLE.get(r.severity, "")
            path = compact_path(r.path_text)
            value = f" value {compact(r.value)}" if r.value is not None and r.value != focus else ""
            console.print(f"  [{style}]{r.severity}[/] {path}{value}: {r.message}  "
                          f"[dim]({compact(r.source_shape)}, "
                          f"{compact(r.constraint).replace('sh:', '')})[/]", highlight=False)
    summary = report.summary()
    verdict = "[green]conforms[/]" if report.conforms else "[bold red]does not conform[/]"
    console.print(f"{verdict}: {summary['violations']} violation(s), {summary['warnings']} "
                  f"warning(s), {summary['infos']} info(s)", highlight=False)


def compact_path(path_text: str | None) -> str:
    """A readable property path ('-' when the result has none)."""
    if path_text is None:
        return "-"
    if not path_text.startswith(("(", "^", "<")):
        return compact(rdflib.URIRef(path_text)) or path_text
    return re.sub(r"<([^>]*)>", lambda m: compact(rdflib.URIRef(m.group(1))) or m.group(0), path_text)
