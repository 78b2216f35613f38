"""The one check of IRIs given as text (graph names, sources, dataset IRIs): absolute, with a scheme."""

from __future__ import annotations

import re

import pyoxigraph as ox

from partnergraph.errors import PartnergraphError, StoreError

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def absolute_iri(text: str, what: str = "IRI", error: type[PartnergraphError] = StoreError) -> ox.NamedNode:
    """`text` as a NamedNode if it is an absolute IRI with a scheme; else `error` naming `what`."""
    if not isinstance(text, str):
        raise error(f"{what} must be an absolute IRI, not {type(text).__name__}")
    try:
        node = ox.NamedNode(text)
    except (TypeError, ValueError) as exc:
        raise error(f"{what} must be an absolute IRI, not {text[:200]!r}: {exc}") from exc
    if not _SCHEME.match(node.value):
        raise error(f"{what} must be an absolute IRI with a scheme, not {text[:200]!r}")
    return node
