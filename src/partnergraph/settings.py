"""Runtime configuration: one Settings class, every field settable as PARTNERGRAPH_<FIELD>."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MEMORY = ":memory:"


def default_store_location() -> str:
    """The on-disk store used when none is named: $XDG_DATA_HOME/partnergraph/store."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "partnergraph" / "store")


class Settings(BaseSettings):
    """Settings for the CLI and the service; see docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix="PARTNERGRAPH_", extra="ignore")

    store: str = Field(
        default_factory=default_store_location,
        description="Where the graph lives: a directory (embedded Oxigraph on disk), ':memory:', "
        "or an http(s) URL of a SPARQL 1.1 server (remote backend).",
    )
    remote_query_url: str | None = Field(
        default=None, description="SPARQL query endpoint of the remote store (default: <store>/query).")
    remote_update_url: str | None = Field(
        default=None, description="SPARQL update endpoint of the remote store (default: <store>/update).")
    remote_graph_store_url: str | None = Field(
        default=None,
        description="Graph Store Protocol endpoint of the remote store (default: <store>/store).")
    remote_timeout: float = Field(
        default=60.0, gt=0, description="Seconds to wait for the remote store before giving up.")
    remote_union_default_graph: bool = Field(
        default=False,
        description="Trust the remote server to use the union of named graphs as its default graph "
        "(e.g. `oxigraph serve --union-default-graph`); otherwise partnergraph states the dataset "
        "explicitly with default-graph-uri/named-graph-uri on every query.")

    host: str = Field(default="127.0.0.1", description="Address the service binds to.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port the service listens on.")
    query_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a SPARQL query may run before it is stopped (503).")
    query_workers: int = Field(
        default=2, ge=1, le=64, description="Worker processes that evaluate queries on the embedded store.")
    service_allowlist: list[str] = Field(
        default_factory=list,
        description="IRI prefixes that SPARQL SERVICE clauses may call; empty refuses every SERVICE "
        "(and every query that mentions the word).")
    query_queue: int = Field(
        default=16, ge=0, le=1000,
        description="Queries that may wait for a busy query worker; more get 503 at once (each waiting query "
        "holds one of the server's threads, which other requests need).")
    federation_workers: int = Field(
        default=1, ge=1, le=16,
        description="Worker processes, with network access, that run the queries calling allow-listed "
        "SERVICE endpoints (started only when service_allowlist is not empty).")
    query_sandbox: bool = Field(
        default=True,
        description="Confine the query workers of the embedded store with a seccomp filter so that they "
        "cannot open network sockets (Linux x86-64/aarch64). Turn off only where seccomp is unavailable; "
        "SERVICE is then refused by the query check alone.")
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; empty disables CORS.")
    load_if_empty: bool = Field(
        default=True, description="`serve` loads the bundled ontology and data into an empty store.")
    max_body_bytes: int = Field(
        default=50 * 1024 * 1024, gt=0, description="Largest request body accepted, in bytes (413 beyond).")
    max_query_length: int = Field(
        default=1_000_000, gt=0, description="Largest SPARQL query text accepted, in bytes.")
    max_form_fields: int = Field(
        default=100, gt=0, description="Most fields a form body (POST /sparql) may have (400 beyond).")
    max_anonymous_validate_bytes: int = Field(
        default=2 * 1024 * 1024, gt=0,
        description="Largest body /api/validate accepts without a token, in bytes (413 beyond).")
    anonymous_validations: int = Field(
        default=2, ge=1, le=64,
        description="How many /api/validate requests without a token run at once (429 beyond).")
    parse_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a request body may take to parse before it is refused (413).")
    public_base_url: str | None = Field(
        default=None,
        description="The URL the service is reached at from outside (e.g. https://pg.example.org); links "
        "in answers (Location, next pages, the catalogue, the service description) are built from it "
        "instead of from the request's Host header.")
    trusted_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "::1"],
        description="Host names the service answers for; other Host headers get 400. The host of "
        "public_base_url is added; [\"*\"] accepts any host.")
    tokens_file: str | None = Field(
        default=None,
        description="JSON file of the bearer tokens that may write (default: <store>.tokens.json "
        "next to an on-disk store; none for ':memory:' and remote stores).")

    @property
    def is_remote(self) -> bool:
        """True when the store is a remote SPARQL server."""
        return self.store.startswith(("http://", "https://"))

    @property
    def is_memory(self) -> bool:
        """True when the store is an in-memory embedded store."""
        return self.store == MEMORY

    def token_file_path(self) -> Path | None:
        """The token file: `tokens_file`, else `<store>.tokens.json` beside an on-disk store, else None."""
        if self.tokens_file:
            return Path(self.tokens_file)
        if self.is_memory or self.is_remote:
            return None
        store = Path(os.path.abspath(self.store))
        return store.with_name(store.name + ".tokens.json")
