"""A small SPARQL 1.1 tokenizer and the query inspections and rewrites built on it.

The tokenizer never raises: text it cannot read becomes ERROR tokens of one character, and lexing goes
on after them. That keeps the security checks conservative: a keyword inside a malformed string or IRI
is still seen as a keyword (the engine rejects such a query anyway).
"""

from __future__ import annotations

import functools

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
_PN_ESCAPE = re.compile(r"\\(.)")
# A SERVICE keyword the engine could read inside what looks like an IRI: after an expression's `<`
# (less-than), a `)` leaves the expression and `SERVICE?var`, `SERVICE$var` or `SERVICE#...` follows
# without any character an IRI cannot hold.
_HIDDEN_SERVICE = re.compile(r"\).*(?<![A-Za-z0-9_])service(?=[?$#]|$)", re.IGNORECASE | re.DOTALL)
_VARNAME = re.compile(r"\w+")


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


_CACHED_TEXT_LENGTH = 16_384  # longer texts are tokenised every time: the cache stays under ~100 MB


def significant_tokens(text: str) -> tuple[Token, ...]:
    """The tokens of `text` without whitespace and comments.

    Cached for texts up to _CACHED_TEXT_LENGTH characters: a request asks several questions of the same
    text (its form, its LIMIT, where to add one...), and tokenising in Python is the main cost of each
    (measured: 5 passes, ~2.5 ms, per canned-query call).
    """
    if len(text) <= _CACHED_TEXT_LENGTH:
        return _cached_tokens(text)
    return _tokens(text)


def _tokens(text: str) -> tuple[Token, ...]:
    return tuple(t for t in tokenize(text) if t.kind not in ("WS", "COMMENT"))


_cached_tokens = functools.lru_cache(maxsize=128)(_tokens)


def position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (both from 1) of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _syntax_error(text: str, message: str, offset: int) -> QuerySyntaxError:
    line, column = position(text, offset)
    return QuerySyntaxError(f"{message} (line {line}, column {column})",
                            details=[{"line": line, "column": column}])


def _skip_prologue(tokens: Sequence[Token], i: int) -> int:
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


def _form_index(text: str, tokens: Sequence[Token]) -> int:
    i = _skip_prologue(tokens, 0)
    if i < len(tokens) and tokens[i].is_word(*QUERY_FORMS):
        return i
    offset = tokens[i].start if i < len(tokens) else len(text)
    raise _syntax_error(text, "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE", offset)


def query_form(text: str) -> str:
    """The form of a query: SELECT, ASK, CONSTRUCT or DESCRIBE (QuerySyntaxError if none)."""
    tokens = significant_tokens(text)
    return tokens[_form_index(text, tokens)].text.upper()


def is_update(text: str) -> bool:
    """True when `text` is a SPARQL update: an operation starts with an update keyword."""
    tokens = significant_tokens(text)
    depth, operation_start = 0, 0
    for i, token in enumerate(tokens):
        if i == operation_start:
            first = _skip_prologue(tokens, i)
            if first < len(tokens) and tokens[first].is_word(*UPDATE_KEYWORDS):
                return True
        if token.is_punct("{"):
            depth += 1
        elif token.is_punct("}"):
            depth = max(depth - 1, 0)
        elif token.is_punct(";") and depth == 0:
            operation_start = i + 1
    return False


def _unescape_iri(body: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group()[2:], 16)), body)


def _resolve(reference: str, base: str | None) -> str:
    if base is None or re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", reference):
        return reference
    joined = urljoin(base, reference)
    return joined + "#" if reference.endswith("#") and not joined.endswith("#") else joined


def declared_prefixes(text: str) -> dict[str, str]:
    """The PREFIX declarations of a query or update: prefix (without colon) -> namespace IRI."""
    return _declarations(significant_tokens(text))[1]


def _declarations(tokens: Sequence[Token]) -> tuple[str | None, dict[str, str]]:
    base: str | None = None
    prefixes: dict[str, str] = {}
    for i, token in enumerate(tokens):
        if token.is_word("BASE") and i + 1 < len(tokens) and tokens[i + 1].kind == "IRI":
            base = _resolve(_unescape_iri(tokens[i + 1].text[1:-1]), base)
        elif (token.is_word("PREFIX") and i + 2 < len(tokens) and tokens[i + 1].kind == "PNAME"
              and tokens[i + 2].kind == "IRI"):
            prefixes[tokens[i + 1].text[:-1]] = _resolve(_unescape_iri(tokens[i + 2].text[1:-1]), base)
    return base, prefixes


def service_targets(text: str) -> list[str | None]:
    """The endpoint IRI of every SERVICE clause, in order; None where it is a variable or unknown."""
    tokens = significant_tokens(text)
    base: str | None = None
    prefixes: dict[str, str] = {}
    targets: list[str | None] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.is_word("BASE") and following is not None and following.kind == "IRI":
            base = _resolve(_unescape_iri(following.text[1:-1]), base)
        elif (token.is_word("PREFIX") and following is not None and following.kind == "PNAME"
              and i + 2 < len(tokens) and tokens[i + 2].kind == "IRI"):
            prefixes[following.text[:-1]] = _resolve(_unescape_iri(tokens[i + 2].text[1:-1]), base)
        elif token.kind == "IRI" and _HIDDEN_SERVICE.search(token.text[1:-1]):
            targets.append(None)
        elif token.is_word("SERVICE"):
            j = i + 1
            if j < len(tokens) and tokens[j].is_word("SILENT"):
                j += 1
            target = tokens[j] if j < len(tokens) else None
            if target is None or target.kind not in ("IRI", "PNAME"):
                targets.append(None)
            elif target.kind == "IRI":
                targets.append(_resolve(_unescape_iri(target.text[1:-1]), base))
            else:
                prefix, _, local = target.text.partition(":")
                if prefix not in prefixes:
                    raise _syntax_error(text, f"undefined prefix {prefix!r} in SERVICE {target.text}",
                                        target.start)
                targets.append(prefixes[prefix] + _PN_ESCAPE.sub(r"\1", local))
    return targets


def has_clause(text: str, keyword: str) -> bool:
    """True when the query has `keyword` (e.g. LIMIT, OFFSET) at its top level, outside subqueries."""
    return _top_level_index(significant_tokens(text), keyword.upper()) is not None


def _top_level_index(tokens: Sequence[Token], keyword: str) -> int | None:
    depth = 0
    for i, token in enumerate(tokens):
        if token.is_punct("{"):
            depth += 1
        elif token.is_punct("}"):
            depth -= 1
        elif depth == 0 and token.is_word(keyword):
            return i
    return None


def _matching_brace(text: str, tokens: Sequence[Token], i: int) -> int:
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].is_punct("{"):
            depth += 1
        elif tokens[j].is_punct("}"):
            depth -= 1
            if depth == 0:
                return j
    raise _syntax_error(text, "unbalanced braces: a '{' is never closed", tokens[i].start)


def _where_brace(text: str, tokens: Sequence[Token]) -> tuple[int, bool]:
    """Index of the `{` opening the top-level WHERE pattern; True if it is CONSTRUCT's short form."""
    i = _form_index(text, tokens)
    form = tokens[i].text.upper()
    i += 1
    if form == "CONSTRUCT" and i < len(tokens):
        if tokens[i].is_punct("{"):
            i = _matching_brace(text, tokens, i) + 1
        elif tokens[i].is_word("WHERE"):
            if i + 1 < len(tokens) and tokens[i + 1].is_punct("{"):
                return i + 1, True
    parens = 0
    for j in range(i, len(tokens)):
        if tokens[j].is_punct("("):
            parens += 1
        elif tokens[j].is_punct(")"):
            parens -= 1
        elif tokens[j].is_punct("{") and parens == 0:
            return j, False
    raise _syntax_error(text, f"the {form} query has no WHERE group pattern", len(text))


def _check_term(term: str) -> str:
    tokens = significant_tokens(term)
    kinds = [t.kind for t in tokens]
    ok = (kinds in (["IRI"], ["PNAME"], ["STRING"], ["NUMBER"], ["STRING", "LANGTAG"])
          or (len(tokens) == 1 and tokens[0].is_word("TRUE", "FALSE", "UNDEF"))
          or (len(tokens) == 2 and tokens[0].text in "+-" and kinds[1] == "NUMBER")
          or (len(tokens) == 3 and kinds[0] == "STRING" and tokens[1].is_punct("^^")
              and kinds[2] in ("IRI", "PNAME")))
    if not ok:
        raise QuerySyntaxError(f"not a single RDF term in SPARQL syntax: {term!r}")
    return term


def values_block(variables: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A `VALUES (?a ?b) { (t1 t2) ... }` block from serialised terms (each checked to be one term)."""
    names = [v[1:] if v[:1] in "?$" else v for v in variables]
    for name in names:
        if not _VARNAME.fullmatch(name):
            raise QuerySyntaxError(f"not a SPARQL variable name: {name!r}")
    lines = []
    for row in rows:
        if len(row) != len(names):
            raise QuerySyntaxError(f"a VALUES row has {len(row)} terms for {len(names)} variables")
        lines.append("(" + " ".join(_check_term(term) for term in row) + ")")
    head = " ".join(f"?{name}" for name in names)
    return f"VALUES ({head}) {{ {' '.join(lines)} }}"


def insert_values(text: str, variables: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The query with a VALUES block first in its top-level WHERE pattern (terms already serialised)."""
    block = values_block(variables, rows)
    tokens = significant_tokens(text)
    i, short_form = _where_brace(text, tokens)
    close = _matching_brace(text, tokens, i)
    open_end, close_start = tokens[i].end, tokens[close].start
    if short_form:
        template = text[open_end:close_start]
        where = tokens[i - 1].start
        return (f"{text[:where]}{{{template}}}\nWHERE {{ {block}\n{template}}}"
                f"{text[tokens[close].end:]}")
    if i + 1 < len(tokens) and tokens[i + 1].is_word("SELECT"):
        return (f"{text[:open_end]} {block} {{{text[open_end:close_start]}}}\n"
                f"{text[close_start:]}")
    return f"{text[:open_end]} {block}\n{text[open_end:]}"


def append_limit_offset(text: str, limit: int | None = None, offset: int | None = None) -> str:
    """The query with top-level LIMIT and/or OFFSET clauses added (QuerySyntaxError if already there)."""
    clauses = []
    for keyword, value in (("LIMIT", limit), ("OFFSET", offset)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise QuerySyntaxError(f"{keyword} must be a non-negative integer, got {value!r}")
        if has_clause(text, keyword):
            raise QuerySyntaxError(f"the query already has a top-level {keyword}")
        clauses.append(f"{keyword} {value}")
    if not clauses:
        return text
    tokens = significant_tokens(text)
    values = _top_level_index(tokens, "VALUES")
    if values is not None:
        at = tokens[values].start
        return f"{text[:at]}\n{' '.join(clauses)}\n{text[at:]}"
    return f"{text}\n{' '.join(clauses)}\n"
