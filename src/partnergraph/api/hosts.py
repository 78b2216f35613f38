"""Which Host headers the service answers for, and the base URL its links are built from.

A Host header is whatever the client says. Links the service writes (Location, next pages, catalogue
URLs, the SPARQL service description) would carry an attacker's host if built from it, and a DNS
rebinding page could talk to a loopback service under its own name. So requests for other hosts are
refused, and links come from `public_base_url` when an operator sets one.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.requests import Request

from partnergraph.settings import Settings


def host_name(header: str) -> str:
    """The host of a Host header without its port, lower case (IPv6 literals keep no brackets)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def trusted_names(settings: Settings) -> set[str]:
    """The host names of `trusted_hosts`, with the host of `public_base_url`."""
    names = {host_name(h) if h != "*" else "*" for h in settings.trusted_hosts}
    if settings.public_base_url:
        names.add((urlsplit(settings.public_base_url).hostname or "").lower())
    return names


class TrustedHostMiddleware:
    """Answers 400 (the error envelope) to requests whose Host is not trusted."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.names = trusted_names(settings)
        self.any = "*" in self.names

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or self.any:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if host in self.names:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"ok": False, "status": 400, "code": "untrusted_host",
                           "message": f"this server does not answer for the host {host[:100]!r}; an operator "
                           "can add it to PARTNERGRAPH_TRUSTED_HOSTS", "details": []}).encode()
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def base_url(request: Request) -> str:
    """The service's base URL (no trailing slash): `public_base_url`, or the request's trusted host."""
    public = request.app.state.settings.public_base_url
    if public:
        return public.rstrip("/")
    return str(request.base_url).rstrip("/")


def absolute_url(request: Request, path: str, query: str = "") -> str:
    """An absolute URL of the service for a path (from the app's root) and an optional query string."""
    return base_url(request) + path + (f"?{query}" if query else "")
