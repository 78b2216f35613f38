"""The store layer: one GraphStore contract, an embedded Oxigraph and a remote SPARQL 1.1 backend."""

from __future__ import annotations

from partnergraph.settings import Settings
from partnergraph.store.contract import GraphStore


def open_store(settings: Settings) -> GraphStore:
    """Open the store the settings name: a URL (remote), ':memory:', or a directory (embedded on disk)."""
    if settings.is_remote:
        from partnergraph.store.remote import RemoteStore

        return RemoteStore.from_settings(settings)
    from partnergraph.store.oxigraph.store import OxigraphStore

    return OxigraphStore(None if settings.is_memory else settings.store)


__all__ = ["GraphStore", "open_store"]
