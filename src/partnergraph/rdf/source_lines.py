"""Where a node is described in a Turtle (or TriG, N-Triples) text: the line a curator should look at.

Parsers do not report positions per triple, so the text is scanned once: every IRI written in full
(`<...>`, resolved against `@base`/`BASE`) or as a prefixed name (`pg:Agreement`, expanded with the
document's own prefixes) is recorded with the first line it appears on, and separately the first line
it starts (where the node is the subject of a statement block). A node's line is the first line it
starts, else the first line it appears on. Blank nodes have no line: their labels are not kept by the
parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin

_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_BASE = re.compile(r"^\s*(?:@base|BASE)\s+<([^>]*)>", re.IGNORECASE)
_TOKEN = re.compile(r"<([^<>\"{}|^`\\\s]*)>|(?<![\w:<\"'])([A-Za-z][\w.-]*)?:((?:[\w-]|%[0-9A-Fa-f]{2}|\\.)"
                    r"(?:[\w.-]|%[0-9A-Fa-f]{2}|\\.)*)?")
_STRING = re.compile(r"\"\"\".*?\"\"\"|'''.*?'''|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", re.DOTALL)


def _blank_strings(text: str) -> str:
    """The text with string literals replaced by spaces (newlines kept), so their content is not scanned."""
    return _STRING.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _without_comment(line: str) -> str:
    depth = 0
    for index, char in enumerate(line):
        if char == "<":
            depth += 1
        elif char == ">":
            depth = max(0, depth - 1)
        elif char == "#" and depth == 0:
            return line[:index]
    return line


def node_lines(text: str) -> dict[str, int]:
    """IRI -> the 1-based line where the node is first described (or first mentioned)."""
    prefixes: dict[str, str] = {}
    base: str | None = None
    starts: dict[str, int] = {}
    mentions: dict[str, int] = {}
    for number, raw in enumerate(_blank_strings(text).splitlines(), 1):
        line = _without_comment(raw)
        declared = _PREFIX.match(line)
        if declared:
            namespace = declared.group(2)
            prefixes[declared.group(1) or ""] = urljoin(base, namespace) if base else namespace
            continue
        based = _BASE.match(line)
        if based:
            base = urljoin(base, based.group(1)) if base else based.group(1)
            continue
        for match in _TOKEN.finditer(line):
            iri = _expand(match, prefixes, base)
            if iri is None:
                continue
            mentions.setdefault(iri, number)
            if not line[:match.start()].strip():
                starts.setdefault(iri, number)
    return {iri: starts.get(iri, line) for iri, line in mentions.items()}


def _expand(match: re.Match, prefixes: dict[str, str], base: str | None) -> str | None:
    full, prefix, local = match.group(1), match.group(2), match.group(3)
    if full is not None:
        return urljoin(base, full) if base and ":" not in full.split("/")[0] else full
    namespace = prefixes.get(prefix or "")
    if namespace is None:
        return None
    local = re.sub(r"\\(.)", r"\1", local or "")
    return namespace + local


def lines_for(text: str, iris: Iterable[str]) -> dict[str, int]:
    """The line of each of `iris` that the text describes or mentions."""
    found = node_lines(text)
    return {iri: found[iri] for iri in iris if iri in found}
