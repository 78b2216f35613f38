"""Fixtures shared by every test suite."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from partnergraph.resources import bundled_resources


def pytest_addoption(parser) -> None:
    parser.addoption("--all", action="store_true", default=False,
                     help="also run the tests marked slow (the README's test command and CI do)")


def pytest_collection_modifyitems(config, items) -> None:
    """Leave the slow tests out of a plain `pytest` run, unless --all asks for them."""
    if config.getoption("--all"):
        return
    slow = [item for item in items if "slow" in item.keywords]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if "slow" not in item.keywords]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def resources():
    return bundled_resources()


@contextlib.contextmanager
def serve_in_thread(app, start_seconds: float = 120) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free 127.0.0.1 port in a thread; always stop it."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_seconds
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the app under test did not start (see the log above)")
            if time.monotonic() > deadline:
                pytest.fail(f"the app under test did not start within {start_seconds} s")
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


@pytest.fixture(scope="session")
def serve_app():
    """`with serve_app(app) as url:` runs the app under uvicorn on a free loopback port."""
    return serve_in_thread
