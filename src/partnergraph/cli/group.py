"""The `partnergraph` command group, its global options and the context every command gets."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from partnergraph.logging_config import configure_logging
from partnergraph.settings import MEMORY, Settings
from partnergraph.store import open_store
from partnergraph.store.contract import GraphStore

STORE_HELP = ("Store directory, ':memory:', or the URL of a SPARQL 1.1 server "
              "[env: PARTNERGRAPH_STORE]. May be given before or after the command's name.")


class Context:
    """What every command needs: the settings, and a store opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def use_store(self, store: str | None) -> None:
        """A `--store` given after the command's name: it wins over the one before."""
        if store:
            self.settings = self.settings.model_copy(update={"store": store})

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


def store_option(command: Callable) -> Callable:
    """Give a command that opens a store its own `--store`, with the same meaning as the group's."""

    @click.option("--store", "store_location", default=None, metavar="LOCATION", help=STORE_HELP)
    @functools.wraps(command)
    def with_store(*args, store_location: str | None = None, **kwargs):
        click.get_current_context().find_object(Context).use_store(store_location)
        return command(*args, **kwargs)

    return with_store


@click.group()
@click.option("--store", "store", envvar="PARTNERGRAPH_STORE", default=None, metavar="LOCATION",
              help=STORE_HELP)
@click.option("-v", "--verbose", count=True, help="Log progress (-v) or queries too (-vv) to stderr.")
@click.version_option(package_name="partnergraph")
@click.pass_context
def main(ctx: click.Context, store: str | None, verbose: int) -> None:
    """A sourced knowledge graph of regional migration partnerships."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    configure_logging(level, stream=sys.stderr)
    settings = Settings(store=store) if store else Settings()
    ctx.obj = Context(settings)
