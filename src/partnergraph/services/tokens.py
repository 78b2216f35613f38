"""Bearer tokens for the write API: a JSON file of hashed tokens, each with a name and a role.

The file looks like::

    {"version": 2, "tokens": [{"id": "3f9a1c0b2d4e6f70", "name": "alice", "role": "curator",
                               "hash": "sha256:<hex>", "created": "2025-01-01T12:00:00Z", "revoked": null}]}

Every token has an id that is never reused: batches are tied to it, so a new token with a revoked
token's name does not inherit that token's batches and graphs (the name is for display). Version 1
files (no ids) are read with ids derived from each token's hash, and written back as version 2.

Only the SHA-256 of a token is stored. A token is `pgt_` followed by 256 random bits
(`secrets.token_urlsafe(32)`), so it cannot be guessed or brute-forced from its hash; a fast hash is
the right choice here (a slow password hash only helps secrets people choose themselves).

Several processes share the file: the CLI changes it while the server reads it. Writers take an
exclusive `flock` on `<file>.lock`, re-read, change and atomically replace the file (temp file in
the same directory, mode 0600, `os.replace`). Readers never lock: they re-read the file whenever its
(mtime, size, inode) changed, so a created or revoked token counts from the next request on.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from partnergraph.errors import TokenError, TokensUnavailable

ROLES: tuple[str, ...] = ("curator", "admin")
"""The roles, weakest first: a role may do everything the roles before it may do."""

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
TOKEN_PREFIX = "pgt_"
NAME_PATTERN = re.compile(r"[A-Za-z0-9._@-]{1,64}")
_HASH_PATTERN = re.compile(r"sha256:[0-9a-f]{64}")
_ID_PATTERN = re.compile(r"(?:v1-)?[0-9a-f]{16}")
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def _check_role(role: str) -> None:
    if role not in _RANK:
        raise TokenError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")


@dataclass(frozen=True)
class Principal:
    """Who acts: a token's name, role and id, or (no token id) someone who opened the store directly."""

    name: str
    role: str
    token_id: str | None = None

    @property
    def agent_id(self) -> str:
        """What batch records tie the curator to: the token's id, never reused, or the local name."""
        return f"token/{self.token_id}" if self.token_id else f"local/{self.name}"

    def can(self, role: str) -> bool:
        """True when this principal's role includes `role` (admin includes curator)."""
        _check_role(role)
        return _RANK.get(self.role, -1) >= _RANK[role]


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never its secret or hash."""

    name: str
    role: str
    created: str
    revoked: str | None = None
    id: str = ""

    @property
    def active(self) -> bool:
        """True unless the token was revoked."""
        return self.revoked is None

    def to_json(self) -> dict:
        """The token as a JSON object for `token list --format json`."""
        return {"id": self.id, "name": self.name, "role": self.role, "created": self.created,
                "revoked": self.revoked, "active": self.active}


def hash_secret(secret: str) -> str:
    """The stored form of a token: `sha256:<hex>` of its UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _info(record: dict) -> TokenInfo:
    return TokenInfo(name=record["name"], role=record["role"], created=record["created"],
                     revoked=record["revoked"], id=record["id"])


def _id_from_hash(token_hash: str) -> str:
    """The id of a token from a version 1 file: derived from its hash, so it is the same at every read."""
    return "v1-" + hashlib.sha256(token_hash.encode("ascii")).hexdigest()[:16]


class TokenRegistry:
    """The tokens in one JSON file; safe to share between threads and processes."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._cache_lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._records: list[dict] = []

    def __repr__(self) -> str:
        return f"TokenRegistry({str(self.path)!r})"

    # reading

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokensUnavailable(f"the token file cannot be read: {exc.strerror}", path=self.path) from exc
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _read(self) -> list[dict]:
        """Parse and check the file; a missing file holds no tokens."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
            raise TokensUnavailable(f"the token file cannot be read: {reason}", path=self.path) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise self._corrupt(f"it is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                                f"{exc.msg})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
            raise self._corrupt('it is not an object with a "tokens" list')
        version = data.get("version")
        if version not in READABLE_VERSIONS:
            raise self._corrupt(f'its "version" is {version!r}; this partnergraph reads versions '
                                f"{', '.join(map(str, READABLE_VERSIONS))}")
        for index, record in enumerate(data["tokens"]):
            problem = self._record_problem(record, version)
            if problem:
                raise self._corrupt(f"token #{index + 1}: {problem}")
            if version == 1:
                record["id"] = _id_from_hash(record["hash"])
        return data["tokens"]

    @staticmethod
    def _record_problem(record: object, version: int) -> str | None:
        if not isinstance(record, dict):
            return "is not an object"
        if version >= 2 and not (isinstance(record.get("id"), str) and _ID_PATTERN.fullmatch(record["id"])):
            return f'"id" is missing or not 16 hex digits: {record.get("id")!r}'

        name = record.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            return f"bad name {name!r}"
        if record.get("role") not in _RANK:
            return f"{name}: unknown role {record.get('role')!r} (roles: {', '.join(ROLES)})"
        if not isinstance(record.get("hash"), str) or not _HASH_PATTERN.fullmatch(record["hash"]):
            return f'{name}: "hash" is not "sha256:" and 64 lowercase hex digits'
        if not isinstance(record.get("created"), str):
            return f'{name}: "created" is missing or not a string'
        if record.get("revoked") is not None and not isinstance(record["revoked"], str):
            return f'{name}: "revoked" is neither null nor a string'
        if "revoked" not in record:
            return f'{name}: "revoked" is missing (null for an active token)'
        return None

    def _corrupt(self, problem: str) -> TokensUnavailable:
        return TokensUnavailable(f"the token file is damaged: {problem}. Fix it by hand, or move it away "
                                 "and create the tokens again with `partnergraph token create`", path=self.path)

    def _current(self) -> list[dict]:
        """The records, re-read only when the file changed since the last read."""
        stamp = self._stat()
        with self._cache_lock:
            if stamp != self._stamp:
                # stat before read: if the file is replaced in between we read the newer content
                # under the older stamp, and simply read it again next time.
                self._records = self._read() if stamp is not None else []
                self._stamp = stamp
            return self._records

    def authenticate(self, secret: str) -> Principal | None:
        """The principal of an active token with this secret, else None.

        Every stored hash is compared in constant time, and the loop never stops early, so the
        response time does not tell which token (if any) matched.
        """
        if not isinstance(secret, str) or not secret:
            return None
        records = self._current()
        digest = hash_secret(secret).encode("ascii")
        found: dict | None = None
        for record in records:
            if hmac.compare_digest(digest, record["hash"].encode("ascii")) \
                    and record["revoked"] is None:
                found = record
        return Principal(found["name"], found["role"], found["id"]) if found is not None else None

    # writing

    @contextmanager
    def _locked(self) -> Iterator[list[dict]]:
        """Hold the write lock; yield the freshly read records; write them back on success."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise TokensUnavailable(f"cannot create the token lock file: {exc.strerror}",
                                    path=self.lock_path) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            records = [dict(r) for r in self._read()]
            yield records
            self._write(records)
        finally:
            os.close(fd)  # closing releases the flock

    def _write(self, records: list[dict]) -> None:
        text = json.dumps({"version": FORMAT_VERSION, "tokens": records}, indent=2) + "\n"
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.",
                                       suffix=".tmp")
        except OSError as exc:
            raise TokenError(f"cannot write the token file {self.path}: {exc.strerror}") from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            with suppress(OSError):
                os.unlink(tmp)
            raise TokenError(f"cannot write the token file {self.path}: {exc.strerror}") from exc
        with suppress(OSError):
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def create(self, name: str, role: str) -> tuple[TokenInfo, str]:
        """Add a token; return its info and its secret, which is not stored and cannot be shown again."""
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise TokenError(f"bad token name {name!r}: use 1 to 64 letters, digits or . _ @ -")
        _check_role(role)
        with self._locked() as records:
            if any(r["name"] == name and r["revoked"] is None for r in records):
                raise TokenError(f"a token named {name!r} is already active; revoke it first "
                                 f"(`partnergraph token revoke {name}`) or choose another name")
            secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
            used = {r["id"] for r in records}
            token_id = secrets.token_hex(8)
            while token_id in used:  # 64 random bits: this loop is a formality
                token_id = secrets.token_hex(8)
            record = {"id": token_id, "name": name, "role": role, "hash": hash_secret(secret), "created": _now(),
                      "revoked": None}
            records.append(record)
        return _info(record), secret

    def revoke(self, name: str) -> TokenInfo:
        """Revoke the active token of this name; it stays in the file, marked with the time."""
        with self._locked() as records:
            active = [r for r in records if r["name"] == name and r["revoked"] is None]
            if not active:
                raise TokenError(f"no active token named {name!r} in {self.path}; "
                                 "`partnergraph token list` shows the tokens")
            when = _now()
            for record in active:
                record["revoked"] = when
        return _info(active[-1])

    # defined last: inside the class body the name `list` means this method from here on
    def list(self) -> list[TokenInfo]:
        """Every token in the file, revoked ones included, oldest first."""
        return [_info(r) for r in self._current()]
