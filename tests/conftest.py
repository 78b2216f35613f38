"""Fixtures shared by every test suite."""

from __future__ import annotations

import socket

import pytest

from partnergraph.resources import bundled_resources


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def resources():
    return bundled_resources()
