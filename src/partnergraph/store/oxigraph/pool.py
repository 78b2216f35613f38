"""A pool of worker processes that run SPARQL queries on snapshots of an embedded Oxigraph store.

pyoxigraph cannot cancel a running query, so every query runs in a worker process that is killed
(SIGKILL) at the query's deadline and replaced. The parent owns the read-write store and publishes a
snapshot after each write (see snapshots.py); a worker switches to the newest snapshot before its next
query, idle workers are switched in the background, and a snapshot is deleted once no worker holds it.

One maintenance thread starts replacement workers, refreshes idle ones, deletes old snapshots and kills
workers whose deadline passed while nobody was reading their results.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Mapping

import pyoxigraph as ox

from partnergraph.errors import QueryTimeout, StoreUnavailable, UnsupportedFormat
from partnergraph.rdf.formats import PREFIXED_SYNTAXES, formats_for
from partnergraph.sparql.lexer import declared_prefixes, query_form
from partnergraph.store.oxigraph import worker as qw
from partnergraph.store.oxigraph.snapshots import SnapshotPublisher
from partnergraph.store.oxigraph.stream import STOP_GRACE, QueryStream

__all__ = ["QueryPool", "QueryStream"]

log = logging.getLogger(__name__)



class QueryPool:
    """Worker processes that run queries on snapshots of `store`, each query with an enforced time limit.

    `store` is the primary pyoxigraph Store. Give `store_path` when it is on disk (snapshots are Oxigraph
    backups next to it); leave it None for an in-memory store (snapshots are N-Quads dumps). `timeout`
    is the default limit in seconds (None: no limit); `memory_limit` caps each worker's address space
    in bytes (a query that needs more fails; None: no cap). At most `max_waiting` queries wait for a
    worker (each waiting query holds a server thread); more are refused at once. Workers may not open network sockets
    (worker_sandbox) unless `network` is True: only a pool for allow-listed SERVICE queries has it.
    Thread-safe.
    """

    def __init__(self, store: ox.Store, *, store_path: str | os.PathLike | None = None, size: int = 2,
                 timeout: float | None = 30.0, memory_limit: int | None = None,
                 snapshot_dir: str | os.PathLike | None = None, chunk_size: int = 65536,
                 start_timeout: float = 300.0, network: bool = False, max_waiting: int | None = None) -> None:
        if size < 1:
            raise ValueError("a query pool needs at least one worker")
        self.size = size
        self.max_waiting = max_waiting
        self.timeout = timeout
        self.chunk_size = chunk_size
        self.start_timeout = start_timeout
        self.memory_limit = memory_limit
        self.network = network
        self.closed = False
        self._snapshots = SnapshotPublisher(store, store_path=store_path, snapshot_dir=snapshot_dir)
        self._context = multiprocessing.get_context("spawn")
        self._cond = threading.Condition(threading.RLock())
        self._workers: list[qw.WorkerHandle] = []  # placeholders of starting workers included
        self._idle: list[qw.WorkerHandle] = []
        self._waiters: deque[object] = deque()
        self._abandoned: queue.SimpleQueue[qw.WorkerHandle] = queue.SimpleQueue()
        self._garbage = False
        self._spawn_failure: str | None = None
        self._retry_at = 0.0
        self._maintainer: threading.Thread | None = None
        try:
            self._start_workers()
        except BaseException:
            self.close()
            raise
        self._maintainer = threading.Thread(target=self._maintain, name="partnergraph-query-pool",
                                            daemon=True)
        self._maintainer.start()
        log.info("query pool started: %d %s workers, %s snapshots in %s", size,
                 "networked" if network else "confined", self._snapshots.kind, self._snapshots.root)

    def _start_workers(self) -> None:
        snapshot = self._snapshots.publish()
        starting = [qw.WorkerHandle.start(self._context, snapshot, self.memory_limit, self.network)
                    for _ in range(self.size)]
        failure = None
        for worker in starting:
            error = worker.await_frame(qw.FRAME_READY, self.start_timeout, lambda: False)
            if error is None:
                worker.state = "idle"
                self._workers.append(worker)
                self._idle.append(worker)
            else:
                failure = error
                worker.kill()
        if failure is not None:
            raise StoreUnavailable(f"the query workers could not start: {failure}")

    # --- public API ------------------------------------------------------------------------------

    def store_changed(self) -> None:
        """The store was written: publish a snapshot so that the next queries see the change."""
        self.publish_snapshot()

    def publish_snapshot(self) -> int:
        """Publish the store's current content for the next queries; returns the new generation."""
        if self.closed:
            raise StoreUnavailable("the query pool is closed")
        snapshot = self._snapshots.publish()
        with self._cond:
            self._garbage = True
            self._cond.notify_all()
        return snapshot.generation

    @property
    def generation(self) -> int:
        """The generation of the newest published snapshot."""
        current = self._snapshots.current
        return current.generation if current else 0

    def snapshot_generations(self) -> list[int]:
        """The snapshot generations still on disk."""
        return self._snapshots.generations()

    def worker_pids(self) -> list[int]:
        """Process ids of the running workers."""
        with self._cond:
            return [w.pid for w in self._workers if w.state in ("idle", "busy")]

    def status(self) -> dict:
        """Counts of workers by state, waiting requests and the snapshot generation (for health checks)."""
        with self._cond:
            states = [w.state for w in self._workers]
            return {"size": self.size, "idle": len(self._idle), "busy": states.count("busy"),
                    "starting": states.count("starting"), "waiting": len(self._waiters),
                    "generation": self.generation, "closed": self.closed}

    def execute(self, query: str, *, default_graphs: list[str] | None = None,
                named_graphs: list[str] | None = None, union_default_graph: bool = True,
                substitutions: Mapping | None = None, result_format: str = "json",
                timeout: float | None = None) -> QueryStream:
        """Run a query in a worker; returns once the first chunk is ready (errors are raised here)."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit if limit is not None else math.inf
        form = query_form(query)
        allowed = [f.name for f in formats_for(form)]
        if result_format not in allowed:
            raise UnsupportedFormat(f"a {form} result cannot be written as {result_format!r}; "
                                    f"use one of {', '.join(allowed)}")
        subs = {(k.value if isinstance(k, ox.Variable) else str(k).lstrip("?$")): v
                for k, v in (substitutions or {}).items()}
        prefixes = declared_prefixes(query) if result_format in PREFIXED_SYNTAXES else {}
        while True:
            worker, snapshot = self._acquire(deadline, limit)
            request = qw.QueryRequest(query, snapshot, result_format, default_graphs, named_graphs,
                                      union_default_graph, subs, prefixes, self.chunk_size)
            try:
                worker.conn.send(("query", request))
                break
            except (OSError, ValueError):  # the worker died while idle: take another one
                self.discard_worker(worker)
        log.debug("query sent to worker %s", worker.pid)
        stream = QueryStream(self, worker, form, result_format, deadline, limit)
        stream.wait_first_chunk()
        return stream

    def close(self) -> None:
        """Stop every worker and delete the snapshots."""
        with self._cond:
            if self.closed and not self._workers:
                return
            self.closed = True
            self._cond.notify_all()
        if self._maintainer is not None and self._maintainer is not threading.current_thread():
            self._maintainer.join()
        with self._cond:
            workers = [w for w in self._workers if w.process is not None]
        for worker in workers:
            if worker.state == "idle":
                try:
                    worker.conn.send(("exit",))
                    worker.process.join(2)
                except (OSError, ValueError, AttributeError):
                    pass
            self.discard_worker(worker, close_conn=worker.state != "busy")
        self._reap_abandoned()
        with self._cond:
            self._workers.clear()
            self._idle.clear()
        self._snapshots.remove_all()
        log.info("query pool closed")

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- lending workers (QueryStream calls these) -----------------------------------------------

    def _acquire(self, deadline: float, timeout: float | None) -> tuple[qw.WorkerHandle, qw.Snapshot]:
        """An idle worker for one query, waiting first-come first-served until `deadline`."""
        ticket = object()
        with self._cond:
            if self.max_waiting is not None and len(self._waiters) >= self.max_waiting and not self._idle:
                raise QueryTimeout(
                    f"all {self.size} query workers are busy and {len(self._waiters)} queries are waiting for "
                    "them; this one was not queued (retry in a moment)", timeout=timeout)
            self._waiters.append(ticket)
            try:
                while True:
                    if self.closed:
                        raise StoreUnavailable("the query pool is closed")
                    if self._waiters[0] is ticket and self._idle:
                        worker = self._take_idle()
                        if not worker.is_alive():
                            self.discard_worker(worker)
                            continue
                        snapshot = self._snapshots.current
                        worker.state, worker.deadline = "busy", deadline
                        if worker.generation != snapshot.generation:
                            worker.previous, worker.generation = worker.generation, snapshot.generation
                        return worker, snapshot
                    if not self._workers and self._spawn_failure is not None:
                        raise StoreUnavailable(f"no query worker is running: {self._spawn_failure}")
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise QueryTimeout(
                            f"the query could not start within its time limit of {timeout:g} s because "
                            f"all {self.size} query workers were busy; it was not run", timeout=timeout)
                    self._cond.wait(None if remaining == math.inf else remaining)
            finally:
                self._waiters.remove(ticket)
                self._cond.notify_all()

    def _take_idle(self) -> qw.WorkerHandle:
        """An idle worker, preferably one that already holds the newest snapshot (lock held)."""
        current = self._snapshots.current.generation
        for worker in reversed(self._idle):
            if worker.generation == current:
                self._idle.remove(worker)
                return worker
        return self._idle.pop()

    def release_worker(self, worker: qw.WorkerHandle) -> None:
        """Take back a worker that has finished its query."""
        with self._cond:
            if worker.state == "busy" and not self.closed:
                worker.state, worker.deadline = "idle", math.inf
                self._idle.append(worker)
                self._cond.notify_all()
                return
        self.discard_worker(worker)

    def discard_worker(self, worker: qw.WorkerHandle, close_conn: bool = True) -> None:
        """Kill a worker (idempotent); the maintenance thread starts a replacement."""
        with self._cond:
            if worker.state != "dead":
                worker.state = "dead"
                if worker in self._workers:
                    self._workers.remove(worker)
                if worker in self._idle:
                    self._idle.remove(worker)
                self._garbage = True
                self._cond.notify_all()
                log.debug("killing query worker %s", worker.pid)
        worker.kill(close_conn)

    def stop_worker(self, worker: qw.WorkerHandle, grace_deadline: float) -> None:
        """Tell a worker to abandon its query; kill it unless it acknowledges by `grace_deadline`."""
        try:
            worker.conn.send(("stop",))
        except (OSError, ValueError):
            self.discard_worker(worker)
            return
        while True:
            frame = worker.read_frame(grace_deadline)
            if not frame:
                self.discard_worker(worker)
                return
            if frame[:1] in qw.TERMINAL_FRAMES:
                self.release_worker(worker)
                return

    def abandon_worker(self, worker: qw.WorkerHandle) -> None:
        """For a stream dropped without close(): the maintenance thread stops its query (no locks here)."""
        self._abandoned.put(worker)

    def confirm_generation(self, worker: qw.WorkerHandle) -> None:
        """The worker answered, so it has left its previous snapshot."""
        with self._cond:
            if worker.previous is not None:
                worker.previous = None
                self._garbage = True
                self._cond.notify_all()

    # --- maintenance thread ----------------------------------------------------------------------

    def _maintain(self) -> None:
        while True:
            self._reap_abandoned()
            with self._cond:
                if self.closed:
                    return
                task = self._next_task()
                if task is None:
                    self._cond.wait(self._wait_time())
                    continue
            try:
                task()
            except Exception:  # keep the pool alive; the next round retries
                log.exception("query pool maintenance failed")

    def _reap_abandoned(self) -> None:
        while True:
            try:
                worker = self._abandoned.get_nowait()
            except queue.Empty:
                return
            if self.closed:
                self.discard_worker(worker)
            else:
                self.stop_worker(worker, min(worker.deadline, time.monotonic() + STOP_GRACE))

    def _wait_time(self) -> float:
        soonest = min((w.deadline for w in self._workers if w.state == "busy"), default=math.inf)
        return max(0.01, min(1.0, soonest - time.monotonic() + 0.05))

    def _next_task(self):
        """The next maintenance job (called with the lock held), or None."""
        now = time.monotonic()
        for worker in self._workers:
            if worker.state == "busy" and now > worker.deadline + 0.05:
                return lambda w=worker: self._expire(w)
        if len(self._workers) < self.size and now >= self._retry_at:
            return self._replace
        current = self._snapshots.current.generation
        for worker in self._idle:
            if worker.generation != current:
                self._idle.remove(worker)
                worker.state = "busy"
                return lambda w=worker: self._refresh(w)
        if self._garbage:
            return self._collect_garbage
        return None

    def _expire(self, worker: qw.WorkerHandle) -> None:
        """Kill a worker past its deadline whose results nobody is reading."""
        with self._cond:
            if worker.state != "busy" or time.monotonic() <= worker.deadline:
                return
        log.info("killing query worker %s: its query passed the time limit", worker.pid)
        self.discard_worker(worker, close_conn=False)  # the stream closes the pipe

    def _replace(self) -> None:
        with self._cond:
            snapshot = self._snapshots.current
            placeholder = qw.WorkerHandle(None, None, snapshot.generation)  # holds the snapshot
            self._workers.append(placeholder)
        worker, error = None, None
        try:
            worker = qw.WorkerHandle.start(self._context, snapshot, self.memory_limit, self.network)
            error = worker.await_frame(qw.FRAME_READY, self.start_timeout, lambda: self.closed)
        except Exception as exc:  # noqa: BLE001 - reported below, retried later
            error = str(exc)
        with self._cond:
            self._workers.remove(placeholder)
            if error is None and not self.closed:
                worker.state = "idle"
                self._workers.append(worker)
                self._idle.append(worker)
                self._spawn_failure = None
                self._cond.notify_all()
                log.debug("query worker %s started", worker.pid)
                return
            if error is not None:
                self._spawn_failure = error
                self._retry_at = time.monotonic() + 5.0
                self._cond.notify_all()
        if error is not None and not self.closed:
            log.error("a query worker could not start: %s", error)
        if worker is not None:
            worker.kill()

    def _refresh(self, worker: qw.WorkerHandle) -> None:
        """Switch an idle worker to the newest snapshot before a query needs it."""
        snapshot = self._snapshots.current
        try:
            worker.conn.send(("open", snapshot))
        except (OSError, ValueError):
            self.discard_worker(worker)
            return
        error = worker.await_frame(qw.FRAME_OPENED, self.start_timeout, lambda: self.closed)
        if error is not None:
            if not self.closed:
                log.error("a query worker could not open snapshot %d: %s", snapshot.generation, error)
            self.discard_worker(worker)
            return
        with self._cond:
            worker.generation = snapshot.generation
            self._garbage = True
        self.release_worker(worker)

    def _collect_garbage(self) -> None:
        with self._cond:
            self._garbage = False
            current = self._snapshots.current.generation
            in_use = {w.generation for w in self._workers}
            in_use |= {w.previous for w in self._workers if w.previous is not None}
        self._snapshots.delete_unused(in_use, older_than=current)
