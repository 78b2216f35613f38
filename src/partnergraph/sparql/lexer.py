"""A small SPARQL 1.1 tokenizer and the questions asked of query texts: form, prologue, SERVICE.

The tokenizer never raises: text it cannot read becomes ERROR tokens of one character, and lexing goes
on after them. Questions asked of user queries in the service's main process (form, update or not,
prefixes, SERVICE) read the prologue only or scan with one regular expression, so their cost is linear
in the text with a small constant; whole-text tokenisation is for query texts partnergraph owns (canned
queries, read once) and for SERVICE clauses of queries an allow-list lets through (bounded in size).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple
from urllib.parse import urljoin

from partnergraph.errors import QuerySyntaxError

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})

_HEX4 = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"""\\[tbnrf\\"']"""
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = r"[^\W\d_](?:[\w.\-]*[\w\-])?"
_PN_LOCAL = rf"(?:[\w:]|{_PLX})(?:(?:[\w.:\-]|{_PLX})*(?:[\w:\-]|{_PLX}))?"
_EXPONENT = r"[eE][+-]?[0-9]+"

_TOKEN = re.compile(
    rf"""
    (?P<WS>[ \t\r\n]+)
  | (?P<COMMENT>\#[^\r\n]*)
  | (?P<IRI><(?:[^<>"{{}}|^`\\\x00-\x20]|{_HEX4})*>)
  | (?P<STRING>
        '''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_HEX4}))*'''
      | \"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_HEX4}))*\"\"\"
      | '(?:[^'\\\r\n]|{_ECHAR}|{_HEX4})*'
      | "(?:[^"\\\r\n]|{_ECHAR}|{_HEX4})*"
    )
  | (?P<VAR>[?$]\w+)
  | (?P<BNODE>_:\w(?:[\w.\-]*[\w\-])?)
  | (?P<PNAME>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
  | (?P<NUMBER>[0-9]+\.[0-9]*{_EXPONENT}|\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}|[0-9]*\.[0-9]+|[0-9]+)
  | (?P<LANGTAG>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<WORD>[^\W\d]\w*)
  | (?P<PUNCT>\^\^|&&|\|\||!=|<=|>=|[{{}}()\[\].,;*+\-/!=<>|^?$@])
  | (?P<ERROR>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UCHAR = re.compile(_HEX4)
_SKIP = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)+")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SERVICE = re.compile("service", re.IGNORECASE)
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_NOT_NESTING = re.compile(
    r"'''.*?'''" r'|""".*?"""' r"|'(?:[^'\\\n]|\\.)*'" r'|"(?:[^"\\\n]|\\.)*"' r"|#[^\n]*|<[^<>\s]*>"
    r"""|[^(){}\[\]"'#<]+|["'#<]""",
    re.DOTALL)
_AS_PARENS = str.maketrans("{[}]", "(())")


class Token(NamedTuple):
    """One lexical token: its kind, its exact text and where it sits in the query."""

    kind: str
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        """True when this is a bare word equal (case-insensitively) to one of `words`."""
        return self.kind == "WORD" and self.text.upper() in words

    def is_punct(self, text: str) -> bool:
        """True when this is the punctuation `text`."""
        return self.kind == "PUNCT" and self.text == text


def tokenize(text: str) -> Iterator[Token]:
    """All tokens of `text`, comments and whitespace included, in order."""
    pos, end = 0, len(text)
    while pos < end:
        match = _TOKEN.match(text, pos)
        assert match is not None  # the ERROR alternative matches any character
        yield Token(match.lastgroup or "ERROR", match.group(), pos, match.end())
        pos = match.end()


def significant_tokens(text: str) -> tuple[Token, ...]:
    """The tokens of `text` without whitespace and comments."""
    return tuple(t for t in tokenize(text) if t.kind not in ("WS", "COMMENT"))


def position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (both from 1) of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def syntax_error(text: str, message: str, offset: int) -> QuerySyntaxError:
    line, column = position(text, offset)
    return QuerySyntaxError(f"{message} (line {line}, column {column})",
                            details=[{"line": line, "column": column}])


def skip_prologue(tokens: Sequence[Token], i: int) -> int:
    """Index of the first token after the BASE/PREFIX declarations starting at `i`."""
    while i < len(tokens):
        if tokens[i].is_word("BASE") and i + 1 < len(tokens) and tokens[i + 1].kind == "IRI":
            i += 2
        elif (tokens[i].is_word("PREFIX") and i + 2 < len(tokens) and tokens[i + 1].kind == "PNAME"
              and tokens[i + 2].kind == "IRI"):
            i += 3
        else:
            return i
    return i


def form_index(text: str, tokens: Sequence[Token]) -> int:
    """Index of the query-form keyword in a token list (QuerySyntaxError if none)."""
    i = skip_prologue(tokens, 0)
    if i < len(tokens) and tokens[i].is_word(*QUERY_FORMS):
        return i
    offset = tokens[i].start if i < len(tokens) else len(text)
    raise syntax_error(text, "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE", offset)


def _leading_tokens(text: str) -> Iterator[Token]:
    """Significant tokens from the start of `text`, one at a time (whitespace and comments skipped).

    For questions about the prologue and the first keyword: they read only as far as needed, so a
    long query costs no more than its prologue.
    """
    pos, end = 0, len(text)
    while pos < end:
        skipped = _SKIP.match(text, pos)
        if skipped:
            pos = skipped.end()
            continue
        match = _TOKEN.match(text, pos)
        assert match is not None  # the ERROR alternative matches any character
        yield Token(match.lastgroup or "ERROR", match.group(), pos, match.end())
        pos = match.end()


def _prologue(text: str) -> tuple[str | None, dict[str, str], Token | None]:
    """The BASE, the PREFIX declarations and the first token after them (None at the end of the text)."""
    base: str | None = None
    prefixes: dict[str, str] = {}
    tokens = _leading_tokens(text)
    token = next(tokens, None)
    while token is not None:
        if token.is_word("BASE"):
            iri = next(tokens, None)
            if iri is None or iri.kind != "IRI":
                break
            base = _resolve(_unescape_iri(iri.text[1:-1]), base)
        elif token.is_word("PREFIX"):
            name, iri = next(tokens, None), next(tokens, None)
            if name is None or iri is None or name.kind != "PNAME" or iri.kind != "IRI":
                break
            prefixes[name.text[:-1]] = _resolve(_unescape_iri(iri.text[1:-1]), base)
        else:
            break
        token = next(tokens, None)
    return base, prefixes, token


def query_form(text: str) -> str:
    """The form of a query: SELECT, ASK, CONSTRUCT or DESCRIBE (QuerySyntaxError if none).

    Reads the prologue and one keyword only: linear in the prologue, whatever follows.
    """
    first = _prologue(text)[2]
    if first is not None and first.is_word(*QUERY_FORMS):
        return first.text.upper()
    offset = first.start if first is not None else len(text)
    raise syntax_error(text, "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE", offset)


def is_update(text: str) -> bool:
    """True when `text` starts (after its prologue) with an update operation's keyword."""
    first = _prologue(text)[2]
    return first is not None and first.is_word(*UPDATE_KEYWORDS)


def _unescape_iri(body: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group()[2:], 16)), body)


def _resolve(reference: str, base: str | None) -> str:
    if base is None or re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", reference):
        return reference
    joined = urljoin(base, reference)
    return joined + "#" if reference.endswith("#") and not joined.endswith("#") else joined


def declared_prefixes(text: str) -> dict[str, str]:
    """The PREFIX declarations of a query's prologue: prefix (without colon) -> namespace IRI."""
    return _prologue(text)[1]


def nesting_depth(text: str, limit: int) -> int:
    """How deeply parentheses, braces and brackets nest outside strings, IRIs and comments; at most
    `limit + 1`. One regular expression and C-speed string passes: linear in the text.

    It guards the engine's recursive parser, which overflows its stack near 5,000 levels; a text that
    fools this reading can only crash the worker process it reaches, which is then replaced.
    """
    brackets = _NOT_NESTING.sub("", text).translate(_AS_PARENS)
    depth = 0
    while brackets and depth <= limit:
        shorter = brackets.replace("()", "")
        if len(shorter) == len(brackets):
            break
        brackets, depth = shorter, depth + 1
    return min(depth + brackets.count("("), limit + 1)  # opens never closed still nest the parser


# --- SERVICE -------------------------------------------------------------------------------------------


def unescape_codepoints(text: str) -> str:
    """`text` with SPARQL's \\u and \\U escapes decoded everywhere, as the grammar allows (section 19.2)."""
    if "\\u" not in text and "\\U" not in text:
        return text
    return _CODEPOINT.sub(lambda m: _codepoint(m.group(1) or m.group(2)), text)


def _codepoint(hex_digits: str) -> str:
    value = int(hex_digits, 16)
    return chr(value) if value <= 0x10FFFF else "\uFFFD"


def first_service_mention(text: str) -> int | None:
    """Offset (in the decoded text) of the first `service` in any case, anywhere, or None.

    Any occurrence counts: in a keyword, an IRI, a prefixed name, a string or a comment. One regular
    expression pass over the text (escapes decoded first), so its cost is linear with a small constant.
    """
    match = _SERVICE.search(unescape_codepoints(text))
    return match.start() if match else None


class ServiceClause(NamedTuple):
    """A `SERVICE [SILENT] <endpoint> {` clause as read by the tokenizer; endpoint None for a variable."""

    endpoint: str | None
    start: int


class StrayService(NamedTuple):
    """An occurrence of `service` that is not a SERVICE clause with a full IRI or a variable as target."""

    text: str
    start: int


def service_clauses(text: str) -> tuple[list[ServiceClause], list[StrayService]]:
    """Every token of `text` that contains `service`: the readable SERVICE clauses, and everything else.

    A clause counts only when the keyword is a token of its own, in ASCII letters, followed (after an
    optional SILENT) by a full IRI with a scheme or a variable, and then by `{`. Every other occurrence,
    a prefixed-name target or the word inside an IRI, a name, a string or a comment, is a stray: the
    caller refuses the query, so that no reading of the text on which the engine and this tokenizer
    disagree can hide a clause. The caller decodes \\u escapes or refuses them first.
    """
    every = list(tokenize(text))
    strays = [StrayService(t.text, t.start) for t in every if t.kind == "COMMENT" and _SERVICE.search(t.text)]
    tokens = [t for t in every if t.kind not in ("WS", "COMMENT")]
    clauses: list[ServiceClause] = []
    for i, token in enumerate(tokens):
        if not _SERVICE.search(token.text):
            continue
        clause = _service_clause(tokens, i) if token.text.isascii() and token.is_word("SERVICE") else None
        if clause is None:
            strays.append(StrayService(token.text, token.start))
        else:
            clauses.append(clause)
    strays.sort(key=lambda stray: stray.start)
    return clauses, strays


def _service_clause(tokens: Sequence[Token], i: int) -> ServiceClause | None:
    j = i + 1
    if j < len(tokens) and tokens[j].is_word("SILENT") and tokens[j].text.isascii():
        j += 1
    if j + 1 >= len(tokens) or not tokens[j + 1].is_punct("{"):
        return None
    target = tokens[j]
    if target.kind == "VAR":
        return ServiceClause(None, tokens[i].start)
    if target.kind == "IRI" and _ABSOLUTE_IRI.match(target.text[1:-1]):
        return ServiceClause(_unescape_iri(target.text[1:-1]), tokens[i].start)
    return None
