"""What clients may cache: a version of the store that changes with every write (ETag, Last-Modified)."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate


@dataclass
class StoreVersion:
    """The store's write generation and the time of its last write (for ETag / Last-Modified)."""

    generation: int = 0
    last_write: float = field(default_factory=time.time)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def written(self) -> None:
        """Record that the store changed."""
        with self._lock:
            self.generation += 1
            self.last_write = time.time()

    def etag(self, *parts: str) -> str:
        """A strong ETag for a response computed from this store version and the request's parts."""
        digest = hashlib.sha256()
        digest.update(f"{self.generation}:{self.last_write}".encode())
        for part in parts:
            digest.update(b"\x00" + part.encode("utf-8"))
        return f'"{digest.hexdigest()[:32]}"'

    @property
    def last_modified(self) -> str:
        """The last write as an HTTP date."""
        return formatdate(int(self.last_write), usegmt=True)
