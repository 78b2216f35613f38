"""Which remote endpoints a query's SPARQL SERVICE clauses may call: the first line of defence.

The guarantee that queries never reach the network does not rest on this check: query workers cannot
open network sockets at all (`store.worker_sandbox`), and only queries this check lets through with an
allow-listed SERVICE clause run in the separate workers that can. This check is what gives the client a
clear 400 instead, and it is deliberately blunt:

- with the default empty allow-list, the word `service` in any case, anywhere in the query text once
  `\\u` escapes are decoded (keyword, IRI, prefixed name, string or comment), refuses the query;
- with an allow-list, every occurrence must be a SERVICE clause whose endpoint is a full IRI on the
  list (a variable endpoint needs `*`), written without `\\u` escapes; anything else refuses the query.

Both passes are linear in the query's length; the tokenizer runs only on queries that mention the word
while an allow-list is set, and only up to MAX_FEDERATED_QUERY characters.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from partnergraph.errors import ServiceNotAllowed
from partnergraph.sparql.lexer import (
    first_service_mention,
    position,
    service_clauses,
    unescape_codepoints,
)

log = logging.getLogger(__name__)

ALLOW_ALL = "*"
SETTING = "PARTNERGRAPH_SERVICE_ALLOWLIST"
MAX_FEDERATED_QUERY = 256 * 1024
_AUTHORITY_ONLY = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")
_HINT = ('To match text that contains the word, build it from parts, e.g. CONTAINS(?label, CONCAT("Serv", '
         '"ice")).')


def _matches(endpoint: str, prefix: str) -> bool:
    if not endpoint.startswith(prefix):
        return False
    if _AUTHORITY_ONLY.fullmatch(prefix):
        # "http://example.org" must not allow "http://example.org.evil.com/" or "...@evil.com".
        rest = endpoint[len(prefix):]
        return rest == "" or rest[0] in "/?#"
    return True


def _excerpt(text: str, start: int) -> str:
    piece = text[start:start + 40]
    return "".join(c if c.isprintable() else f"\\u{ord(c):04X}" for c in piece)


class ServicePolicy:
    """An allow-list of endpoint IRI prefixes for SERVICE clauses; empty refuses every SERVICE."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed = [a for a in allowed if a]
        self.allow_all = ALLOW_ALL in self.allowed

    @property
    def federates(self) -> bool:
        """True when some SERVICE clause may run (the allow-list is not empty)."""
        return bool(self.allowed)

    def allows(self, endpoint: str | None) -> bool:
        """True when a SERVICE clause may call `endpoint` (None: a variable endpoint)."""
        if self.allow_all:
            return True
        if endpoint is None:
            return False
        return any(_matches(endpoint, prefix) for prefix in self.allowed if prefix != ALLOW_ALL)

    def check(self, query_text: str) -> bool:
        """Raise ServiceNotAllowed unless every SERVICE is allowed; True when the query calls an endpoint.

        A True answer means the query must run in a worker with network access; False means it mentions
        no SERVICE at all and runs in a confined worker.
        """
        first = first_service_mention(query_text)
        if first is None:
            return False
        if self.allow_all:
            return True
        decoded = unescape_codepoints(query_text)
        if not self.allowed:
            line, column = position(decoded, first)
            log.info("refused a query that mentions SERVICE at %d:%d", line, column)
            raise ServiceNotAllowed(
                f"the query mentions 'service' at line {line}, column {column} "
                f"({_excerpt(decoded, first)!r}). This server calls no remote endpoint: SERVICE clauses are "
                "refused, and so that no spelling can slip through, the word is refused anywhere in a query, "
                f"in any case, also inside IRIs, prefixed names, strings and comments. {_HINT} An operator "
                f"can allow endpoints with {SETTING}.",
                details=[{"line": line, "column": column}])
        if decoded != query_text:
            raise ServiceNotAllowed("a query that calls a SERVICE endpoint may not use \\u or \\U escapes")
        if len(query_text) > MAX_FEDERATED_QUERY:
            raise ServiceNotAllowed(f"a query that calls a SERVICE endpoint may be at most "
                                    f"{MAX_FEDERATED_QUERY} characters long")
        clauses, strays = service_clauses(query_text)
        for stray in strays:
            line, column = position(query_text, stray.start)
            raise ServiceNotAllowed(
                f"the query mentions 'service' at line {line}, column {column} ({_excerpt(query_text, stray.start)!r}) "
                "outside a SERVICE clause this server can check: write SERVICE [SILENT] <full endpoint IRI> "
                f"{{ ... }} (no prefixed name), and keep the word out of IRIs, names, strings and comments. {_HINT}",
                details=[{"line": line, "column": column}])
        for clause in clauses:
            if self.allows(clause.endpoint):
                continue
            log.info("refused a query with SERVICE %s", clause.endpoint or "?variable")
            if clause.endpoint is None:
                raise ServiceNotAllowed(
                    "the query has a SERVICE clause whose endpoint is a variable; such queries are refused. "
                    f'An operator can allow every endpoint by setting {SETTING} to ["*"].',
                    endpoint=None, details=[{"endpoint": None}])
            raise ServiceNotAllowed(
                f"the query calls the remote endpoint <{clause.endpoint}> through SERVICE, which this server "
                f"does not allow. An operator can allow it by adding it, or an IRI prefix of it, to "
                f'{SETTING} (a JSON list, e.g. ["{clause.endpoint}"]).',
                endpoint=clause.endpoint, details=[{"endpoint": clause.endpoint}])
        return True
