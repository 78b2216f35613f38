"""The exception hierarchy: everything partnergraph raises derives from PartnergraphError.

Each class carries its stable `code`, the HTTP `status` the API answers with and the `exit_code` of the
command line, so that the edges (`api/errors.py`, `cli/output.py`) translate errors without tables of
their own. Exit codes: 1 data does not conform (or a conflicting revert), 2 bad input, 3 store
unavailable, 4 anything else. This module imports nothing: it may be imported anywhere.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_BAD_INPUT = 2
EXIT_STORE = 3
EXIT_ERROR = 4


class PartnergraphError(Exception):
    """Base class of every error partnergraph raises on purpose."""

    code = "internal_error"
    status = 500
    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, details: list | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


# --- configuration and the store -------------------------------------------------------------------------

class ConfigurationError(PartnergraphError):
    """A setting has a value partnergraph cannot use."""

    code = "invalid_configuration"


class StoreError(PartnergraphError):
    """The store failed to do what was asked."""

    code = "store_error"
    status = 502


class StoreUnavailable(StoreError):
    """The store cannot be opened or reached (bad path, remote server down, query workers not running)."""

    code = "store_unavailable"
    status = 503
    exit_code = EXIT_STORE


class StoreLocked(StoreUnavailable):
    """The on-disk store is held by another process."""

    code = "store_locked"


# --- RDF and SPARQL input ---------------------------------------------------------------------------------

class RdfSyntaxError(PartnergraphError):
    """RDF input could not be parsed; `line` and `column` locate the error when known."""

    code = "rdf_syntax_error"
    status = 400
    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message, details=[{"line": line, "column": column, "source": source}])
        self.source = source
        self.line = line
        self.column = column


class UnsupportedFormat(PartnergraphError):
    """The RDF or result format is not one partnergraph reads or writes."""

    code = "unsupported_format"
    status = 415
    exit_code = EXIT_BAD_INPUT


class NotAcceptable(PartnergraphError):
    """No representation the server can produce matches the request's Accept header or ?format=."""

    code = "not_acceptable"
    status = 406
    exit_code = EXIT_BAD_INPUT


class InputNotFound(PartnergraphError):
    """A file named as input does not exist or cannot be read."""

    code = "input_not_found"
    status = 404
    exit_code = EXIT_BAD_INPUT


class QuerySyntaxError(PartnergraphError):
    """A SPARQL query or update could not be parsed."""

    code = "query_syntax_error"
    status = 400
    exit_code = EXIT_BAD_INPUT


class QueryEvaluationError(PartnergraphError):
    """A SPARQL query parsed but failed while running."""

    code = "query_evaluation_error"
    status = 400


class QueryTimeout(PartnergraphError):
    """A query ran past its time limit and was stopped; `timeout` is the limit in seconds."""

    code = "query_timeout"
    status = 503

    def __init__(self, message: str, *, timeout: float | None = None,
                 details: list | None = None) -> None:
        super().__init__(message, details=details)
        self.timeout = timeout


class ServiceNotAllowed(PartnergraphError):
    """A query's SERVICE clause names an endpoint the operator has not allow-listed."""

    code = "service_not_allowed"
    status = 400
    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, endpoint: str | None = None,
                 details: list | None = None) -> None:
        super().__init__(message, details=details)
        self.endpoint = endpoint


class ServiceCallFailed(PartnergraphError):
    """A query that calls an allow-listed remote endpoint through SERVICE failed (details are only logged)."""

    code = "service_call_failed"
    status = 502


# --- the protocols ----------------------------------------------------------------------------------------

class ProtocolError(PartnergraphError):
    """A request breaks the SPARQL 1.1 Protocol or the Graph Store Protocol."""

    code = "protocol_error"
    status = 400
    exit_code = EXIT_BAD_INPUT


class BadRequest(ProtocolError):
    """The request lacks what the protocol requires (no query, two queries, bad dataset IRI)."""

    code = "bad_request"


class UpdateNotAllowed(ProtocolError):
    """A SPARQL update was sent where only queries are accepted."""

    code = "update_not_allowed"


class PayloadTooLarge(ProtocolError):
    """The request body, a field or the query is larger than the configured limit."""

    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(ProtocolError):
    """The request body's Content-Type is not one the endpoint accepts."""

    code = "unsupported_media_type"
    status = 415


class TooManyRequests(ProtocolError):
    """Too many requests of this kind run at once; retry later."""

    code = "too_many_requests"
    status = 429


class UntrustedHost(ProtocolError):
    """The request's Host header names a host the server does not answer for."""

    code = "untrusted_host"


# --- canned queries ---------------------------------------------------------------------------------------

class InvalidParameter(PartnergraphError):
    """A canned-query parameter is unknown, missing, repeated or not a value of its declared type."""

    code = "invalid_parameter"
    status = 422
    exit_code = EXIT_BAD_INPUT

    def __init__(self, param: str | None, reason: str) -> None:
        super().__init__(f"{param}: {reason}" if param else reason,
                         details=[{"param": param, "reason": reason}])
        self.param = param
        self.reason = reason


class PagingNotSupported(InvalidParameter):
    """Paging was asked of a canned query that cannot be paged (not a SELECT, or has its own LIMIT)."""

    code = "paging_not_supported"


class QueryNotFound(PartnergraphError):
    """No canned query has this name."""

    code = "query_not_found"
    status = 404
    exit_code = EXIT_BAD_INPUT


class InvalidCannedQuery(PartnergraphError):
    """A canned query file (`queries/*.rq`) has a bad header or does not match its header."""

    code = "invalid_canned_query"

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}", details=[{"path": path, "problem": problem}])
        self.path = path
        self.problem = problem


# --- validation -------------------------------------------------------------------------------------------

class ValidationFailed(PartnergraphError):
    """Data does not conform to the shapes; `report` holds the validation report."""

    code = "validation_failed"
    status = 422
    exit_code = EXIT_INVALID

    def __init__(self, message: str, *, report) -> None:
        super().__init__(message)
        self.report = report


class ShapesError(PartnergraphError):
    """The shapes graph holds a constraint partnergraph cannot evaluate."""

    code = "invalid_shapes"


class UnsupportedShapes(PartnergraphError):
    """The shapes use a feature whose reads cannot be bounded; validate the whole store instead."""

    code = "unsupported_shapes"


class NeedsFullValidation(PartnergraphError):
    """A change cannot be validated locally; the whole store is validated instead."""

    code = "needs_full_validation"


# --- writes and tokens ------------------------------------------------------------------------------------

class AuthenticationRequired(PartnergraphError):
    """A write came without a valid bearer token (missing, malformed, unknown or revoked)."""

    code = "authentication_required"
    status = 401


class PermissionDenied(PartnergraphError):
    """The token is valid but its role does not allow this action."""

    code = "permission_denied"
    status = 403
    exit_code = EXIT_BAD_INPUT


class TokenError(PartnergraphError):
    """A token command was given bad arguments, or the token file cannot be read or written."""

    code = "token_error"
    exit_code = EXIT_BAD_INPUT


class TokensUnavailable(TokenError):
    """The token file cannot be read (damaged, unreadable): writes are refused until an operator fixes it.

    The message never names the file (it reaches HTTP clients); `path` does, for the command line and logs.
    """

    code = "tokens_unavailable"
    status = 503

    def __init__(self, message: str, *, path=None) -> None:
        super().__init__(message)
        self.path = path


class BatchNotFound(PartnergraphError):
    """No batch has this id."""

    code = "batch_not_found"
    status = 404
    exit_code = EXIT_BAD_INPUT


class BatchConflict(PartnergraphError):
    """The batch cannot be reverted or replaced in the state the store is in (e.g. a later batch built on it)."""

    code = "batch_conflict"
    status = 409
    exit_code = EXIT_INVALID


class InvalidBatch(PartnergraphError):
    """A write request is malformed: no source, a source or graph that is not an absolute IRI, a reserved graph."""

    code = "invalid_batch"
    status = 422
    exit_code = EXIT_BAD_INPUT


class GraphNotFound(PartnergraphError):
    """No named graph has this IRI (Graph Store Protocol reads and deletes)."""

    code = "graph_not_found"
    status = 404
    exit_code = EXIT_BAD_INPUT
