"""`partnergraph ingest`, `batches` and `revert`: the curation API's writes, on a local store.

They run the same service as `POST /api/ingest` and `DELETE /api/batches/{id}`: the same validation, the
same batch records. Whoever can open the store directly is its owner, so these commands act with the admin
role, under the curator name given by --curator (default: the login name).
"""

from __future__ import annotations

import getpass
import json
import re
import sys
from pathlib import Path

import click
from rich.table import Table

from partnergraph.cli.group import Context, main, store_option
from partnergraph.cli.output import err, fail, out, print_report
from partnergraph.errors import EXIT_INVALID, PartnergraphError, ValidationFailed
from partnergraph.services.curation.writes import CurationService, WriteRequest, parse_time
from partnergraph.services.validation.incremental import IncrementalValidator
from partnergraph.services.tokens import NAME_PATTERN, Principal
from partnergraph.services.validation.validator import ShapesBundle
from partnergraph.rdf.parsing import parse_rdf


def _curator(name: str | None) -> Principal:
    name = name or re.sub(r"[^A-Za-z0-9._@-]", "-", getpass.getuser())[:64] or "local"
    if not NAME_PATTERN.fullmatch(name):
        raise click.BadParameter("1-64 of A-Z a-z 0-9 . _ @ -", param_hint="--curator")
    return Principal(name, "admin")


def _service(store) -> CurationService:
    return CurationService(store, IncrementalValidator(ShapesBundle.from_resources()))


@main.command()
@store_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--source", "sources", multiple=True, metavar="IRI",
              help="Source document the triples come from (required; repeat for several).")
@click.option("--comment", default=None, help="Why: kept in the batch's record.")
@click.option("--graph", default=None, metavar="IRI",
              help="Named graph to write, replacing its content (default: a new graph for the batch).")
@click.option("--append", is_flag=True, help="Add to --graph instead of replacing its content.")
@click.option("--curator", default=None, help="Name recorded as the batch's curator (default: login name).")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def ingest(obj: Context, file: Path, sources: tuple[str, ...], comment: str | None, graph: str | None,
           append: bool, curator: str | None, dry_run: bool, fmt: str) -> None:
    """Validate FILE with the stored data and write it as a recorded, revertible batch.

    Exit status: 0 written (or valid, with --dry-run), 1 violations (nothing written), 2 bad input,
    3 store unavailable.
    """
    if append and graph is None:
        raise click.UsageError("--append needs --graph")
    principal = _curator(curator)
    try:
        statements = parse_rdf(file)
        triples = [s.triple if hasattr(s, "graph_name") else s for s in statements]
        request = WriteRequest(triples, list(sources), comment, graph, "append" if append else "replace")
        with obj.store() as store:
            service = _service(store)
            outcome = service.validate(request, principal) if dry_run else service.write(request, principal)
    except ValidationFailed as exc:
        if fmt == "json":
            click.echo(json.dumps({"ok": False, "message": exc.message, "report": exc.report.to_json()}, indent=2))
            sys.exit(EXIT_INVALID)
        fail(exc)
    except PartnergraphError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(json.dumps({"ok": outcome.report.conforms, **outcome.to_json()}, indent=2))
    else:
        if outcome.record is not None:
            record = outcome.record
            out.print(f"batch {record.id}: {record.operation} {record.graph}, {record.triple_count} triples "
                      f"(+{record.added} -{record.removed}), curator {record.curator}", highlight=False)
        else:
            out.print(f"dry run: {outcome.operation} {outcome.graph}, {outcome.triple_count} triples "
                      f"(+{outcome.added} -{outcome.removed}); nothing written", highlight=False)
        for note in outcome.notes:
            err.print(f"note: {note}", highlight=False)
        if outcome.report.results:
            print_report(outcome.report, "text")
    sys.exit(0 if outcome.report.conforms else EXIT_INVALID)


@main.command()
@store_option
@click.option("--curator", default=None, help="Only batches of this curator.")
@click.option("--source", default=None, metavar="IRI", help="Only batches citing this source document.")
@click.option("--graph", default=None, metavar="IRI", help="Only batches of this graph.")
@click.option("--since", default=None, help="Written at or after (ISO 8601).")
@click.option("--until", default=None, help="Written at or before (ISO 8601).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def batches(obj: Context, curator: str | None, source: str | None, graph: str | None, since: str | None,
            until: str | None, fmt: str) -> None:
    """List the batches written to the store, oldest first."""
    try:
        with obj.store(create=False) as store:
            records = _service(store).batches(curator=curator, source=source, graph=graph,
                                              since=parse_time(since, "--since"),
                                              until=parse_time(until, "--until"))
    except PartnergraphError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in records], indent=2))
        return
    table = Table("id", "written", "curator", "operation", "graph", "triples", "sources", "status")
    for r in records:
        status = f"reverted by {r.reverted.curator}" if r.reverted else \
            f"replaced by {', '.join(r.replaced_by)}" if r.replaced_by else "live"
        table.add_row(r.id, r.ended.isoformat(timespec="seconds"), r.curator, r.operation, r.graph,
                      str(r.triple_count), "\n".join(r.sources), status)
    out.print(table)
    err.print(f"{len(records)} batch(es)", highlight=False)


@main.command()
@store_option
@click.argument("batch_id")
@click.option("--comment", default=None, help="Why: kept in the revert's record.")
@click.option("--curator", default=None, help="Name recorded as who reverted (default: login name).")
@click.pass_obj
def revert(obj: Context, batch_id: str, comment: str | None, curator: str | None) -> None:
    """Revert batch BATCH_ID: its graph gets back its earlier content; the revert is recorded.

    Refused (nothing changes) when a later batch changed the same graph, or when other data depends
    on the batch's triples (exit status 1, with the report).
    """
    principal = _curator(curator)
    try:
        with obj.store() as store:
            record = _service(store).revert(batch_id, principal, comment)
    except PartnergraphError as exc:
        fail(exc)
    out.print(f"batch {record.id} reverted: {record.graph} now holds {record.reverted.triple_count} triples",
              highlight=False)
