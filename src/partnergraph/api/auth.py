"""Bearer-token authentication for the write API: `require_role(...)`, `CuratorDep`, `AdminDep`.

Reads stay open; a route that writes declares `principal: CuratorDep` (or `AdminDep`). The tokens
live in the runtime's TokenRegistry (None: no token file, writes off).
Neither the token nor the Authorization header is ever logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from partnergraph.errors import AuthenticationRequired, PermissionDenied
from partnergraph.services.tokens import ROLES, Principal, TokenRegistry

MISSING = ("this endpoint needs `Authorization: Bearer <token>`; create one with "
           "`partnergraph token create --name NAME --role curator`")
WRONG_SCHEME = ("the Authorization header must use the Bearer scheme: `Authorization: Bearer <token>`; "
                "create a token with `partnergraph token create --name NAME --role curator`")
INVALID = "the token is not valid (unknown or revoked)"
DISABLED = ("writes are disabled: the server has no token file (set PARTNERGRAPH_TOKENS_FILE, or use "
            "an on-disk store, whose token file is <store>.tokens.json)")

bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearer",
    description="A token made with `partnergraph token create`; writes need the curator or admin role.")
"""Declares the bearer scheme in OpenAPI (the lock and the Authorize button in /docs)."""


def _secret(request: Request) -> str:
    header = request.headers.get("authorization", "").strip()
    if not header:
        raise AuthenticationRequired(MISSING)
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        raise AuthenticationRequired(WRONG_SCHEME)
    value = value.strip()
    if not value:
        raise AuthenticationRequired(MISSING)
    return value


def require_role(role: str) -> Callable[..., Principal]:
    """A dependency that returns the caller's Principal, or refuses with 401 (no valid token) or 403."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")

    # A plain def: FastAPI runs it in a worker thread, since the registry may stat and read a file.
    def authenticated(
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    ) -> Principal:
        runtime = getattr(request.app.state, "runtime", None)
        registry: TokenRegistry | None = runtime.tokens if runtime is not None else None
        if registry is None:
            raise AuthenticationRequired(DISABLED)
        principal = registry.authenticate(_secret(request))
        if principal is None:
            raise AuthenticationRequired(INVALID)
        if not principal.can(role):
            raise PermissionDenied(
                f"this action needs the {role} role; the token {principal.name!r} has the role "
                f"{principal.role}", details=[{"required_role": role, "token_role": principal.role}])
        request.state.principal = principal
        return principal

    authenticated.__name__ = f"require_{role}"
    return authenticated


def optional_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Principal | None:
    """The caller's Principal when an Authorization header is sent (401 if it is not valid), else None."""
    if not request.headers.get("authorization", "").strip():
        return None
    return require_role("curator")(request, _credentials)


CuratorDep = Annotated[Principal, Depends(require_role("curator"))]
OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
AdminDep = Annotated[Principal, Depends(require_role("admin"))]
