"""require_role: 401 without a valid bearer token, 403 with too weak a role, in the error envelope."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from partnergraph.api.auth import AdminDep, CuratorDep, require_role
from partnergraph.api.errors import install_error_handlers
from partnergraph.services.tokens import TokenRegistry


def build_app(registry: TokenRegistry | None) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.runtime = SimpleNamespace(tokens=registry)  # what the lifespan provides

    @app.post("/curate")
    def curate(principal: CuratorDep) -> dict:
        return {"name": principal.name, "role": principal.role}

    @app.post("/administer")
    def administer(principal: AdminDep) -> dict:
        return {"name": principal.name, "role": principal.role}

    @app.get("/read")
    def read() -> dict:
        return {"ok": True}

    return app


@pytest.fixture
def registry(tmp_path) -> TokenRegistry:
    return TokenRegistry(tmp_path / "store.tokens.json")


@pytest.fixture
def client(registry):
    with TestClient(build_app(registry)) as test_client:
        yield test_client


@pytest.fixture
def curator(registry) -> str:
    return registry.create("alice", "curator")[1]


@pytest.fixture
def admin(registry) -> str:
    return registry.create("root", "admin")[1]


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body == {"ok": False, "status": status, "code": code, "message": body["message"],
                    "details": body["details"]}
    return body


def test_reads_need_no_token(client):
    assert client.get("/read").status_code == 200


def test_missing_header_is_401_with_www_authenticate_and_a_hint(client):
    body = assert_error(client.post("/curate"), 401, "authentication_required")
    assert "Authorization: Bearer <token>" in body["message"]
    assert "partnergraph token create" in body["message"]
    response = client.post("/curate")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic YWxpY2U6c2VjcmV0", "Token abc", "pgt_bare-token"])
def test_wrong_scheme_is_401(client, curator, header):
    body = assert_error(client.post("/curate", headers={"Authorization": header}), 401,
                        "authentication_required")
    assert "Bearer" in body["message"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer   "])
def test_bearer_without_token_is_401(client, header):
    assert_error(client.post("/curate", headers={"Authorization": header}), 401,
                 "authentication_required")


def test_unknown_token_is_401(client, curator):
    body = assert_error(client.post("/curate", headers=bearer(curator + "x")), 401,
                        "authentication_required")
    assert body["message"] == "the token is not valid (unknown or revoked)"


def test_revoked_token_is_401(client, registry, curator):
    assert client.post("/curate", headers=bearer(curator)).status_code == 200
    registry.revoke("alice")
    body = assert_error(client.post("/curate", headers=bearer(curator)), 401,
                        "authentication_required")
    assert "unknown or revoked" in body["message"]


def test_token_revoked_by_another_registry_on_the_same_file_is_401(client, registry, curator):
    assert client.post("/curate", headers=bearer(curator)).status_code == 200
    TokenRegistry(registry.path).revoke("alice")
    assert_error(client.post("/curate", headers=bearer(curator)), 401, "authentication_required")


def test_scheme_is_case_insensitive(client, curator):
    response = client.post("/curate", headers={"Authorization": f"bearer {curator}"})
    assert response.status_code == 200, response.text


def test_curator_may_curate_but_not_administer(client, curator):
    response = client.post("/curate", headers=bearer(curator))
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "alice", "role": "curator"}
    body = assert_error(client.post("/administer", headers=bearer(curator)), 403, "permission_denied")
    assert "admin" in body["message"] and "curator" in body["message"]
    assert body["details"] == [{"required_role": "admin", "token_role": "curator"}]


def test_admin_may_do_both(client, admin):
    for path in ("/curate", "/administer"):
        response = client.post(path, headers=bearer(admin))
        assert response.status_code == 200, response.text
        assert response.json() == {"name": "root", "role": "admin"}


def test_without_a_token_file_writes_are_401_saying_why(curator):
    with TestClient(build_app(None)) as client:
        body = assert_error(client.post("/curate", headers=bearer(curator)), 401,
                            "authentication_required")
        assert "PARTNERGRAPH_TOKENS_FILE" in body["message"]
        assert "disabled" in body["message"]
        assert client.get("/read").status_code == 200


def test_token_is_not_logged(client, curator, caplog):
    with caplog.at_level("DEBUG"):
        client.post("/curate", headers=bearer(curator))
        client.post("/administer", headers=bearer(curator))
        client.post("/curate", headers=bearer(curator + "x"))
    assert curator not in caplog.text


def test_openapi_declares_the_bearer_scheme_on_write_routes_only(client):
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    [(name, scheme)] = schemes.items()
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert spec["paths"]["/curate"]["post"]["security"] == [{name: []}]
    assert spec["paths"]["/administer"]["post"]["security"] == [{name: []}]
    assert "security" not in spec["paths"]["/read"]["get"]


def test_unknown_role_is_refused_when_building_the_dependency():
    with pytest.raises(ValueError, match="unknown role"):
        require_role("owner")
