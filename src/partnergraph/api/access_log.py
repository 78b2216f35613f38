"""One structured log line per request: method, path, status, bytes, duration. No bodies, queries or tokens.

A streamed answer that fails after its first bytes were sent (a query stopped at its time limit) cannot
change its status any more: the connection is closed without the response's end, which every HTTP client
reports as an error, never as a complete answer. Such a request gets one line here, with the error's
code, instead of a traceback; `streaming.ResponseCut` carries it from the stream to this middleware.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time

from partnergraph.api.streaming import ResponseCut

log = logging.getLogger("partnergraph.access")

_CUT = contextvars.ContextVar("partnergraph_response_cut", default=False)
UVICORN_INCOMPLETE = "ASGI callable returned without completing response."


class QuietCutFilter(logging.Filter):
    """Drops uvicorn's own error line for a response this app cut on purpose (it logged its own line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.getMessage() == UVICORN_INCOMPLETE and _CUT.get())


class AccessLogMiddleware:
    """Pure ASGI middleware, so streamed responses are timed to their last byte."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500, "bytes": 0}
        cut: ResponseCut | None = None

        async def send_and_record(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "http.response.body":
                status["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        except ResponseCut as exc:
            cut = exc
            _CUT.set(True)  # the connection is closed without the response's end (see the module docstring)
        finally:
            client = scope.get("client")
            line = {
                "event": "request",
                "method": scope["method"],
                "path": scope["path"],
                "status": status["code"],
                "bytes": status["bytes"],
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "client": client[0] if client else None,
            }
            if cut is not None:
                line.update({"outcome": "cut", "error": cut.code, "reason": cut.message})
            (log.warning if cut is not None else log.info)(json.dumps(line))
