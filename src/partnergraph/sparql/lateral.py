"""Rewriting the patterns inside EXISTS so that Oxigraph evaluates them with the outer bindings.

Oxigraph 0.5 evaluates `EXISTS { P }` once per outer solution, starting from that solution's bindings, but
it does not reorder the joins inside P: each join of P's triple patterns stays a hash join whose two sides
are evaluated on their own (a sequence path too: `?x p/q ?y` is a join of `?x p ?v` and `?v q ?y`). A
triple pattern that shares no variable with the outer solution is then read in full once per outer
solution, so a constraint over n focus nodes costs n times the size of the store.

`lateral_exists` rewrites every basic graph pattern inside an EXISTS group, at any depth, into a chain
`LATERAL { tp1 } LATERAL { tp2 } ...` (SEP-0006, which Oxigraph evaluates as a for-loop join: each pattern
with the bindings of those before it), with top-level sequence paths split into triple patterns over fresh
variables, in an order where each pattern is joined on a variable already bound whenever one is. Over
triple patterns a LATERAL gives the solutions of the join, in another order; EXISTS only asks whether
there is one, and the fresh variables are seen by nothing but the chain. So the rewritten query has the
results of the original. Blocks the rewriter does not read (blank nodes, collections) stay as written.
The output is for Oxigraph only: LATERAL is not SPARQL 1.1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from partnergraph.sparql.lexer import Token, significant_tokens

FRESH_PREFIX = "pg_lateral_"
_ELEMENT_KEYWORDS = ("FILTER", "BIND", "OPTIONAL", "MINUS", "GRAPH", "SERVICE", "VALUES", "LATERAL", "UNION")
_CONSTANT_KINDS = ("IRI", "PNAME", "NUMBER")
_PATH_MODIFIERS = ("?", "*", "+")


class _Unreadable(Exception):
    """A block this module does not rewrite (it is kept as written)."""


@dataclass(frozen=True)
class _Pattern:
    """One triple pattern: subject, verb (a predicate or a path) and object as query text."""

    subject: str
    verb: str
    object: str
    subject_var: str | None  # the variable's name, None for a constant
    object_var: str | None
    verb_vars: tuple[str, ...]

    def variables(self) -> set[str]:
        return {v for v in (self.subject_var, self.object_var, *self.verb_vars) if v is not None}

    def anchoring(self, bound: set[str]) -> int:
        """How many of its ends are constants or bound variables."""
        return sum(1 for var in (self.subject_var, self.object_var) if var is None or var in bound)

    def text(self) -> str:
        return f"{self.subject} {self.verb} {self.object}"


def _name(token: Token) -> str:
    return token.text[1:]


def lateral_exists(text: str) -> str:
    """The query with every basic graph pattern inside EXISTS / NOT EXISTS written as a LATERAL chain."""
    tokens = significant_tokens(text)
    if not any(t.is_word("EXISTS") for t in tokens) or any(t.kind == "ERROR" for t in tokens):
        return text
    rewriter = _Rewriter(text, tokens)
    try:
        rewriter.check_balanced()
        body = rewriter.copy(0, len(tokens))
    except _Unreadable:  # unbalanced brackets: let the engine report the syntax error on the original
        return text
    return text[:tokens[0].start] + body if tokens else text


class _Rewriter:
    def __init__(self, text: str, tokens: Sequence[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.fresh = 0
        self.counts = Counter(_name(t) for t in tokens if t.kind == "VAR")

    # -- reading ----------------------------------------------------------------------------------------

    def _is(self, i: int, punct: str) -> bool:
        return i < len(self.tokens) and self.tokens[i].is_punct(punct)

    def _closing(self, i: int) -> int:
        """Index of the bracket closing the one at `i`."""
        pairs = {"{": "}", "(": ")", "[": "]"}
        opening = self.tokens[i].text
        depth = 0
        for j in range(i, len(self.tokens)):
            token = self.tokens[j]
            if token.kind != "PUNCT":
                continue
            if token.text in pairs:
                depth += 1
            elif token.text in pairs.values():
                depth -= 1
                if depth == 0:
                    if token.text != pairs[opening]:
                        raise _Unreadable
                    return j
        raise _Unreadable

    def check_balanced(self) -> None:
        """Raise _Unreadable unless every bracket of the text is closed by its own kind."""
        closing = {"{": "}", "(": ")", "[": "]"}
        stack = []
        for token in self.tokens:
            if token.kind != "PUNCT":
                continue
            if token.text in closing:
                stack.append(closing[token.text])
            elif token.text in closing.values() and (not stack or stack.pop() != token.text):
                raise _Unreadable
        if stack:
            raise _Unreadable

    def _span(self, a: int, b: int) -> str:
        """The original text of tokens a..b-1 (comments inside kept, with their line ends)."""
        return self.text[self.tokens[a].start:self.tokens[b - 1].end] if b > a else ""

    def _variables(self, a: int, b: int) -> Counter:
        return Counter(_name(t) for t in self.tokens[a:b] if t.kind == "VAR")

    # -- writing ----------------------------------------------------------------------------------------

    def copy(self, a: int, b: int) -> str:
        """Tokens a..b-1 as written, except the EXISTS groups among them, which are rewritten."""
        parts, i, start = [], a, a
        while i < b:
            if self.tokens[i].is_word("EXISTS") and self._is(i + 1, "{"):
                close = self._closing(i + 1)
                inner = self._variables(i + 2, close)
                outer = {v for v, n in self.counts.items() if n > inner.get(v, 0)}
                parts.append(self.text[self.tokens[start].start:self.tokens[i + 1].end])
                parts.append(" " + self.group(i + 2, close, outer) + " ")
                start = i = close
                continue
            i += 1
        if start < b:
            parts.append(self.text[self.tokens[start].start:self.tokens[b - 1].end])
        return "".join(parts)

    def group(self, a: int, b: int, bound: set[str]) -> str:
        """The elements of a group inside an EXISTS, its basic graph patterns as LATERAL chains."""
        if a < b and self.tokens[a].is_word("SELECT"):
            return self.copy(a, b)  # a sub-query keeps its own scope
        bound = set(bound)
        parts, i = [], a
        while i < b:
            token = self.tokens[i]
            if token.is_punct("{"):
                close = self._closing(i)
                parts.append("{ " + self.group(i + 1, close, bound) + " }")
                i = close + 1
            elif token.is_punct("."):
                i += 1
            elif token.is_word("OPTIONAL", "MINUS", "LATERAL", "UNION"):
                parts.append(token.text)
                i += 1
            elif token.is_word("GRAPH", "SERVICE"):
                j = i + 1
                while j < b and not self.tokens[j].is_punct("{"):
                    j += 1
                parts.append(self._span(i, j))
                i = j
            elif token.is_word("FILTER"):
                j = self._constraint_end(i + 1)
                parts.append(self.copy(i, j))
                i = j
            elif token.is_word("BIND"):
                j = self._closing(i + 1) + 1 if self._is(i + 1, "(") else i + 1
                bound |= set(self._variables(i, j))
                parts.append(self.copy(i, j))
                i = j
            elif token.is_word("VALUES"):
                j = i + 1
                while j < b and not self.tokens[j].is_punct("{"):
                    j += 1
                j = self._closing(j) + 1 if j < b else b
                bound |= set(self._variables(i, j))
                parts.append(self._span(i, j))
                i = j
            else:
                j = self._triples_end(i, b)
                parts.append(self._chain(i, j, bound))
                bound |= set(self._variables(i, j))
                i = j
        return " ".join(parts)

    def _constraint_end(self, i: int) -> int:
        """Index after a FILTER's constraint starting at `i`."""
        if i < len(self.tokens) and self.tokens[i].is_word("NOT"):
            i += 1
        if i < len(self.tokens) and self.tokens[i].is_word("EXISTS") and self._is(i + 1, "{"):
            return self._closing(i + 1) + 1
        if self._is(i, "("):
            return self._closing(i) + 1
        if self._is(i + 1, "("):  # a function call: name ( ... )
            return self._closing(i + 1) + 1
        raise _Unreadable

    def _triples_end(self, i: int, b: int) -> int:
        depth = 0
        while i < b:
            token = self.tokens[i]
            if token.kind == "PUNCT" and token.text in "([":
                depth += 1
            elif token.kind == "PUNCT" and token.text in ")]":
                depth -= 1
            elif depth == 0 and (token.is_punct("{") or token.is_punct("}") or token.is_word(*_ELEMENT_KEYWORDS)):
                return i
            i += 1
        return b

    def _chain(self, a: int, b: int, bound: set[str]) -> str:
        """A triples block as `LATERAL { tp }` elements, each joined on bound variables where possible."""
        try:
            patterns = self._patterns(a, b)
        except (_Unreadable, IndexError):
            return self.copy(a, b)
        ordered, known = [], set(bound)
        remaining = list(patterns)
        while remaining:
            best = max(range(len(remaining)), key=lambda k: (remaining[k].anchoring(known), -k))
            pattern = remaining.pop(best)
            ordered.append(pattern)
            known |= pattern.variables()
        return " ".join(f"LATERAL {{ {p.text()} }}" for p in ordered)

    # -- triples ----------------------------------------------------------------------------------------

    def _patterns(self, a: int, b: int) -> list[_Pattern]:
        patterns: list[_Pattern] = []
        i = a
        while i < b:
            subject, subject_var, i = self._term(i)
            while True:
                verb_end = self._verb_end(i)
                objects = []
                j = verb_end
                while True:
                    obj, obj_var, j = self._term(j)
                    objects.append((obj, obj_var))
                    if j < b and self.tokens[j].is_punct(","):
                        j += 1
                        continue
                    break
                for obj, obj_var in objects:
                    patterns += self._split(subject, subject_var, i, verb_end, obj, obj_var)
                i = j
                while i < b and self.tokens[i].is_punct(";"):
                    i += 1
                if i >= b or self.tokens[i].is_punct("."):
                    break
                if self.tokens[i - 1].is_punct(";"):
                    continue
                raise _Unreadable
            while i < b and self.tokens[i].is_punct("."):
                i += 1
        return patterns

    def _term(self, i: int) -> tuple[str, str | None, int]:
        """A subject or object: its text, its variable name (None for a constant) and the next index."""
        token = self.tokens[i]
        if token.kind == "VAR":
            return token.text, _name(token), i + 1
        if token.kind in _CONSTANT_KINDS or token.is_word("TRUE", "FALSE"):
            return token.text, None, i + 1
        if token.kind == "PUNCT" and token.text in "+-" and self.tokens[i + 1].kind == "NUMBER":
            return self._span(i, i + 2), None, i + 2
        if token.kind == "STRING":
            j = i + 1
            if self.tokens[j].kind == "LANGTAG":
                j += 1
            elif self.tokens[j].is_punct("^^") and self.tokens[j + 1].kind in ("IRI", "PNAME"):
                j += 2
            return self._span(i, j), None, j
        raise _Unreadable  # blank nodes, collections, anything else

    def _verb_end(self, i: int) -> int:
        if self.tokens[i].kind == "VAR":
            return i + 1
        return self._path_alternative(i)

    def _path_alternative(self, i: int) -> int:
        i = self._path_sequence(i)
        while self.tokens[i].is_punct("|"):
            i = self._path_sequence(i + 1)
        return i

    def _path_sequence(self, i: int) -> int:
        i = self._path_element(i)
        while self.tokens[i].is_punct("/"):
            i = self._path_element(i + 1)
        return i

    def _path_element(self, i: int) -> int:
        if self.tokens[i].is_punct("^"):
            i += 1
        token = self.tokens[i]
        if token.kind in ("IRI", "PNAME") or token.is_word("a"):
            i += 1
        elif token.is_punct("!"):
            i = self._closing(i + 1) + 1 if self._is(i + 1, "(") else self._path_element(i + 1)
            return i
        elif token.is_punct("("):
            end = self._path_alternative(i + 1)
            if not self.tokens[end].is_punct(")"):
                raise _Unreadable
            i = end + 1
        else:
            raise _Unreadable
        if self.tokens[i].kind == "PUNCT" and self.tokens[i].text in _PATH_MODIFIERS:
            i += 1
        return i

    def _top_level_steps(self, a: int, b: int) -> list[tuple[int, int]]:
        """The elements of a path that is one sequence at its top level (a single element otherwise)."""
        steps, depth, start = [], 0, a
        for j in range(a, b):
            token = self.tokens[j]
            if token.is_punct("("):
                depth += 1
            elif token.is_punct(")"):
                depth -= 1
            elif depth == 0 and token.is_punct("|"):
                return [(a, b)]
            elif depth == 0 and token.is_punct("/"):
                steps.append((start, j))
                start = j + 1
        steps.append((start, b))
        return steps

    def _split(self, subject: str, subject_var: str | None, a: int, b: int, obj: str,
               obj_var: str | None) -> list[_Pattern]:
        """`s p1/p2/.../pn o` as n triple patterns over fresh variables; other verbs as one pattern."""
        verb_vars = tuple(_name(t) for t in self.tokens[a:b] if t.kind == "VAR")
        steps = self._top_level_steps(a, b)
        patterns, current, current_var = [], subject, subject_var
        for n, (start, end) in enumerate(steps):
            if n == len(steps) - 1:
                following, following_var = obj, obj_var
            else:
                following_var = self._fresh_variable()
                following = "?" + following_var
            patterns.append(_Pattern(current, self._span(start, end), following, current_var, following_var,
                                     verb_vars))
            current, current_var = following, following_var
        return patterns

    def _fresh_variable(self) -> str:
        while True:
            self.fresh += 1
            name = f"{FRESH_PREFIX}{self.fresh}"
            if name not in self.counts:
                return name
