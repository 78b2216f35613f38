"""The exception hierarchy: everything partnergraph raises derives from PartnergraphError."""

from __future__ import annotations


class PartnergraphError(Exception):
    """Base class of every error partnergraph raises on purpose."""

    code = "internal_error"

    def __init__(self, message: str, *, details: list | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ConfigurationError(PartnergraphError):
    """A setting has a value partnergraph cannot use."""

    code = "invalid_configuration"


class StoreError(PartnergraphError):
    """The store failed to do what was asked."""

    code = "store_error"


class StoreUnavailable(StoreError):
    """The store cannot be opened or reached (bad path, remote server down)."""

    code = "store_unavailable"


class StoreLocked(StoreUnavailable):
    """The on-disk store is held by another process."""

    code = "store_locked"


class RdfSyntaxError(PartnergraphError):
    """RDF input could not be parsed; `line` and `column` locate the error when known."""

    code = "rdf_syntax_error"

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.column = column


class UnsupportedFormat(PartnergraphError):
    """The RDF or result format is not one partnergraph reads or writes."""

    code = "unsupported_format"


class QuerySyntaxError(PartnergraphError):
    """A SPARQL query or update could not be parsed."""

    code = "query_syntax_error"


class QueryEvaluationError(PartnergraphError):
    """A SPARQL query parsed but failed while running."""

    code = "query_evaluation_error"


class ValidationFailed(PartnergraphError):
    """Data does not conform to the shapes; `report` holds the validation report."""

    code = "validation_failed"

    def __init__(self, message: str, *, report) -> None:
        super().__init__(message)
        self.report = report


class InputNotFound(PartnergraphError):
    """A file named as input does not exist or cannot be read."""

    code = "input_not_found"
