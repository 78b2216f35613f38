"""The real app on a temporary store: a TestClient for most tests, uvicorn for real clients."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from partnergraph.app import create_app
from partnergraph.settings import Settings
from tests.app_settings import TEST_HOSTS


@pytest.fixture(scope="session")
def api_settings(tmp_path_factory) -> Settings:
    return Settings(store=str(tmp_path_factory.mktemp("api") / "store"), query_timeout=3, trusted_hosts=TEST_HOSTS,
                    query_workers=2, max_body_bytes=64 * 1024, max_query_length=16 * 1024)


@pytest.fixture(scope="session")
def app(api_settings):
    return create_app(api_settings)


@pytest.fixture(scope="session")
def client(app):
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_url(tmp_path_factory, serve_app):
    settings = Settings(store=str(tmp_path_factory.mktemp("live") / "store"), query_timeout=2,
                        query_workers=2)
    with serve_app(create_app(settings)) as url:
        yield url
