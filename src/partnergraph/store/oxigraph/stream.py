"""The streamed result of one query run by a worker process: bytes chunks, a deadline, early close."""

from __future__ import annotations

import logging
import pickle
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Protocol

from partnergraph.errors import (
    PartnergraphError,
    QueryEvaluationError,
    QuerySyntaxError,
    QueryTimeout,
    ServiceCallFailed,
    ServiceNotAllowed,
    StoreUnavailable,
    UnsupportedFormat,
)
from partnergraph.store.oxigraph import worker as qw

log = logging.getLogger(__name__)

STOP_GRACE = 0.5  # seconds a stopped worker may take to acknowledge before it is killed
_POSITION = re.compile(r"(\d+):(\d+)")


class WorkerOwner(Protocol):
    """What a stream needs from the pool that lent it a worker."""

    closed: bool

    def release_worker(self, worker: qw.WorkerHandle) -> None: ...

    def discard_worker(self, worker: qw.WorkerHandle) -> None: ...

    def stop_worker(self, worker: qw.WorkerHandle, grace_deadline: float) -> None: ...

    def abandon_worker(self, worker: qw.WorkerHandle) -> None: ...

    def confirm_generation(self, worker: qw.WorkerHandle) -> None: ...


def error_from_frame(frame: bytes) -> PartnergraphError:
    """The exception an ERROR frame stands for (a detail kept from the client is logged here)."""
    kind, message, detail = pickle.loads(frame[1:])
    if detail is not None:
        log.warning("query worker error (%s) not shown to the client: %s", kind, detail)
    if kind == "syntax":
        match = _POSITION.search(message)
        details = [{"line": int(match[1]), "column": int(match[2])}] if match else []
        return QuerySyntaxError(f"invalid SPARQL query: {message}", details=details)
    if kind == "format":
        return UnsupportedFormat(message)
    if kind in ("snapshot", "sandbox"):
        return StoreUnavailable(message)
    if kind == "service":
        return ServiceCallFailed(message)
    if kind == "network":
        return ServiceNotAllowed(message)
    return QueryEvaluationError(f"the query failed while running: {message}")


class QueryStream:
    """The serialised result of one query: an iterator of bytes chunks; close() to stop early.

    `form` is SELECT, ASK, CONSTRUCT or DESCRIBE; `pid` the worker process that ran the query.
    Iteration raises QueryTimeout when the deadline passes (the worker is killed) and
    QueryEvaluationError when evaluation fails after the first chunk.
    """

    def __init__(self, owner: WorkerOwner, worker: qw.WorkerHandle, form: str, result_format: str,
                 deadline: float, timeout: float | None) -> None:
        self.form = form
        self.result_format = result_format
        self.pid = worker.pid
        self._owner = owner
        self._worker: qw.WorkerHandle | None = worker
        self._deadline = deadline
        self._timeout = timeout
        self._pending: deque[bytes] = deque()
        self._lock = threading.Lock()
        self._answered = False

    def wait_first_chunk(self) -> None:
        """Block until the first chunk, the end or an error arrives (errors and timeouts raise here)."""
        with self._lock:
            chunk = self._next_chunk()
            if chunk:
                self._pending.append(chunk)

    def _next_chunk(self) -> bytes | None:
        """The next chunk (b"" possible at the end); None when the result is complete.

        Raises on error and at the deadline (the worker is then killed).
        """
        worker = self._worker
        if worker is None:
            return None
        frame = worker.read_frame(self._deadline)
        if frame and not self._answered:  # it answers, so it has switched snapshots: say so first
            self._answered = True
            self._owner.confirm_generation(worker)
        tag = frame[:1] if frame is not None else None
        if tag == qw.FRAME_DATA:
            return frame[1:]
        self._worker = None
        if tag == qw.FRAME_LAST:
            self._owner.release_worker(worker)
            return frame[1:]
        if tag == qw.FRAME_ERROR:
            error = error_from_frame(frame)
            if isinstance(error, StoreUnavailable):
                self._owner.discard_worker(worker)
            else:
                self._owner.release_worker(worker)
            raise error
        self._owner.discard_worker(worker)
        if frame is None or time.monotonic() >= self._deadline:
            raise QueryTimeout(
                f"the query ran longer than the time limit of {self._timeout:g} s and was stopped",
                timeout=self._timeout)
        if self._owner.closed:
            raise StoreUnavailable("the query pool was closed while the query ran")
        if tag == b"" and worker.exitcode == -signal.SIGSEGV:
            raise QueryEvaluationError(
                "the engine crashed on this query (a nesting too deep for its parser, most likely); the "
                "process that ran it was replaced and no other query was affected")
        if tag == b"" and worker.exitcode == -signal.SIGABRT:
            raise QueryEvaluationError(
                "the query needed more memory than a query worker may use, and was stopped")
        if tag == b"":
            raise QueryEvaluationError(
                f"the process evaluating the query stopped unexpectedly (exit code {worker.exitcode})")
        raise QueryEvaluationError(f"unexpected frame {tag!r} from a query worker")

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        with self._lock:
            if self._pending:
                return self._pending.popleft()
            while True:
                chunk = self._next_chunk()
                if chunk is None:
                    raise StopIteration
                if chunk:
                    return chunk

    def read(self) -> bytes:
        """The whole remaining result as one bytes object."""
        return b"".join(self)

    def close(self) -> None:
        """Stop the query if it still runs and give its worker back to the pool."""
        with self._lock:
            self._pending.clear()
            worker, self._worker = self._worker, None
        if worker is not None:
            self._owner.stop_worker(worker, min(self._deadline, time.monotonic() + STOP_GRACE))

    def __enter__(self) -> QueryStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        worker = getattr(self, "_worker", None)
        if worker is not None:  # dropped without close(): the pool stops the query later
            self._worker = None
            self._owner.abandon_worker(worker)
