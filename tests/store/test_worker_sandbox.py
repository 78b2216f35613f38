"""Query workers cannot reach the network: the kernel refuses them sockets, whatever the query says."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

import pyoxigraph as ox
import pytest

from partnergraph.errors import QueryTimeout, ServiceNotAllowed
from partnergraph.store.oxigraph.pool import QueryPool
from partnergraph.store.oxigraph.sandbox import SandboxUnavailable, filter_program

EX = "http://example.org/"


@pytest.fixture
def listener():
    """A TCP socket on a free loopback port that counts the connections made to it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        server.setblocking(False)
        yield server


def accepted(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def test_a_confined_process_cannot_create_any_socket():
    script = textwrap.dedent("""
        import os, socket
        read_end, write_end = os.pipe()
        from partnergraph.store.oxigraph.sandbox import forbid_network
        forbid_network()
        results = []
        for family, kind in ((socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_DGRAM),
                             (socket.AF_UNIX, socket.SOCK_STREAM), (socket.AF_NETLINK, socket.SOCK_RAW)):
            try:
                socket.socket(family, kind)
                results.append("open")
            except PermissionError:
                results.append("refused")
        try:
            socket.socketpair()
            results.append("open")
        except PermissionError:
            results.append("refused")
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=1)
            results.append("open")
        except PermissionError:
            results.append("refused")
        os.write(write_end, b"pipes still work")
        results.append(os.read(read_end, 100).decode())
        print(";".join(results))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ";".join(["refused"] * 6 + ["pipes still work"])


def test_the_filter_is_written_for_known_architectures_only():
    assert len(filter_program("x86_64")) > len(filter_program("aarch64"))  # x86-64 also refuses x32
    with pytest.raises(SandboxUnavailable, match="riscv64"):
        filter_program("riscv64")


@pytest.fixture(scope="module")
def store():
    s = ox.Store()
    s.add(ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("o"), ox.NamedNode(f"{EX}g")))
    return s


def test_a_service_query_that_reaches_a_confined_worker_connects_nowhere(store, listener):
    port = listener.getsockname()[1]
    with QueryPool(store, size=1, timeout=20) as pool:
        stream = pool.execute(f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/q> {{ ?s ?p ?o }} }}")
        assert stream.read()  # SILENT: the failed call yields one empty solution
        with pytest.raises(ServiceNotAllowed, match="network connection"):
            pool.execute(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/q> {{ ?s ?p ?o }} }}").read()
        with pytest.raises(ServiceNotAllowed):
            pool.execute("SELECT * WHERE { SERVICE <http://localhost:80/q> { ?s ?p ?o } }").read()
        assert b"o" in pool.execute("SELECT ?o WHERE { ?s ?p ?o }").read()  # the worker still serves
    assert accepted(listener) == 0


def test_a_networked_worker_does_connect_which_is_what_the_confined_test_would_see(store, listener):
    port = listener.getsockname()[1]
    with QueryPool(store, size=1, timeout=20, network=True) as pool:
        # the listener never answers: the engine waits for a reply, the pool kills it at the limit
        with pytest.raises(QueryTimeout):
            pool.execute(f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/q> {{ ?s ?p ?o }} }}",
                         timeout=2)
    assert accepted(listener) == 1
