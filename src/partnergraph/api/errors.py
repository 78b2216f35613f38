"""Errors to HTTP: one class -> status table and one JSON envelope for every error."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from partnergraph import errors
from partnergraph.api.negotiation import NotAcceptable

log = logging.getLogger(__name__)

STATUS: dict[str, int] = {
    "PartnergraphError": 500,
    "ConfigurationError": 500,
    "StoreError": 502,
    "StoreUnavailable": 503,
    "StoreLocked": 503,
    "RdfSyntaxError": 400,
    "UnsupportedFormat": 415,
    "QuerySyntaxError": 400,
    "QueryEvaluationError": 400,
    "ValidationFailed": 422,
    "InputNotFound": 404,
    "NotAcceptable": 406,
    "QueryTimeout": 503,
    "ServiceNotAllowed": 400,
    "ServiceCallFailed": 502,
    "QueryNotFound": 404,
    "InvalidParameter": 422,
    "UpdateNotAllowed": 400,
    "PayloadTooLarge": 413,
    "MethodNotAllowed": 405,
    "UnsupportedMediaType": 415,
    "BadRequest": 400,
    "AuthenticationRequired": 401,
    "PermissionDenied": 403,
    "TokenError": 500,
    "BatchNotFound": 404,
    "BatchConflict": 409,
    "InvalidBatch": 422,
    "GraphNotFound": 404,
}

HTTP_CODES = {400: "bad_request", 401: "authentication_required", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
              413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_request",
              500: "internal_error"}


def status_for(exc: errors.PartnergraphError) -> int:
    """The HTTP status of an error: its class or the nearest ancestor listed in STATUS."""
    for cls in type(exc).__mro__:
        if cls.__name__ in STATUS:
            return STATUS[cls.__name__]
    return 500


def error_body(status: int, code: str, message: str, details: list | None = None) -> dict:
    """The one JSON shape of every error response."""
    return {"ok": False, "status": status, "code": code, "message": message, "details": details or []}


def error_response(status: int, code: str, message: str, details: list | None = None,
                   headers: dict | None = None) -> JSONResponse:
    """A JSONResponse carrying the error envelope."""
    return JSONResponse(error_body(status, code, message, details), status_code=status, headers=headers)


def _details(exc: errors.PartnergraphError) -> list:
    if isinstance(exc, errors.RdfSyntaxError):
        return [{"line": exc.line, "column": exc.column, "source": exc.source}]
    if isinstance(exc, errors.ValidationFailed):
        return exc.report.to_json()["results"]
    return list(exc.details)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the envelope."""

    @app.exception_handler(errors.PartnergraphError)
    async def partnergraph_error(request: Request, exc: errors.PartnergraphError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500 and not isinstance(exc, (errors.StoreUnavailable,)) and \
                exc.code != "query_timeout":
            log.error("error %s on %s %s: %s", exc.code, request.method, request.url.path, exc.message)
        headers = {"Retry-After": "5"} if status == 503 else None
        if status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="partnergraph"'}
        return error_response(status, exc.code, exc.message, _details(exc), headers)

    @app.exception_handler(NotAcceptable)
    async def not_acceptable(request: Request, exc: NotAcceptable) -> JSONResponse:
        return error_response(406, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"location": list(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()]
        message = "; ".join(f"{'.'.join(str(x) for x in d['location'][1:]) or 'request'}: {d['message']}"
                            for d in details) or "invalid request"
        return error_response(422, "invalid_parameter", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}; see /docs for the API"
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "internal error; the server log has the details")
