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


class ProtocolError(PartnergraphError):
    """A request breaks the SPARQL 1.1 Protocol or the Graph Store Protocol."""

    code = "protocol_error"


class BadRequest(ProtocolError):
    """The request lacks what the protocol requires (no query, two queries, bad dataset IRI)."""

    code = "bad_request"


class UpdateNotAllowed(ProtocolError):
    """A SPARQL update was sent where only queries are accepted."""

    code = "update_not_allowed"


class PayloadTooLarge(ProtocolError):
    """The request body or query is larger than the configured limit."""

    code = "payload_too_large"


class UnsupportedMediaType(ProtocolError):
    """The request body's Content-Type is not one the endpoint accepts."""

    code = "unsupported_media_type"


class InvalidParameter(PartnergraphError):
    """A canned-query parameter is unknown, missing, repeated or not a value of its declared type."""

    code = "invalid_parameter"

    def __init__(self, param: str | None, reason: str) -> None:
        super().__init__(f"{param}: {reason}" if param else reason,
                         details=[{"param": param, "reason": reason}])
        self.param = param
        self.reason = reason


class QueryNotFound(PartnergraphError):
    """No canned query has this name."""

    code = "query_not_found"


class InvalidCannedQuery(PartnergraphError):
    """A canned query file (`queries/*.rq`) has a bad header or does not match its header."""

    code = "invalid_canned_query"

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}", details=[{"path": path, "problem": problem}])
        self.path = path
        self.problem = problem


class PagingNotSupported(InvalidParameter):
    """Paging was asked of a canned query that cannot be paged (not a SELECT, or has its own LIMIT)."""

    code = "paging_not_supported"


class QueryTimeout(PartnergraphError):
    """A query ran past its time limit and was stopped; `timeout` is the limit in seconds."""

    code = "query_timeout"

    def __init__(self, message: str, *, timeout: float | None = None,
                 details: list | None = None) -> None:
        super().__init__(message, details=details)
        self.timeout = timeout


class ServiceNotAllowed(PartnergraphError):
    """A query's SERVICE clause names an endpoint the operator has not allow-listed."""

    code = "service_not_allowed"

    def __init__(self, message: str, *, endpoint: str | None = None,
                 details: list | None = None) -> None:
        super().__init__(message, details=details)
        self.endpoint = endpoint


class ServiceCallFailed(PartnergraphError):
    """A query that calls an allow-listed remote endpoint through SERVICE failed (details are only logged)."""

    code = "service_call_failed"


class AuthenticationRequired(PartnergraphError):
    """A write came without a valid bearer token (missing, malformed, unknown or revoked)."""

    code = "authentication_required"


class PermissionDenied(PartnergraphError):
    """The token is valid but its role does not allow this action."""

    code = "permission_denied"


class TokenError(PartnergraphError):
    """The token file cannot be read or written, or a token command was given bad arguments."""

    code = "token_error"


class BatchNotFound(PartnergraphError):
    """No batch has this id."""

    code = "batch_not_found"


class BatchConflict(PartnergraphError):
    """The batch cannot be reverted or replaced in the state the store is in (e.g. a later batch built on it)."""

    code = "batch_conflict"


class InvalidBatch(PartnergraphError):
    """A write request is malformed: no source, a source or graph that is not an absolute IRI, a reserved graph."""

    code = "invalid_batch"


class GraphNotFound(PartnergraphError):
    """No named graph has this IRI (Graph Store Protocol reads and deletes)."""

    code = "graph_not_found"
