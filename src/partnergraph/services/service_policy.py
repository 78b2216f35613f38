"""Which remote endpoints a query's SPARQL SERVICE clauses may call (checked before any engine runs).

Both pyoxigraph and `oxigraph serve` open a connection to whatever host a SERVICE clause names, so the
check happens on the query text, with our own tokenizer, before the query reaches an engine.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from partnergraph.errors import ServiceNotAllowed
from partnergraph.store.sparql_lexer import service_targets

log = logging.getLogger(__name__)

ALLOW_ALL = "*"
SETTING = "PARTNERGRAPH_SERVICE_ALLOWLIST"
_AUTHORITY_ONLY = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")


def _matches(endpoint: str, prefix: str) -> bool:
    if not endpoint.startswith(prefix):
        return False
    if _AUTHORITY_ONLY.fullmatch(prefix):
        # "http://example.org" must not allow "http://example.org.evil.com/" or "...@evil.com".
        rest = endpoint[len(prefix):]
        return rest == "" or rest[0] in "/?#"
    return True


class ServicePolicy:
    """An allow-list of endpoint IRI prefixes for SERVICE clauses; empty refuses every SERVICE."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed = [a for a in allowed if a]
        self.allow_all = ALLOW_ALL in self.allowed

    def allows(self, endpoint: str | None) -> bool:
        """True when a SERVICE clause may call `endpoint` (None: a variable endpoint)."""
        if self.allow_all:
            return True
        if endpoint is None:
            return False
        return any(_matches(endpoint, prefix) for prefix in self.allowed if prefix != ALLOW_ALL)

    def check(self, query_text: str) -> None:
        """Raise ServiceNotAllowed when the query calls an endpoint that is not allow-listed."""
        for endpoint in service_targets(query_text):
            if self.allows(endpoint):
                continue
            log.info("refused a query with SERVICE %s", endpoint or "?variable")
            if endpoint is None:
                raise ServiceNotAllowed(
                    "the query has a SERVICE clause whose endpoint is a variable (or cannot be "
                    "determined); such queries are refused. An operator can allow every endpoint by "
                    f'setting {SETTING} to ["*"].',
                    endpoint=None, details=[{"endpoint": None}])
            raise ServiceNotAllowed(
                f"the query calls the remote endpoint <{endpoint}> through SERVICE, which this server "
                f"does not allow. An operator can allow it by adding it, or an IRI prefix of it, to "
                f'{SETTING} (a JSON list, e.g. ["{endpoint}"]).',
                endpoint=endpoint, details=[{"endpoint": endpoint}])
