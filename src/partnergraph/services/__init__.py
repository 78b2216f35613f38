"""The rules of partnergraph: validation, loading, querying, statistics."""
