"""The query worker process, which evaluates queries on a read-only snapshot and streams serialised
results, and the pool's handle on it: both ends of one pipe protocol.

The pool sends pickled commands (`("query", request)`, `("open", snapshot)`, `("stop",)`, `("exit",)`);
the worker answers with byte frames whose first byte is a tag (see FRAME_*). Every query ends with
exactly one terminal frame: LAST, STOPPED or ERROR. A worker reads the pipe between chunks, so "stop"
takes effect at the next chunk; the pool kills workers that do not answer in time.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from partnergraph.errors import UnsupportedFormat
from partnergraph.rdf.formats import BOOLEAN_FORMATS, PREFIXED_SYNTAXES, result_format
from partnergraph.store.oxigraph.sandbox import SandboxUnavailable, forbid_network

log = logging.getLogger(__name__)

FRAME_READY = b"R"     # the worker has opened its first snapshot
FRAME_OPENED = b"O"    # the worker has switched to the snapshot of an "open" command
FRAME_DATA = b"D"      # a chunk of the serialised result follows the tag
FRAME_LAST = b"L"      # the last chunk (possibly empty) follows the tag: the result is complete
FRAME_STOPPED = b"S"   # the query was abandoned on the pool's request
FRAME_ERROR = b"E"     # a pickled (kind, message, detail) follows the tag; detail is logged, not shown
TERMINAL_FRAMES = (FRAME_LAST, FRAME_STOPPED, FRAME_ERROR)


@dataclass(frozen=True)
class Snapshot:
    """One published generation of the store: an Oxigraph backup directory or an N-Quads dump."""

    generation: int
    path: str
    kind: str  # "rocksdb" (open read-only) or "nquads" (load into memory)


@dataclass(frozen=True)
class QueryRequest:
    """Everything a worker needs to run one query."""

    query: str
    snapshot: Snapshot
    result_format: str
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    union_default_graph: bool = True
    substitutions: dict[str, object] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)
    chunk_size: int = 65536
    flush_interval: float = 0.05


class _Stopped(Exception):
    """The pool sent a command while results were streaming: stop this query."""

    def __init__(self, command: tuple) -> None:
        super().__init__(command[0])
        self.command = command


class _Sink:
    """Collects serialised bytes and sends them as DATA frames of about `chunk_size` bytes."""

    def __init__(self, conn, chunk_size: int, flush_interval: float) -> None:
        self.conn = conn
        self.chunk_size = chunk_size
        self.flush_interval = flush_interval
        self.buffer = bytearray(FRAME_DATA)
        self.last_send = time.monotonic()
        self.command: tuple | None = None

    def write(self, data: bytes) -> int:
        """Add bytes; send a frame when the buffer is full or has waited long enough."""
        if self.command is not None:
            raise _Stopped(self.command)
        self.buffer += data
        if (len(self.buffer) > self.chunk_size
                or time.monotonic() - self.last_send >= self.flush_interval):
            self.send()
        return len(data)

    def flush(self) -> None:
        """Nothing to do: frames leave in `send` (pyoxigraph calls this at the end)."""

    def finish(self) -> None:
        """Send what is left as the LAST frame (a small result thus travels as one frame)."""
        self.buffer[:1] = FRAME_LAST
        self.conn.send_bytes(self.buffer)
        self.buffer = bytearray(FRAME_DATA)

    def send(self) -> None:
        """Send what is buffered, then stop if the pool has sent a command meanwhile."""
        if len(self.buffer) > 1:
            self.conn.send_bytes(self.buffer)
            self.buffer = bytearray(FRAME_DATA)
        self.last_send = time.monotonic()
        if self.conn.poll():
            self.command = self.conn.recv()
            raise _Stopped(self.command)


def open_snapshot(snapshot: Snapshot) -> ox.Store:
    """Open a published snapshot: read-only on disk, or loaded into a fresh in-memory store."""
    if snapshot.kind == "rocksdb":
        return ox.Store.read_only(snapshot.path)
    store = ox.Store()
    # parse() keeps blank node labels (Store.load renames them), so answers match the primary store.
    store.extend(ox.parse(path=snapshot.path, format=ox.RdfFormat.N_QUADS, lenient=True))
    return store


def _query_kwargs(request: QueryRequest) -> dict:
    kwargs: dict = {}
    if request.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
    elif request.union_default_graph:
        kwargs["use_default_graph_as_union"] = True
    if request.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    if request.substitutions:
        kwargs["substitutions"] = {ox.Variable(k): v for k, v in request.substitutions.items()}
    return kwargs


class _FormatError(Exception):
    """The result cannot be written in the requested format."""


def _evaluate_and_stream(store: ox.Store, request: QueryRequest, sink: _Sink) -> None:
    """Run the query and stream its serialisation through `sink`.

    pyoxigraph's serialisers write in 8 KiB pieces, so the first piece reaches the sink only once
    evaluation has produced that much (or finished): blocking operators (ORDER BY, GROUP BY) have run
    by then, and a query that times out before its first piece gets a clean error, not a cut stream.
    """
    result = store.query(request.query, **_query_kwargs(request))
    target = result_format(request.result_format)
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        if target.results is None or (isinstance(result, ox.QueryBoolean) and target not in BOOLEAN_FORMATS):
            raise _FormatError(f"this result cannot be written as {request.result_format}")
        result.serialize(sink, target.results)
    else:
        if target.rdf is None:
            raise _FormatError(f"a graph result cannot be written as {request.result_format}")
        prefixes = request.prefixes if target.name in PREFIXED_SYNTAXES else None
        ox.serialize(result, sink, target.rdf, prefixes=prefixes or None)
    sink.finish()


def _error_frame(kind: str, message: str, detail: str | None = None) -> bytes:
    return FRAME_ERROR + pickle.dumps((kind, message, detail))


SERVICE_FAILED = ("the query failed while it ran; it calls a remote endpoint through SERVICE, and the "
                  "errors of such queries are not shown (the server log has them)")
NETWORK_DENIED = ("the query tried to open a network connection (a SERVICE call), which query workers "
                  "may not do")


def _evaluation_error(exc: Exception, network: bool) -> bytes:
    """The ERROR frame of a failed evaluation, never echoing what a remote endpoint or socket said."""
    message = str(exc) or type(exc).__name__
    if network:  # the federation lane: a remote payload or connection error could be in the message
        return _error_frame("service", SERVICE_FAILED, message)
    if isinstance(exc, PermissionError) or "os error 13" in message:
        return _error_frame("network", NETWORK_DENIED, message)
    return _error_frame("evaluation", message)


def run_query(store: ox.Store, request: QueryRequest, conn, network: bool = False) -> tuple | None:
    """Run one request and send its frames; returns a command received while streaming, if any."""
    sink = _Sink(conn, request.chunk_size, request.flush_interval)
    try:
        _evaluate_and_stream(store, request, sink)
    except _Stopped as stop:
        conn.send_bytes(FRAME_STOPPED)
        return stop.command
    except SyntaxError as exc:
        conn.send_bytes(_error_frame("syntax", str(exc)))
    except (_FormatError, UnsupportedFormat) as exc:
        conn.send_bytes(_error_frame("format", str(exc)))
    except Exception as exc:  # noqa: BLE001 - every engine failure is reported to the pool
        if sink.command is not None:  # pyoxigraph wrapped our _Stopped raised from write()
            conn.send_bytes(FRAME_STOPPED)
            return sink.command
        conn.send_bytes(_evaluation_error(exc, network))
    return None


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent_pid:
            os._exit(0)


def _limit_resources(memory_limit: int | None) -> None:
    """Cap the address space, and make the kernel's OOM killer pick a worker before the service."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    if memory_limit is not None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))


def worker_main(conn, snapshot: Snapshot, parent_pid: int, memory_limit: int | None = None,
                network: bool = False) -> None:
    """Entry point of a worker process: confine it, open the snapshot, then serve commands until told to exit.

    Unless `network` is True (the federation lane, used only for allow-listed SERVICE queries), the
    process forbids itself every network socket before anything else (see worker_sandbox).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    if not network:
        try:
            forbid_network()
        except SandboxUnavailable as exc:
            conn.send_bytes(_error_frame(
                "sandbox", f"query workers cannot be confined ({exc}); where seccomp is unavailable, "
                "set PARTNERGRAPH_QUERY_SANDBOX=false to run them unconfined (SERVICE clauses are then "
                "refused by the query check alone)"))
            conn.close()
            return
    _limit_resources(memory_limit)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    try:
        _serve(conn, snapshot, network)
    except (EOFError, OSError):  # the pool closed the pipe or went away
        pass
    finally:
        conn.close()


def _serve(conn, snapshot: Snapshot, network: bool) -> None:
    try:
        store = open_snapshot(snapshot)
    except Exception as exc:  # noqa: BLE001 - reported to the pool, which gives up on this worker
        conn.send_bytes(_error_frame("snapshot", f"cannot open snapshot {snapshot.path}: {exc}"))
        return
    current = snapshot
    conn.send_bytes(FRAME_READY)
    command: tuple | None = None
    while True:
        if command is None:
            try:
                command = conn.recv()
            except (EOFError, OSError):
                return
        name, args = command[0], command[1:]
        command = None
        if name == "exit":
            return
        if name == "stop":  # arrived after the query it meant had already finished
            continue
        wanted = args[0] if name == "open" else args[0].snapshot
        if wanted.generation != current.generation:
            store = None
            try:
                store = open_snapshot(wanted)
            except Exception as exc:  # noqa: BLE001
                conn.send_bytes(_error_frame("snapshot", f"cannot open snapshot {wanted.path}: {exc}"))
                return
            current = wanted
        if name == "open":
            conn.send_bytes(FRAME_OPENED)
        else:
            command = run_query(store, args[0], conn, network)


# --- the parent's side of the pipe ----------------------------------------------------------------


class WorkerHandle:
    """The pool's handle on one worker process (or on a placeholder while one starts)."""

    def __init__(self, process, conn, generation: int) -> None:
        self.process = process
        self.conn = conn
        self.pid: int | None = process.pid if process is not None else None
        self.generation = generation      # the snapshot the worker holds (or is switching to)
        self.previous: int | None = None  # the snapshot it held before, until the switch is confirmed
        self.state = "starting"           # starting, idle, busy, dead
        self.deadline = math.inf          # of the query it runs, for the pool's watchdog
        self.exitcode: int | None = None

    @classmethod
    def start(cls, context, snapshot: Snapshot, memory_limit: int | None = None,
              network: bool = False) -> WorkerHandle:
        """Start a worker process (spawn context) that opens `snapshot`; confined unless `network`."""
        parent_conn, child_conn = context.Pipe(duplex=True)
        process = context.Process(target=worker_main,
                                  args=(child_conn, snapshot, os.getpid(), memory_limit, network),
                                  name="partnergraph-query-worker", daemon=True)
        try:
            process.start()
        except BaseException:
            parent_conn.close()
            raise
        finally:
            child_conn.close()
        return cls(process, parent_conn, snapshot.generation)

    def read_frame(self, deadline: float) -> bytes | None:
        """The next frame; None when the deadline (time.monotonic) passes; b"" when the worker is gone."""
        try:
            if deadline != math.inf:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.conn.poll(remaining):
                    return None
            return self.conn.recv_bytes()
        except (EOFError, OSError):
            return b""

    def await_frame(self, expected: bytes, timeout: float, abandon: Callable[[], bool]) -> str | None:
        """None once the `expected` frame (READY, OPENED) arrives, else why not; gives up if `abandon()`."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.read_frame(min(deadline, time.monotonic() + 0.2))
            if frame is not None:
                break
            if time.monotonic() >= deadline:
                return f"no answer within {timeout:g} s"
            if abandon():
                return "the pool was closed"
        if frame == expected:
            return None
        if frame[:1] == FRAME_ERROR:
            return pickle.loads(frame[1:])[1]
        self.process.join(1)
        return f"the worker exited with code {self.process.exitcode}"

    def is_alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.is_alive()

    def kill(self, close_conn: bool = True) -> None:
        """SIGKILL the process and reap it (idempotent); optionally close the pipe."""
        process, self.process = self.process, None
        if process is not None:
            try:
                process.kill()
                process.join(10)
                self.exitcode = process.exitcode
                process.close()
            except ValueError:  # still running 10 s after SIGKILL: leave it to the OS
                log.warning("query worker %s did not exit after SIGKILL", self.pid)
        if close_conn and self.conn is not None:
            self.conn.close()
