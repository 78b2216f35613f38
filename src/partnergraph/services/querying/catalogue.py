"""The canned-query catalogue: `queries/*.rq` files, their headers, and binding request values.

A canned query is plain SPARQL whose leading `#+` comment lines hold a YAML header (`query_headers`).
When the catalogue loads, each file's header is checked against its text and the text is read once into
a `QueryTemplate`. A request's values then go one way: checked and turned into RDF terms
(`parameters.to_term`), single values handed to the store as bindings (substitution of the variable of
the same name), list values and paging written in by the template. User input never becomes query text
by itself. See docs/queries.md for the header format.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from partnergraph.errors import (InvalidCannedQuery, InvalidParameter, PagingNotSupported, QueryNotFound,
                                 QuerySyntaxError)
from partnergraph.services.querying.parameters import ParamSpec, iri_term, to_term, typed_value
from partnergraph.services.querying.query_headers import ParamDeclaration, QueryHeader, as_strings, read_header
from partnergraph.sparql.lexer import Token
from partnergraph.sparql.rewriting import QueryTemplate
from partnergraph.store.contract import Term

log = logging.getLogger(__name__)

NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
DEFAULT_MAX_ITEMS = 100


@dataclass(frozen=True)
class PreparedQuery:
    """A canned query with a request's values: the text to run, the store bindings, the echoed params."""

    query: str
    template: QueryTemplate
    lists: dict[str, list[Term]]
    bindings: dict[str, Term]
    params_echo: dict[str, object]

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE."""
        return self.template.form

    @property
    def text(self) -> str:
        """The query text with the list values as VALUES blocks."""
        return self.template.render(self.lists)

    def paged(self, limit: int, offset: int = 0) -> str:
        """The text with `LIMIT limit+1 OFFSET offset`: a row beyond `limit` means a next page exists."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise PagingNotSupported("limit", f"expected a positive integer, got {limit!r}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise PagingNotSupported("offset", f"expected a non-negative integer, got {offset!r}")
        if self.form != "SELECT":
            raise PagingNotSupported(
                "limit", f"{self.query} is a {self.form} query; only SELECT queries can be paged")
        for clause, present in (("LIMIT", self.template.has_limit), ("OFFSET", self.template.has_offset)):
            if present:
                raise PagingNotSupported("limit", f"{self.query} sets its own {clause}; run it without paging")
        return self.template.render(self.lists, limit=limit + 1, offset=offset or None)

    def with_bindings_written(self) -> str:
        """The text with every value, single ones included, written as VALUES blocks (for an editor,
        which cannot send bindings)."""
        return self.template.render({**self.lists, **{name: [term] for name, term in self.bindings.items()}})


@dataclass(frozen=True)
class CannedQuery:
    """One `.rq` file: its header (title, summary, description, tags, params) and SPARQL text."""

    name: str
    path: Path
    title: str
    summary: str
    description: str
    tags: tuple[str, ...]
    params: dict[str, ParamSpec]
    template: QueryTemplate
    list_limits: dict[str, int] = field(default_factory=dict)

    @property
    def sparql(self) -> str:
        """The file's text."""
        return self.template.text

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE."""
        return self.template.form

    def example_params(self) -> dict[str, list[str]]:
        """The header's example values as a request would send them (name -> list of strings)."""
        return {name: as_strings(spec.example) for name, spec in self.params.items()
                if spec.example is not None}

    def max_items(self, name: str) -> int:
        """How many values a list parameter takes at most."""
        return self.list_limits.get(name, DEFAULT_MAX_ITEMS)

    def prepare(self, params: Mapping[str, Sequence[str] | str]) -> PreparedQuery:
        """Check request values against the header and bind them; raise InvalidParameter."""
        problems: list[InvalidParameter] = []
        for name in params:
            if name not in self.params:
                takes = ", ".join(self.params) or "no parameters"
                problems.append(InvalidParameter(name, f"unknown parameter; {self.name} takes: {takes}"))
        bindings: dict[str, Term] = {}
        lists: dict[str, list[Term]] = {}
        echo: dict[str, object] = {}
        for name, spec in self.params.items():
            raw = params.get(name, ())
            given = [v for v in ([raw] if isinstance(raw, str) else list(raw)) if v != ""]
            if not given and spec.default is not None:
                given = as_strings(spec.default)
            try:
                terms = self._check(spec, given)
            except InvalidParameter as exc:
                problems.append(exc)
                continue
            if not terms:
                continue
            if spec.list:
                lists[name] = [t for t, _ in terms]
                echo[name] = [typed_value(spec, t, r) for t, r in terms]
            else:
                bindings[name], raw_value = terms[0]
                echo[name] = typed_value(spec, bindings[name], raw_value)
        if problems:
            first = problems[0]
            first.details = [d for p in problems for d in p.details]
            raise first
        return PreparedQuery(self.name, self.template, lists, bindings, echo)

    def _check(self, spec: ParamSpec, given: list[str]) -> list[tuple[Term, str]]:
        if not given:
            if spec.required:
                example = f", e.g. {', '.join(as_strings(spec.example))}" if spec.example is not None else ""
                raise InvalidParameter(
                    spec.name, f"required but not given; expected {spec.expected()}{example}")
            return []
        if not spec.list and len(given) > 1:
            raise InvalidParameter(spec.name, f"given {len(given)} values; this parameter takes one")
        limit = self.max_items(spec.name)
        if len(given) > limit:
            raise InvalidParameter(spec.name, f"given {len(given)} values; at most {limit} are allowed")
        seen: dict[str, tuple[Term, str]] = {}
        for raw in given:
            term = to_term(spec, raw)
            seen.setdefault(str(term), (term, raw))
        return list(seen.values())


class Catalogue:
    """The canned queries of one directory, by name."""

    def __init__(self, queries: Mapping[str, CannedQuery]) -> None:
        self._queries = dict(sorted(queries.items()))

    @classmethod
    def from_directory(cls, path: str | Path) -> Catalogue:
        """Load and check every `*.rq` file of `path`; raise InvalidCannedQuery naming the bad file."""
        directory = Path(path)
        if not directory.is_dir():
            raise InvalidCannedQuery(str(directory), "not a directory of canned queries")
        queries = {}
        for file in sorted(directory.glob("*.rq")):
            query = load_query(file)
            queries[query.name] = query
        log.info("loaded %d canned queries from %s", len(queries), directory)
        return cls(queries)

    def names(self) -> list[str]:
        """The query names, sorted."""
        return list(self._queries)

    def get(self, name: str) -> CannedQuery:
        """The query called `name`; raise QueryNotFound."""
        try:
            return self._queries[name]
        except KeyError:
            raise QueryNotFound(f"no canned query is called {name!r}",
                                details=[{"query": name}]) from None

    def __iter__(self) -> Iterator[CannedQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, name: object) -> bool:
        return name in self._queries


def load_query(file: Path) -> CannedQuery:
    """Read one `.rq` file, check its header against its SPARQL text and read the text once."""
    where = str(file)
    if not NAME.match(file.stem):
        raise InvalidCannedQuery(where, "the file name must be kebab-case (lower-case words and '-')")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidCannedQuery(where, f"cannot read the file: {exc}") from exc
    header = read_header(text, where)
    try:
        template = QueryTemplate.read(text)
    except QuerySyntaxError as exc:
        raise InvalidCannedQuery(where, exc.message) from exc
    params = {name: _spec(name, declaration, where) for name, declaration in header.params.items()}
    _check_variables(list(template.tokens), template.form, params, where)
    if template.form == "SELECT" and not _has_top_level(template.tokens, "ORDER"):
        raise InvalidCannedQuery(where, "a SELECT canned query needs a top-level ORDER BY "
                                 "so that its rows and pages come in a stable order")
    limits = {name: d.max_items for name, d in header.params.items() if d.max_items is not None}
    return CannedQuery(name=file.stem, path=file, title=header.title, summary=header.summary,
                       description=header.description.strip(), tags=tuple(header.tags), params=params,
                       template=template, list_limits=limits)


def _has_top_level(tokens: Sequence[Token], keyword: str) -> bool:
    depth = 0
    for token in tokens:
        depth += token.is_punct("{") - token.is_punct("}")
        if depth == 0 and token.is_word(keyword):
            return True
    return False


def _spec(name: str, declaration: ParamDeclaration, where: str) -> ParamSpec:
    """The ParamSpec of a checked declaration; its example, default, prefix and values must be valid."""
    def bad(problem: str) -> InvalidCannedQuery:
        return InvalidCannedQuery(where, f"parameter {name}: {problem}")

    if declaration.iri_prefix is not None:
        try:
            iri_term(declaration.iri_prefix)
        except InvalidParameter as exc:
            raise bad(f"iri_prefix: {exc.reason}") from exc
    values = declaration.values or {}
    if isinstance(values, list):
        values = dict.fromkeys(values)
    for key, target in values.items():
        if target is not None:
            try:
                iri_term(str(target))
            except InvalidParameter as exc:
                raise bad(f"values: {key}: {exc.reason}") from exc
    spec = ParamSpec(
        name=name, type=declaration.type, required=declaration.required, list=declaration.list,
        description=declaration.description, example=declaration.example, default=declaration.default,
        iri_prefix=declaration.iri_prefix, partial=declaration.partial, min=declaration.min,
        max=declaration.max, max_length=declaration.max_length, values=values)
    for key in ("example", "default"):
        value = getattr(declaration, key)
        for raw in as_strings(value) if value is not None else []:
            try:
                to_term(spec, raw)
            except InvalidParameter as exc:
                raise bad(f"{key}: {exc.reason}") from exc
    return spec


def _check_variables(tokens: list[Token], form: str, params: Mapping[str, ParamSpec], where: str) -> None:
    variables = {t.text[1:] for t in tokens if t.kind == "VAR"}
    projected = _projection(tokens, form)
    for name, spec in params.items():
        if name not in variables:
            raise InvalidCannedQuery(where, f"parameter {name} binds ?{name}, which the query never uses")
        if not spec.list and projected is not None and name not in projected:
            raise InvalidCannedQuery(
                where, f"parameter {name}: ?{name} must be in the {form} projection, because the store "
                "substitutes single-valued parameters only for projected variables")
        for i, token in enumerate(tokens[:-3]):
            if not (token.is_word("BOUND", "BIND") and tokens[i + 1].is_punct("(")
                    and tokens[i + 2].kind == "VAR" and tokens[i + 2].text[1:] == name):
                continue
            if token.is_word("BOUND"):
                raise InvalidCannedQuery(
                    where, f"parameter {name}: Oxigraph decides BOUND(?{name}) before substitution "
                    f"(always false); test the value instead, e.g. COALESCE(<test on ?{name}>, true)")
            if tokens[i + 3].is_word("AS"):
                raise InvalidCannedQuery(
                    where, f"parameter {name}: BIND(?{name} AS ...) can copy nothing on Oxigraph when no "
                    f"pattern binds ?{name} first; use ?{name} in the patterns directly")


def _projection(tokens: list[Token], form: str) -> set[str] | None:
    """Variables a SELECT or DESCRIBE projects; None when every variable is (`*`) or for ASK/CONSTRUCT."""
    if form not in ("SELECT", "DESCRIBE"):
        return None
    start = next(i for i, t in enumerate(tokens) if t.is_word(form))
    names: set[str] = set()
    depth = 0
    for i in range(start + 1, len(tokens)):
        token = tokens[i]
        if depth == 0 and (token.is_punct("{") or token.is_word("WHERE", "FROM")):
            break
        if token.is_punct("("):
            depth += 1
        elif token.is_punct(")"):
            depth -= 1
        elif depth == 0 and token.is_punct("*"):
            return None
        elif token.kind == "VAR" and (depth == 0 or tokens[i - 1].is_word("AS")):
            names.add(token.text[1:])
    return names


__all__ = ["Catalogue", "CannedQuery", "PreparedQuery", "QueryHeader", "load_query"]
