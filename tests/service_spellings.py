"""Random spellings of SPARQL SERVICE clauses aimed at one endpoint, and a loopback endpoint that counts calls.

Used by the tests that prove no query reaches the network unless allowed: the generator mixes case,
keywords glued to the next token, comments and line breaks, nesting (OPTIONAL, EXISTS, sub-SELECT,
MINUS, UNION, GRAPH), BASE and PREFIX tricks (a prefix named SILENT, an empty prefix), variable targets,
codepoint escapes and the `FILTER(?x <3)SERVICE:x#>` reading that once fooled the tokenizer.
"""

from __future__ import annotations

import http.server
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

PAYLOAD = "SECRET-REMOTE-PAYLOAD"


class CountingEndpoint:
    """An HTTP server on a free loopback port: counts every request and answers 400 with PAYLOAD."""

    def __init__(self) -> None:
        owner = self
        self.requests = 0
        self._lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                with owner._lock:
                    owner.requests += 1
                body = f"{PAYLOAD} from {self.path}".encode()
                self.send_response(400)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        original = self.server.get_request

        def counted_get_request():
            request = original()
            with self._lock:
                self.connections += 1
            return request

        self.server.get_request = counted_get_request
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CountingEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def counting_endpoint() -> Iterator[CountingEndpoint]:
    """A CountingEndpoint that is always shut down."""
    with CountingEndpoint() as endpoint:
        yield endpoint


_KEYWORD_ESCAPES = ("\\u0053ERVICE", "SERV\\u0049CE", "\\U00000073ervice")


def _case(rng: random.Random, word: str) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)


def _gap(rng: random.Random) -> str:
    return rng.choice(["", " ", "\n", "\t", "\r\n", " # comment\n", "#>\n", "\n\n  "])


def service_spelling(rng: random.Random, endpoint: str) -> str:
    """One query that asks the engine to call `endpoint` (an http URL ending in '/') in some way."""
    prologue: list[str] = []
    keyword = rng.choice([_case(rng, "service")] * 6 + list(_KEYWORD_ESCAPES))
    silent = rng.choice(["", "", _case(rng, "silent")])
    style = rng.choice(["iri", "iri", "prefixed", "empty-prefix", "silent-prefix", "relative",
                        "variable", "escaped-iri"])
    pattern = "?s ?p ?o"
    bind = ""
    if style == "iri":
        target = f"<{endpoint}q>"
    elif style == "escaped-iri":
        target = "<" + endpoint.replace("127", "\\u0031\\u00327") + "q>"
    elif style == "prefixed":
        prologue.append(f"PREFIX ep: <{endpoint}>")
        target = "ep:q"
    elif style == "empty-prefix":
        prologue.append(f"PREFIX : <{endpoint}>")
        target = ":x"
    elif style == "silent-prefix":
        prologue.append(f"PREFIX {_case(rng, 'silent')}: <{endpoint}>")
        target, silent = f"{_case(rng, 'silent')}:x", ""
    elif style == "relative":
        prologue.append(f"BASE <{endpoint}>")
        target = "<q>"
    else:
        target = rng.choice(["?ep", "$ep"])
        bind = rng.choice([f"VALUES ?ep {{ <{endpoint}q> }}", f'BIND(IRI("{endpoint}q") AS ?ep)'])
    glue = rng.choice(["", _gap(rng)]) if style not in ("variable",) else _gap(rng) or " "
    clause = f"{keyword}{_gap(rng) if silent else ''}{silent}{glue}{target}{_gap(rng)}{{ {pattern} }}"
    if rng.random() < 0.2:  # the reading where `<` is less-than and the rest looked like an IRI
        clause = f"BIND(1 AS ?x) FILTER(?x <3){keyword}:x#>\n{{ {pattern} }}"
        prologue.append(f"PREFIX : <{endpoint}>")
    wrapper = rng.choice(["{c}", "OPTIONAL {{ {c} }}", "FILTER EXISTS {{ {c} }}", "FILTER NOT EXISTS {{ {c} }}",
                          "{{ SELECT * WHERE {{ {c} }} }}", "MINUS {{ {c} }}", "{{ ?a ?b ?c }} UNION {{ {c} }}",
                          "GRAPH ?g {{ {c} }}", "OPTIONAL {{ {{ SELECT ?s WHERE {{ {c} }} LIMIT 1 }} }}"])
    body = wrapper.format(c=clause)
    head = rng.choice(["SELECT * WHERE", "select * where", "SELECT*", "ASK", "CONSTRUCT WHERE"])
    if head == "CONSTRUCT WHERE":
        head, body = "CONSTRUCT { ?s ?p ?o } WHERE", body
    query = "\n".join(prologue) + ("\n" if prologue else "") + f"{head} {{ {bind} {body} }}"
    return query


def service_spellings(seed: int, count: int, endpoint: str) -> list[str]:
    """`count` spellings from a seeded generator (the seed makes a failure reproducible)."""
    rng = random.Random(seed)
    return [service_spelling(rng, endpoint) for _ in range(count)]
