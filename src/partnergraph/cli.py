"""The `partnergraph` command line: validate, load, query, dump, stats."""

from __future__ import annotations

import importlib
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import rdflib
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from partnergraph.errors import (
    BatchConflict,
    BatchNotFound,
    GraphNotFound,
    InvalidBatch,
    PermissionDenied,
    InputNotFound,
    PartnergraphError,
    QueryEvaluationError,
    QuerySyntaxError,
    RdfSyntaxError,
    StoreUnavailable,
    TokenError,
    UnsupportedFormat,
    ValidationFailed,
)
from partnergraph.services.loading import LoadItem, Loader, default_items, graph_for_file, plan_load
from partnergraph.services.querying import QueryService
from partnergraph.services.tokens import ROLES, TokenRegistry
from partnergraph.services.validation import ShapesBundle, ValidationService, Validator
from partnergraph.services.validation_report import ValidationReport, compact
from partnergraph.settings import MEMORY, Settings
from partnergraph.store import open_store
from partnergraph.store.base import AskResult, GraphResult, GraphStore, SelectResult
from partnergraph.store.rdf_io import serialize_rdf
from partnergraph.store.result_formats import serialize_results, term_to_text

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_BAD_INPUT = 2
EXIT_STORE = 3
EXIT_ERROR = 4

EXIT_CODES: dict[type[PartnergraphError], int] = {
    ValidationFailed: EXIT_INVALID,
    RdfSyntaxError: EXIT_BAD_INPUT,
    InputNotFound: EXIT_BAD_INPUT,
    UnsupportedFormat: EXIT_BAD_INPUT,
    QuerySyntaxError: EXIT_BAD_INPUT,
    QueryEvaluationError: EXIT_ERROR,
    StoreUnavailable: EXIT_STORE,
    InvalidBatch: EXIT_BAD_INPUT,
    BatchNotFound: EXIT_BAD_INPUT,
    GraphNotFound: EXIT_BAD_INPUT,
    PermissionDenied: EXIT_BAD_INPUT,
    BatchConflict: EXIT_INVALID,
}

SEVERITY_STYLE = {"Violation": "bold red", "Warning": "yellow", "Info": "cyan"}

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def exit_code_for(exc: PartnergraphError) -> int:
    """The exit code for an error class (most specific match wins)."""
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return EXIT_ERROR


def describe_error(exc: PartnergraphError) -> str:
    """A one-line message for a person, with file, line and column where known."""
    if isinstance(exc, RdfSyntaxError):
        where = exc.source or "input"
        if exc.line is not None:
            where += f":{exc.line}"
            if exc.column is not None:
                where += f":{exc.column}"
        return f"{where}: {exc.message}"
    return exc.message


class Context:
    """What every command needs: the settings, and a store opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @contextmanager
    def store(self, *, create: bool = True) -> Iterator[GraphStore]:
        """Open the configured store for the duration of a command."""
        settings = self.settings
        if not create and not settings.is_remote and not settings.is_memory \
                and not Path(settings.store).exists():
            settings = Settings(store=MEMORY)
        store = open_store(settings)
        try:
            yield store
        finally:
            store.close()


def _fail(exc: PartnergraphError) -> None:
    err.print(f"[bold red]error:[/] {describe_error(exc)}", highlight=False)
    if isinstance(exc, ValidationFailed):
        print_report(exc.report, "text", console=err)
    sys.exit(exit_code_for(exc))


@click.group()
@click.option("--store", "store", envvar="PARTNERGRAPH_STORE", default=None, metavar="LOCATION",
              help="Store directory, ':memory:', or the URL of a SPARQL 1.1 server "
                   "[env: PARTNERGRAPH_STORE].")
@click.option("-v", "--verbose", count=True, help="Log progress (-v) or queries too (-vv) to stderr.")
@click.version_option(package_name="partnergraph")
@click.pass_context
def main(ctx: click.Context, store: str | None, verbose: int) -> None:
    """A sourced knowledge graph of regional migration partnerships."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings(store=store) if store else Settings()
    ctx.obj = Context(settings)


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


def _services(store: GraphStore) -> tuple[ValidationService, Loader]:
    validation = ValidationService(store, Validator(ShapesBundle.from_resources()))
    return validation, Loader(store, validation)


@main.command()
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
        _fail(exc)
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
        plan = plan_load(items)
        with obj.store() as store:
            _, loader = _services(store)
            with _progress(plan.triple_count) as progress:
                outcome = loader.load(plan, progress=progress)
    except PartnergraphError as exc:
        _fail(exc)
    table = Table("graph", "triples", title=f"Loaded into {obj.settings.store}")
    for name, count in outcome.graphs.items():
        table.add_row(name, str(count))
    out.print(table)
    if outcome.report.results:
        print_report(outcome.report, "text")


@contextmanager
def _progress(total: int):
    if total < 50_000 or not err.is_terminal:
        yield None
        return
    with Progress(TextColumn("loading"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task("load", total=total)
        yield lambda graph, n: bar.advance(task, n)


GRAPH_FORMATS = {"turtle": "turtle", "ntriples": "ntriples", "jsonld": "jsonld", "rdfxml": "rdfxml"}


@main.command()
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.Path(exists=True, path_type=Path),
              help="Read the query from a .rq file.")
@click.option("--format", "fmt",
              type=click.Choice(["table", "json", "xml", "csv", "tsv", *GRAPH_FORMATS]),
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
        _fail(exc)


def _print_result(result, fmt: str | None) -> None:
    if isinstance(result, GraphResult):
        fmt = fmt or "turtle"
        if fmt not in GRAPH_FORMATS:
            raise UnsupportedFormat(f"a graph result can be written as {', '.join(GRAPH_FORMATS)}")
        sys.stdout.buffer.write(serialize_rdf(result.triples, GRAPH_FORMATS[fmt]))
        return
    fmt = fmt or "table"
    if fmt in GRAPH_FORMATS:
        raise UnsupportedFormat("SELECT/ASK results can be written as table, json, xml, csv or tsv")
    if fmt == "table":
        if isinstance(result, AskResult):
            out.print("true" if result.value else "false")
            return
        assert isinstance(result, SelectResult)
        table = Table(*result.variables)
        count = 0
        for row in result.rows:
            table.add_row(*(term_to_text(row.get(v)) for v in result.variables))
            count += 1
        out.print(table)
        err.print(f"{count} row(s)")
        return
    for chunk in serialize_results(result, fmt):
        sys.stdout.buffer.write(chunk)
    if fmt in ("json", "xml"):
        sys.stdout.buffer.write(b"\n")


@main.command()
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
        _fail(exc)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_obj
def stats(obj: Context, fmt: str) -> None:
    """Triples per named graph and instances per class."""
    try:
        with obj.store() as store:
            result = QueryService(store).stats()
    except PartnergraphError as exc:
        _fail(exc)
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
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1) [env: PARTNERGRAPH_HOST].")
@click.option("--port", default=None, type=int, help="Port (default 8000) [env: PARTNERGRAPH_PORT].")
@click.pass_obj
def serve(obj: Context, host: str | None, port: int | None) -> None:
    """Serve the SPARQL endpoint, the canned-query API and the query page.

    An empty embedded store is first loaded with the bundled ontology and data.
    """
    import uvicorn

    from partnergraph.api.app import create_app

    updates = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = obj.settings.model_copy(update=updates)
    logging.getLogger("partnergraph").setLevel(logging.INFO)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, access_log=False,
                log_level="info")


# Tokens for the write API. These commands only touch the token file, never the store, so they work
# while `partnergraph serve` holds the store's lock.

def _token_file_options(command):
    command = click.option(
        "--tokens-file", "tokens_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="The token file (default: PARTNERGRAPH_TOKENS_FILE, else <store>.tokens.json).")(command)
    return click.option(
        "--store", "store", default=None, metavar="LOCATION",
        help="The store whose token file to use (default: the global --store).")(command)


def _token_registry(obj: Context, store: str | None, tokens_file: Path | None) -> TokenRegistry:
    if tokens_file is not None:
        return TokenRegistry(tokens_file)
    settings = obj.settings.model_copy(update={"store": store}) if store else obj.settings
    path = settings.token_file_path()
    if path is None:
        kind = "an in-memory" if settings.is_memory else "a remote"
        raise TokenError(f"{kind} store ({settings.store}) has no token file beside it; name one with "
                         "--tokens-file PATH or PARTNERGRAPH_TOKENS_FILE (the server needs the same)")
    return TokenRegistry(path)


def _token_fail(exc: PartnergraphError) -> None:
    err.print("[bold red]error:[/]", end=" ")
    err.print(describe_error(exc), markup=False, highlight=False)
    sys.exit(EXIT_BAD_INPUT)


@main.group("token")
def token_group() -> None:
    """Create, list and revoke the bearer tokens that may write through the API.

    Reads need no token. The tokens live in <store>.tokens.json beside an on-disk store, or in the
    file named by --tokens-file / PARTNERGRAPH_TOKENS_FILE; a running server sees changes at once.
    """


@token_group.command("create")
@click.option("--name", required=True, help="Who or what uses the token: 1-64 of A-Z a-z 0-9 . _ @ -.")
@click.option("--role", required=True, type=click.Choice(ROLES),
              help="curator: may write data; admin: may do everything a curator may, and more.")
@_token_file_options
@click.pass_obj
def token_create(obj: Context, name: str, role: str, store: str | None,
                 tokens_file: Path | None) -> None:
    """Create a token and print it once, alone on the last line."""
    try:
        registry = _token_registry(obj, store, tokens_file)
        info, secret = registry.create(name, role)
    except TokenError as exc:
        _token_fail(exc)
    click.echo(f"Created token {info.name!r} with role {info.role}; only its hash is stored, "
               f"in {registry.path}.")
    click.echo("The token is shown once; store it safely. Send it as `Authorization: Bearer <token>`:")
    click.echo(secret)


@token_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@_token_file_options
@click.pass_obj
def token_list(obj: Context, fmt: str, store: str | None, tokens_file: Path | None) -> None:
    """List the tokens: name, role, created, revoked. Never shows secrets or hashes."""
    try:
        registry = _token_registry(obj, store, tokens_file)
        tokens = registry.list()
    except TokenError as exc:
        _token_fail(exc)
    if fmt == "json":
        click.echo(json.dumps({"tokens_file": str(registry.path),
                               "tokens": [t.to_json() for t in tokens]}, indent=2))
        return
    err.print(f"{len(tokens)} token(s) in {registry.path}", markup=False, highlight=False)
    if not tokens:
        err.print("create one with `partnergraph token create --name NAME --role curator`",
                  markup=False, highlight=False)
        return
    table = Table("name", "role", "created", "status")
    for t in tokens:
        table.add_row(t.name, t.role, t.created, "active" if t.active else f"revoked {t.revoked}")
    out.print(table)


@token_group.command("revoke")
@click.argument("name")
@_token_file_options
@click.pass_obj
def token_revoke(obj: Context, name: str, store: str | None, tokens_file: Path | None) -> None:
    """Revoke the active token NAME.

    It stays in the file, marked revoked; a running server refuses it from its next request on.
    """
    try:
        registry = _token_registry(obj, store, tokens_file)
        info = registry.revoke(name)
    except TokenError as exc:
        _token_fail(exc)
    click.echo(f"Revoked token {info.name!r} (role {info.role}) in {registry.path}.")


# The curation commands (ingest, batches, revert) live in their own module and register on `main`.
importlib.import_module("partnergraph.cli_curation")
