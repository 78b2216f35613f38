"""Errors to HTTP: every error, from every route, as one JSON envelope with the status its class carries.

`{"ok": false, "status": 422, "code": "validation_failed", "message": "...", "details": [...]}`: the
status and code come from the exception class (`partnergraph.errors`); details are the class's own (a
SHACL report's results, a parameter's reason, a line and column). Anything that is not a
PartnergraphError is a bug: it is logged with its traceback and answered with the generic 500.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from partnergraph import errors

log = logging.getLogger(__name__)

HTTP_CODES = {400: "bad_request", 401: "authentication_required", 403: "permission_denied",
              404: "not_found", 405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large",
              415: "unsupported_media_type", 422: "invalid_request", 429: "too_many_requests",
              500: "internal_error"}
_QUIET = (errors.StoreUnavailable, errors.QueryTimeout, errors.TooManyRequests, errors.TokensUnavailable)


def error_body(status: int, code: str, message: str, details: list | None = None) -> dict:
    """The one JSON shape of every error response."""
    return {"ok": False, "status": status, "code": code, "message": message, "details": details or []}


def error_response(status: int, code: str, message: str, details: list | None = None,
                   headers: dict | None = None) -> JSONResponse:
    """A JSONResponse carrying the error envelope."""
    return JSONResponse(error_body(status, code, message, details), status_code=status, headers=headers)


def error_details(exc: errors.PartnergraphError) -> list:
    """What the envelope's `details` holds for an error."""
    if isinstance(exc, errors.ValidationFailed):
        return exc.report.to_json()["results"]
    return list(exc.details)


def response_for(exc: errors.PartnergraphError, details: list | None = None) -> JSONResponse:
    """The error response for a PartnergraphError (with details replaced when given)."""
    headers = None
    if exc.status in (429, 503):
        headers = {"Retry-After": "5"}
    elif exc.status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="partnergraph"'}
    return error_response(exc.status, exc.code, exc.message,
                          error_details(exc) if details is None else details, headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the envelope."""

    @app.exception_handler(errors.PartnergraphError)
    async def partnergraph_error(request: Request, exc: errors.PartnergraphError) -> JSONResponse:
        if isinstance(exc, errors.TokensUnavailable):
            log.error("writes refused: %s (token file %s)", exc.message, exc.path)
        elif exc.status >= 500 and not isinstance(exc, _QUIET):
            log.error("error %s on %s %s: %s", exc.code, request.method, request.url.path, exc.message)
        return response_for(exc)

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
