"""Read-only snapshots of the primary Oxigraph store, published for the query workers.

An on-disk store is snapshotted with `Store.backup` (a RocksDB checkpoint: hard links, cheap when the
snapshot directory is on the store's file system); workers open it with `Store.read_only`. An in-memory
store is dumped to an N-Quads file that each worker loads into its own in-memory store. Generations are
numbered from 1; each lives in `<root>/<generation>` (directory) or `<root>/<generation>.nq`.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from partnergraph.errors import StoreError
from partnergraph.store.oxigraph.worker import Snapshot

log = logging.getLogger(__name__)


class SnapshotPublisher:
    """Writes numbered snapshots of one pyoxigraph store and deletes those no longer used."""

    def __init__(self, store: ox.Store, *, store_path: str | os.PathLike | None = None,
                 snapshot_dir: str | os.PathLike | None = None) -> None:
        self.store = store
        self.kind = "rocksdb" if store_path is not None else "nquads"
        try:
            self.root = _make_root(store_path, snapshot_dir)
        except OSError as exc:
            raise StoreError(f"cannot create a directory for store snapshots: {exc}") from exc
        # removes the snapshots at interpreter exit if nobody called remove_all()
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.root), ignore_errors=True)
        self.current: Snapshot | None = None
        self._next_generation = 1
        self._lock = threading.Lock()

    def publish(self) -> Snapshot:
        """Write the store's current content as the next generation and return it."""
        with self._lock:
            generation = self._next_generation
            self._next_generation += 1
            started = time.perf_counter()
            try:
                if self.kind == "rocksdb":
                    path = self.root / str(generation)
                    self.store.backup(str(path))
                else:
                    path = self.root / f"{generation}.nq"
                    partial = self.root / f"{generation}.nq.partial"
                    self.store.dump(str(partial), format=ox.RdfFormat.N_QUADS)
                    partial.rename(path)
            except (OSError, RuntimeError) as exc:
                raise StoreError(f"cannot write a snapshot of the store in {self.root}: {exc}") from exc
            self.current = Snapshot(generation, str(path), self.kind)
        log.debug("published snapshot %d in %.1f ms", generation, (time.perf_counter() - started) * 1e3)
        return self.current

    def delete_unused(self, in_use: Iterable[int], older_than: int) -> None:
        """Delete every generation below `older_than` that is not in `in_use`.

        `older_than` must be the current generation when `in_use` was taken: nothing can start using an
        older generation afterwards, and newer entries may be half written ("<n>.tmp", "<n>.nq.partial").
        """
        keep = set(in_use)
        for entry in self.root.iterdir():
            stem = entry.name.split(".")[0]
            if not stem.isdigit() or int(stem) >= older_than or int(stem) in keep:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def generations(self) -> list[int]:
        """The generations present on disk, oldest first."""
        stems = {e.name.split(".")[0] for e in self.root.iterdir() if not e.name.endswith(".partial")}
        return sorted(int(s) for s in stems if s.isdigit())

    def remove_all(self) -> None:
        """Delete the snapshot directory and everything in it."""
        self._cleanup()


def _make_root(store_path, snapshot_dir) -> Path:
    if snapshot_dir is not None:
        base = Path(snapshot_dir)
        base.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="snapshots-", dir=base))
    if store_path is not None:  # the store's file system, so that backups are hard links
        path = Path(store_path).resolve()
        return Path(tempfile.mkdtemp(prefix=f".{path.name}-snapshots-", dir=path.parent))
    return Path(tempfile.mkdtemp(prefix="partnergraph-snapshots-"))
