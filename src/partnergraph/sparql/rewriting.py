"""Rewriting query texts: VALUES blocks that bind variables to terms, and LIMIT/OFFSET for paging.

`QueryTemplate` reads a query text once and remembers where VALUES blocks and paging clauses go, so that
a canned query is tokenised when the catalogue loads and each request only joins strings. Terms are
written by `sparql.terms` (pyoxigraph's N-Triples form): values never become query syntax.
`bind_values` binds in every scope that sees a variable, for engines without a substitution API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from partnergraph.errors import QuerySyntaxError
from partnergraph.sparql.lexer import Token, form_index, significant_tokens, syntax_error
from partnergraph.sparql.terms import term_to_sparql

_VARNAME = re.compile(r"\w+")

Term = ox.NamedNode | ox.Literal


def _top_level_index(tokens: Sequence[Token], keyword: str, start: int = 0) -> int | None:
    depth = 0
    for i in range(start, len(tokens)):
        token = tokens[i]
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
    raise syntax_error(text, "unbalanced braces: a '{' is never closed", tokens[i].start)


def _where_brace(text: str, tokens: Sequence[Token]) -> tuple[int | None, bool]:
    """Index of the `{` opening the top-level WHERE pattern (None: a DESCRIBE without one); True if it is
    CONSTRUCT's short form."""
    i = form_index(text, tokens)
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
    if form == "DESCRIBE":
        return None, False
    raise syntax_error(text, f"the {form} query has no WHERE group pattern", len(text))


def _variable(name: str) -> str:
    name = name[1:] if name[:1] in "?$" else name
    if not _VARNAME.fullmatch(name):
        raise QuerySyntaxError(f"not a SPARQL variable name: {name!r}")
    return name


def values_block(variables: Sequence[str], rows: Sequence[Sequence[Term]]) -> str:
    """A `VALUES (?a ?b) { (t1 t2) ... }` block of RDF terms."""
    names = [_variable(v) for v in variables]
    lines = []
    for row in rows:
        if len(row) != len(names):
            raise QuerySyntaxError(f"a VALUES row has {len(row)} terms for {len(names)} variables")
        lines.append("(" + " ".join(term_to_sparql(term) for term in row) + ")")
    head = " ".join(f"?{name}" for name in names)
    return f"VALUES ({head}) {{ {' '.join(lines)} }}"


@dataclass(frozen=True)
class QueryTemplate:
    """A query text with the places where VALUES blocks and paging clauses go, found once."""

    text: str
    form: str
    tokens: tuple[Token, ...]
    where_open: int | None       # offset just after the top-level WHERE '{' (None: DESCRIBE without one)
    where_close: int | None      # offset of its matching '}'
    where_keyword: int | None    # offset of WHERE in CONSTRUCT's short form
    short_construct: bool
    subquery_first: bool         # the WHERE pattern starts with a sub-SELECT
    has_limit: bool
    has_offset: bool
    trailing_values: int | None  # offset of a top-level VALUES after the WHERE pattern

    @classmethod
    def read(cls, text: str) -> QueryTemplate:
        """Tokenise `text` once and find its insertion points (QuerySyntaxError if it has none)."""
        tokens = significant_tokens(text)
        form = tokens[form_index(text, tokens)].text.upper()
        brace, short = _where_brace(text, tokens)
        if brace is None:
            return cls(text, form, tokens, None, None, None, False, False, False, False, None)
        close = _matching_brace(text, tokens, brace)
        values = _top_level_index(tokens, "VALUES", close + 1)
        return cls(text, form, tokens, tokens[brace].end, tokens[close].start,
                   tokens[brace - 1].start if short else None, short,
                   brace + 1 < len(tokens) and tokens[brace + 1].is_word("SELECT"),
                   _top_level_index(tokens, "LIMIT") is not None,
                   _top_level_index(tokens, "OFFSET") is not None,
                   tokens[values].start if values is not None else None)

    @property
    def variables(self) -> set[str]:
        """Every variable name the text mentions."""
        return {t.text[1:] for t in self.tokens if t.kind == "VAR"}

    def render(self, values: Mapping[str, Sequence[Term]] | None = None, *, limit: int | None = None,
               offset: int | None = None) -> str:
        """The text with one VALUES block per entry first in its WHERE pattern, and LIMIT/OFFSET added."""
        blocks = " ".join(values_block([name], [[t] for t in terms]) for name, terms in (values or {}).items())
        text = self._with_values(blocks) if blocks else self.text
        paging = self._paging(limit, offset)
        if not paging:
            return text
        if self.trailing_values is not None:
            at = self.trailing_values + (len(text) - len(self.text))
            return f"{text[:at]}\n{paging}\n{text[at:]}"
        return f"{text}\n{paging}\n"

    def _with_values(self, block: str) -> str:
        text = self.text
        if self.where_open is None:  # DESCRIBE ?x without WHERE: give it one
            return f"{text.rstrip()}\nWHERE {{ {block} }}\n"
        start, end = self.where_open, self.where_close
        if self.short_construct:
            pattern = text[start:end]
            return f"{text[:self.where_keyword]}{{{pattern}}}\nWHERE {{ {block}\n{pattern}}}{text[end + 1:]}"
        if self.subquery_first:
            return f"{text[:start]} {block} {{{text[start:end]}}}\n{text[end:]}"
        return f"{text[:start]} {block}\n{text[start:]}"

    def _paging(self, limit: int | None, offset: int | None) -> str:
        clauses = []
        for keyword, value, present in (("LIMIT", limit, self.has_limit), ("OFFSET", offset, self.has_offset)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise QuerySyntaxError(f"{keyword} must be a non-negative integer, got {value!r}")
            if present:
                raise QuerySyntaxError(f"the query already has a top-level {keyword}")
            clauses.append(f"{keyword} {value}")
        return " ".join(clauses)


def bind_values(text: str, values: Mapping[str, Term]) -> str:
    """The query with VALUES blocks binding variable -> term in every scope that sees the variable.

    For engines without a substitution API (the remote backend): a top-level VALUES alone is not enough,
    since a subquery that projects the variable must be restricted inside too.
    """
    template = QueryTemplate.read(text)
    if template.where_open is None:
        return template.render({name: [term] for name, term in values.items()})
    return _bind_scope(text, values)


def _bind_scope(text: str, values: Mapping[str, Term]) -> str:
    """Bind in `text` (a query, or a subquery starting at SELECT), its subqueries first, last to first."""
    tokens = significant_tokens(text)
    for start, end in reversed(_subqueries(tokens)):
        inner = text[start:end]
        projected = _projected(significant_tokens(inner), values)
        if projected:
            text = text[:start] + _bind_scope(inner, projected) + text[end:]
    return QueryTemplate.read(text)._with_values(values_block(list(values), [list(values.values())]))


def _subqueries(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Character spans (SELECT to before its closing brace) of the outermost subqueries."""
    spans, i = [], 0
    while i < len(tokens) - 1:
        if tokens[i].is_punct("{") and tokens[i + 1].is_word("SELECT"):
            depth, j = 0, i
            for j in range(i, len(tokens)):
                depth += tokens[j].is_punct("{") - tokens[j].is_punct("}")
                if depth == 0:
                    break
            spans.append((tokens[i + 1].start, tokens[j].start))
            i = j
        i += 1
    return spans


def _projected(tokens: Sequence[Token], values: Mapping[str, Term]) -> dict[str, Term]:
    """The bound variables a subquery projects as they are (not computed with `AS ?var`)."""
    names: set[str] = set()
    depth = 0
    for token in tokens[1:]:
        if token.is_punct("{") or token.is_word("WHERE", "FROM"):
            break
        depth += token.is_punct("(") - token.is_punct(")")
        if depth == 0 and token.is_punct("*"):
            return dict(values)
        if depth == 0 and token.kind == "VAR":
            names.add(token.text[1:])
    return {name: term for name, term in values.items() if name in names}
