"""Binding values in query text: a `VALUES` block in every scope of a query that sees the variable.

Used where the engine has no substitution API (the remote backend). A top-level `VALUES` alone is not
enough: a subquery that projects the variable must be restricted inside too, and `DESCRIBE ?x` with no
`WHERE` gets one. Terms arrive already serialised by `binding.term_to_sparql`.
"""

from __future__ import annotations

from collections.abc import Mapping

from partnergraph.store.sparql_lexer import (
    Token,
    insert_values,
    query_form,
    significant_tokens,
    values_block,
)


def bind_values(text: str, values: Mapping[str, str]) -> str:
    """The query with `VALUES` blocks binding variable name -> serialised term, in every scope that sees it."""
    tokens = significant_tokens(text)
    if query_form(text) == "DESCRIBE" and not any(t.is_punct("{") for t in tokens):
        return f"{text}\nWHERE {{ {values_block(list(values), [list(values.values())])} }}"
    return _bind_scope(text, tokens, values)


def _bind_scope(text: str, tokens: list[Token], values: Mapping[str, str]) -> str:
    """Bind in `text` (a query, or a subquery starting at SELECT), its subqueries first, last to first."""
    for start, end in reversed(_subqueries(tokens)):
        inner = text[start:end]
        inner_tokens = significant_tokens(inner)
        projected = _projected(inner_tokens, values)
        if projected:
            text = text[:start] + _bind_scope(inner, inner_tokens, projected) + text[end:]
    return insert_values(text, list(values), [list(values.values())])


def _subqueries(tokens: list[Token]) -> list[tuple[int, int]]:
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


def _projected(tokens: list[Token], values: Mapping[str, str]) -> dict[str, str]:
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
