"""Browser-test fixtures: the real app under uvicorn on a loopback port, driven by Debian's chromium.

The tests skip only when /usr/bin/chromium is missing (`.ci/run` installs it). No browser is downloaded:
Playwright drives the system chromium through `executable_path`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SERVER_START_SECONDS = 120


@pytest.fixture(scope="session")
def web_app():
    """The real application on an empty in-memory store (it loads the bundled data on startup)."""
    from partnergraph.app import create_app
    from partnergraph.settings import Settings

    return create_app(Settings(store=":memory:"))


@pytest.fixture(scope="session")
def live_server(web_app) -> Iterator[str]:
    """Serve `web_app` with uvicorn on a free 127.0.0.1 port in a thread; stop it whatever happens."""
    config = uvicorn.Config(web_app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-live-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the app under test did not start (see the uvicorn log above)")
            if time.monotonic() > deadline:
                pytest.fail(f"the app under test did not start within {SERVER_START_SECONDS} s")
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium under Playwright, headless, with the flags this machine needs."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium); "
                    ".ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageWatch:
    """What one page did: requests to other hosts (aborted), console errors and uncaught exceptions."""

    page: object
    origin: str
    foreign_requests: list[tuple[str, str]] = field(default_factory=list)  # (page URL, request URL)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def foreign_from(self, path: str = "/") -> list[str]:
        """Requests to other hosts made while the page at `path` of the test server was showing."""
        page_url = self.origin + path
        return [url for shown, url in self.foreign_requests if shown.split("#")[0] == page_url]


def _is_same_origin(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "javascript"):
        return True
    return f"{parts.scheme}://{parts.netloc}" == origin


@pytest.fixture
def watched_page(browser, live_server) -> Iterator[PageWatch]:
    """A fresh browser context on the test server that aborts and records every request elsewhere."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    watch = PageWatch(page=page, origin=live_server)

    def guard(route) -> None:
        request = route.request
        if _is_same_origin(request.url, live_server):
            route.continue_()
        else:
            watch.foreign_requests.append((page.url, request.url))
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    page.on("request", lambda request: watch.requests.append(request.url))
    page.on("console", lambda msg: watch.console_errors.append(f"{msg.text} ({msg.location})")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    try:
        yield watch
    finally:
        context.close()
