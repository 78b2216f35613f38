"""A cost of pySHACL that grows with the data, not with the shapes, removed while our validations run.

On every evaluation of a shape (once per value node for a shape nested in `sh:or`, `sh:node` or
`sh:qualifiedValueShape`), pySHACL 0.40 picks the shape's constraint parameters with
`p in ALL_CONSTRAINT_PARAMETERS`, a list of about 40 IRIs: some 36 million IRI comparisons for 100k
triples, a quarter of the core shapes' time. `tuned_pyshacl()` hands pySHACL (through the module
attribute `pyshacl.shape.CONSTRAINT_PARAMS`, where it caches that list) a list with the same members in
the same order whose `in` is a set lookup. Nothing else changes: the tests compare the engine, which runs
inside `tuned_pyshacl()`, with plain pySHACL, which runs outside it, on every example file.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pyshacl.constraints
import pyshacl.shape

_ATTRIBUTE = "CONSTRAINT_PARAMS"
_lock = threading.Lock()
_users = 0
_saved: Any = None


class ParameterList(list):
    """A list whose membership test is a set lookup (its items are hashable IRIs)."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        try:
            return item in self._members
        except TypeError:  # an unhashable item: the list's own test
            return super().__contains__(item)


@contextmanager
def tuned_pyshacl() -> Iterator[None]:
    """pySHACL with the fast parameter list while the block runs (re-entrant, thread-safe)."""
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = getattr(pyshacl.shape, _ATTRIBUTE, None)
            setattr(pyshacl.shape, _ATTRIBUTE, (ParameterList(pyshacl.constraints.ALL_CONSTRAINT_PARAMETERS),
                                                pyshacl.constraints.CONSTRAINT_PARAMETERS_MAP))
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                if _saved is None:
                    delattr(pyshacl.shape, _ATTRIBUTE)
                else:
                    setattr(pyshacl.shape, _ATTRIBUTE, _saved)
                _saved = None
