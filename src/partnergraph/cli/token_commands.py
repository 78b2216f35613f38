"""`partnergraph token create/list/revoke`: the bearer tokens of the write API.

These commands only touch the token file, never the store, so they work while `partnergraph serve`
holds the store's lock.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from partnergraph.cli.group import STORE_HELP, Context, main
from partnergraph.cli.output import err, fail, out
from partnergraph.errors import TokenError
from partnergraph.services.tokens import ROLES, TokenRegistry

def _token_file_options(command):
    command = click.option(
        "--tokens-file", "tokens_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="The token file (default: PARTNERGRAPH_TOKENS_FILE, else <store>.tokens.json).")(command)
    return click.option("--store", "store", default=None, metavar="LOCATION",
                        help=STORE_HELP + " Its token file is <store>.tokens.json.")(command)


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
        fail(exc)
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
        fail(exc)
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
        fail(exc)
    click.echo(f"Revoked token {info.name!r} (role {info.role}) in {registry.path}.")
