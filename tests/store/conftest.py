"""Store fixtures: every backend behind one `store` fixture, the remote ones on a real `oxigraph serve`."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from partnergraph.settings import Settings
from partnergraph.store.oxigraph.store import OxigraphStore
from partnergraph.store.remote import RemoteStore

BACKENDS = ["memory", "disk", "remote", "remote-union"]
START_SECONDS = 30


def unused_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    """The `oxigraph` server CLI next to this Python (the venv's), else the one on PATH."""
    candidate = Path(sys.executable).parent / "oxigraph"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("oxigraph")
    if found is None:
        pytest.fail("the oxigraph server CLI is not installed (pip install 'oxigraph>=0.5.13,<0.6')")
    return found


def _answers(url: str) -> bool:
    try:
        response = httpx.post(f"{url}/query", data={"query": "ASK {}"},
                              headers={"Accept": "application/sparql-results+json"}, timeout=2)
    except httpx.TransportError:
        return False
    return response.status_code == 200


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _start(directory: Path, options: tuple[str, ...]) -> tuple[subprocess.Popen, str]:
    log_path = directory / "server.log"
    for _attempt in range(3):  # the free port may be taken by someone else before the server binds it
        port = unused_port()
        url = f"http://127.0.0.1:{port}"
        with open(log_path, "wb") as log_file:
            process = subprocess.Popen(
                [oxigraph_binary(), "serve", "--location", str(directory / "data"),
                 "--bind", f"127.0.0.1:{port}", *options],
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_SECONDS
            while process.poll() is None and time.monotonic() < deadline:
                if _answers(url):
                    return process, url
                time.sleep(0.05)
        except BaseException:
            _stop(process)
            raise
        _stop(process)
    pytest.fail(f"oxigraph serve did not start: {log_path.read_text(errors='replace')[-2000:]}")


@contextlib.contextmanager
def oxigraph_server(directory: Path, *options: str) -> Iterator[str]:
    """Run `oxigraph serve` on a free loopback port with its data in `directory`; always stop it."""
    process, url = _start(directory, options)
    try:
        yield url
    finally:
        _stop(process)


def empty_server(url: str) -> None:
    """Remove every graph from a test server (SPARQL `DROP ALL` on its /update endpoint)."""
    response = httpx.post(f"{url}/update", data={"update": "DROP ALL"}, timeout=30)
    response.raise_for_status()


@pytest.fixture(scope="session")
def oxigraph_server_url(tmp_path_factory) -> Iterator[str]:
    """A real `oxigraph serve` for the whole session (default graph: the server's own)."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-serve")) as url:
        yield url


@pytest.fixture(scope="session")
def oxigraph_union_server_url(tmp_path_factory) -> Iterator[str]:
    """A real `oxigraph serve --union-default-graph` for the whole session."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-serve-union"),
                         "--union-default-graph") as url:
        yield url


@pytest.fixture(name="unused_port")
def unused_port_fixture() -> int:
    """A loopback port with no server behind it."""
    return unused_port()


@pytest.fixture
def remote_url(oxigraph_server_url) -> str:
    """The session's server, emptied for this test."""
    empty_server(oxigraph_server_url)
    return oxigraph_server_url


@pytest.fixture
def remote_union_url(oxigraph_union_server_url) -> str:
    """The session's union-default-graph server, emptied for this test."""
    empty_server(oxigraph_union_server_url)
    return oxigraph_union_server_url


@pytest.fixture
def remote_store(remote_url) -> Iterator[RemoteStore]:
    """A RemoteStore on the emptied session server, with default settings."""
    store = RemoteStore.from_settings(Settings(store=remote_url))
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """Each backend in turn: embedded in memory, embedded on disk, remote, remote with union default graph."""
    backend = request.param
    if backend == "memory":
        opened = OxigraphStore(None)
    elif backend == "disk":
        opened = OxigraphStore(tmp_path / "store")
    elif backend == "remote":
        opened = RemoteStore.from_settings(Settings(store=request.getfixturevalue("remote_url")))
    else:
        opened = RemoteStore.from_settings(Settings(store=request.getfixturevalue("remote_union_url"),
                                                    remote_union_default_graph=True))
    try:
        yield opened
    finally:
        opened.close()
