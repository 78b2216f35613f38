"""Commands on the store: validate, load, query, dump, stats, serve."""

from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from partnergraph.errors import EXIT_INVALID, EXIT_OK, PartnergraphError, UnsupportedFormat
from partnergraph.cli.group import Context, main, store_option
from partnergraph.cli.output import err, fail, out, print_report
from partnergraph.logging_config import uvicorn_log_config
from partnergraph.rdf.serializing import serialize_rdf
from partnergraph.services.loading import LoadItem, Loader, default_items, graph_for_file, plan_load
from partnergraph.services.querying.statistics import QueryService
from partnergraph.services.validation.validator import ShapesBundle, ValidationService, Validator
from partnergraph.store.contract import AskResult, GraphResult, GraphStore, SelectResult

log = logging.getLogger(__name__)


def _services(store: GraphStore) -> tuple[ValidationService, Loader]:
    validation = ValidationService(store, Validator(ShapesBundle.from_resources()))
    return validation, Loader(store, validation)


@main.command()
@store_option
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text",
              show_default=True, help="Report format.")
@click.option("--all", "show_all", is_flag=True,
              help="Also show Warnings and Infos about stored nodes the files do not mention.")
@click.pass_obj
def validate(obj: Context, files: tuple[Path, ...], fmt: str, show_all: bool) -> None:
    """Validate RDF FILES against the shapes, together with what is already in the store.

    The report shows every result about a node the files mention and every Violation; Warnings and
    Infos about other stored nodes are counted but not shown unless --all is given.

    Exit status: 0 conforms (warnings allowed), 1 violations, 2 input unreadable, 3 store unavailable.
    """
    try:
        plan = plan_load(LoadItem(f, graph_for_file(f)) for f in files)
        with obj.store(create=False) as store:
            validation, _ = _services(store)
            report = validation.validate_change(plan.graphs)
    except PartnergraphError as exc:
        fail(exc)
    shown, hidden = report, 0
    if not show_all:
        shown = report.about(plan.mentioned_nodes())
        hidden = len(report.results) - len(shown.results)
    print_report(shown, fmt)
    if hidden and fmt == "text":
        err.print(f"({hidden} warning(s)/info(s) about stored nodes the files do not mention are not "
                  "shown; --all shows them)", highlight=False)
    sys.exit(EXIT_OK if report.conforms else EXIT_INVALID)


@main.command()
@store_option
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--graph", default=None, metavar="IRI",
              help="Named graph for a single FILE (default: pgg:data/<file stem>).")
@click.pass_obj
def load(obj: Context, files: tuple[Path, ...], graph: str | None) -> None:
    """Validate then load FILES (default: the ontology and data/), each into its own named graph.

    Loading is idempotent: a file replaces its graph. Invalid data is refused and nothing changes.
    """
    if graph and len(files) != 1:
        raise click.UsageError("--graph needs exactly one FILE")
    items = [LoadItem(f, graph or graph_for_file(f)) for f in files] if files else default_items()
    try:
        with _progress(len(items)) as progress:
            plan = plan_load(items)
            with obj.store() as store:
                _, loader = _services(store)
                outcome = loader.load(plan, progress=progress)
    except PartnergraphError as exc:
        fail(exc)
    table = Table("graph", "triples", title=f"Loaded into {obj.settings.store}")
    for name, count in outcome.graphs.items():
        table.add_row(name, str(count))
    out.print(table)
    if outcome.report.results:
        print_report(outcome.report, "text")


class _LoadBar:
    """The load's progress on the terminal: one line naming the phase, a bar where a phase has a total."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task = None
        self.total: int | None = None

    def phase(self, text: str, total: int | None = None) -> None:
        if self.task is not None:  # the previous phase is over: its line stays, shown complete
            self.bar.update(self.task, total=self.total or 1, completed=self.total or 1)
        self.task, self.total = self.bar.add_task(text, total=total), total

    def advance(self, steps: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, steps)


@contextmanager
def _progress(files: int):
    """A progress display on stderr when it is a terminal (None otherwise)."""
    if not err.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err) as bar:
        progress = _LoadBar(bar)
        progress.phase(f"parsing {files} file(s)")
        yield progress


GRAPH_OUTPUTS = ("turtle", "ntriples", "jsonld", "rdfxml")


@main.command()
@store_option
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.Path(exists=True, path_type=Path),
              help="Read the query from a .rq file.")
@click.option("--format", "fmt",
              type=click.Choice(["table", "json", "xml", "csv", "tsv", *GRAPH_OUTPUTS]),
              default=None, help="Output format (default: table for SELECT/ASK, turtle for graphs).")
@click.pass_obj
def query(obj: Context, sparql: str | None, query_file: Path | None, fmt: str | None) -> None:
    """Run a SPARQL query on the union of all graphs."""
    if (sparql is None) == (query_file is None):
        raise click.UsageError("give a query either as an argument or with -f FILE")
    text = query_file.read_text(encoding="utf-8") if query_file else sparql
    try:
        with obj.store() as store:
            result = QueryService(store).run(text)
            _print_result(result, fmt)
    except PartnergraphError as exc:
        fail(exc)


def _print_result(result, fmt: str | None) -> None:
    if isinstance(result, GraphResult):
        fmt = fmt or "turtle"
        if fmt not in GRAPH_OUTPUTS:
            raise UnsupportedFormat(f"a graph result can be written as {', '.join(GRAPH_OUTPUTS)}")
        result.write(fmt, sys.stdout.buffer)
        return
    fmt = fmt or "table"
    if fmt in GRAPH_OUTPUTS:
        raise UnsupportedFormat("SELECT/ASK results can be written as table, json, xml, csv or tsv")
    if fmt == "table":
        if isinstance(result, AskResult):
            out.print("true" if result.value else "false")
            return
        assert isinstance(result, SelectResult)
        table = Table(*result.variables)
        count = 0
        for row in result.rows:
            table.add_row(*(_text(row.get(v)) for v in result.variables))
            count += 1
        out.print(table)
        err.print(f"{count} row(s)")
        return
    result.write(fmt, sys.stdout.buffer)
    if fmt in ("json", "xml"):
        sys.stdout.buffer.write(b"\n")


def _text(term) -> str:
    """A term's plain value, as in SPARQL CSV (IRI, lexical form, or _:label)."""
    if term is None:
        return ""
    return f"_:{term.value}" if term.__class__.__name__ == "BlankNode" else term.value


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["nquads", "trig"]), default="nquads",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.pass_obj
def dump(obj: Context, fmt: str, output: Path | None) -> None:
    """Write every named graph of the store as N-Quads or TriG."""
    try:
        with obj.store() as store:
            if output:
                with output.open("wb") as handle:
                    serialize_rdf(store.quads(), fmt, output=handle)
            else:
                serialize_rdf(store.quads(), fmt, output=sys.stdout.buffer)
                sys.stdout.buffer.flush()
    except PartnergraphError as exc:
        fail(exc)


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_obj
def stats(obj: Context, fmt: str) -> None:
    """Triples per named graph and instances per class."""
    try:
        with obj.store() as store:
            result = QueryService(store).stats()
    except PartnergraphError as exc:
        fail(exc)
    if fmt == "json":
        out.print_json(json.dumps({"total_triples": result.total_triples, "graphs": result.graphs,
                                   "classes": dict(result.classes)}))
        return
    graphs = Table("graph", "triples", title="Triples per graph")
    for name, count in result.graphs.items():
        graphs.add_row(name, str(count))
    graphs.add_row("[bold]total[/]", f"[bold]{result.total_triples}[/]")
    classes = Table("class", "instances", title="Instances per class")
    for name, count in result.classes:
        classes.add_row(name, str(count))
    out.print(graphs)
    out.print(classes)


@main.command()
@store_option
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1) [env: PARTNERGRAPH_HOST].")
@click.option("--port", default=None, type=int, help="Port (default 8000) [env: PARTNERGRAPH_PORT].")
@click.pass_obj
def serve(obj: Context, host: str | None, port: int | None) -> None:
    """Serve the SPARQL endpoint, the canned-query API and the query page.

    An empty embedded store is first loaded with the bundled ontology and data.
    """
    import uvicorn

    from partnergraph.app import create_app

    updates = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = obj.settings.model_copy(update=updates)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, access_log=False,
                log_config=uvicorn_log_config("info"))


