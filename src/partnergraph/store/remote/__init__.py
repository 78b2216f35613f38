"""The remote backend: any SPARQL 1.1 server, through the SPARQL Protocol and the Graph Store Protocol."""

from partnergraph.store.remote.store import EMPTY_GRAPH, LIST_GRAPHS, RemoteStore

__all__ = ["EMPTY_GRAPH", "LIST_GRAPHS", "RemoteStore"]
