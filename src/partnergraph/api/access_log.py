"""One structured log line per request: method, path, status, duration. No bodies, queries or tokens."""

from __future__ import annotations

import json
import logging
import time

log = logging.getLogger("partnergraph.access")


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

        async def send_and_record(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "http.response.body":
                status["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            client = scope.get("client")
            log.info(json.dumps({
                "event": "request",
                "method": scope["method"],
                "path": scope["path"],
                "status": status["code"],
                "bytes": status["bytes"],
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "client": client[0] if client else None,
            }))
