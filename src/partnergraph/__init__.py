"""partnergraph: a sourced knowledge graph of regional migration partnerships."""

__version__ = "0.1.0"
