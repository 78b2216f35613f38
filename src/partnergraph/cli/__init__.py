"""The `partnergraph` command line: the group (`group`), what commands print (`output`) and the commands.

Importing this package registers every command on `main`, the console script's entry point.
"""

from partnergraph.cli import curation_commands, store_commands, token_commands  # noqa: F401 - registers them
from partnergraph.cli.group import main

__all__ = ["main"]
