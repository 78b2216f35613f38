"""The canned-query catalogue: `queries/*.rq` files, their `#+` YAML headers and parameter checking.

A canned query is plain SPARQL whose leading `#+` comment lines hold a YAML header (title, summary,
description, tags, params). Headers are checked when the catalogue loads; parameter values are checked
when a query is prepared. Single-valued parameters become store `bindings` (substitution of the
variable of the same name); list parameters become a VALUES block written from RDF terms. User input
never becomes query text by itself. See docs/queries.md for the header format.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from partnergraph.errors import (InvalidCannedQuery, InvalidParameter, PagingNotSupported,
                                 QueryNotFound, QuerySyntaxError)
from partnergraph.store.base import Term
from partnergraph.store.binding import TYPES, ParamSpec, iri_term, term_to_sparql, to_term, typed_value
from partnergraph.store.sparql_lexer import (Token, append_limit_offset, has_clause, insert_values,
                                             query_form, significant_tokens)

log = logging.getLogger(__name__)

NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
PARAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
HEADER_KEYS = {"title", "summary", "description", "tags", "params"}
PARAM_KEYS = {"type", "required", "list", "description", "example", "default", "iri_prefix", "partial",
              "min", "max", "max_length", "max_items", "values"}
TYPE_KEYS = {"iri": {"iri_prefix"}, "date": {"partial"}, "integer": {"min", "max"},
             "string": {"max_length"}, "enum": {"values"}, "boolean": set()}
DEFAULT_MAX_ITEMS = 100
# Request parameters the HTTP API and CLI use for themselves (paging, output format).
RESERVED_NAMES = frozenset({"limit", "offset", "format"})


@dataclass(frozen=True)
class PreparedQuery:
    """A canned query ready to run: text (VALUES inserted), store bindings, form and the echoed params."""

    query: str
    text: str
    bindings: dict[str, Term]
    form: str
    params_echo: dict[str, object]

    def paged(self, limit: int, offset: int = 0) -> str:
        """The text with `LIMIT limit+1 OFFSET offset`: a row beyond `limit` means a next page exists."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise PagingNotSupported("limit", f"expected a positive integer, got {limit!r}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise PagingNotSupported("offset", f"expected a non-negative integer, got {offset!r}")
        if self.form != "SELECT":
            raise PagingNotSupported(
                "limit", f"{self.query} is a {self.form} query; only SELECT queries can be paged")
        for clause in ("LIMIT", "OFFSET"):
            if has_clause(self.text, clause):
                raise PagingNotSupported(
                    "limit", f"{self.query} sets its own {clause}; run it without paging")
        return append_limit_offset(self.text, limit + 1, offset or None)


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
    sparql: str
    form: str
    list_limits: dict[str, int] = field(default_factory=dict)

    def example_params(self) -> dict[str, list[str]]:
        """The header's example values as a request would send them (name -> list of strings)."""
        return {name: _as_strings(spec.example) for name, spec in self.params.items()
                if spec.example is not None}

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
                given = _as_strings(spec.default)
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
        text = self.sparql
        for name, terms in lists.items():
            text = insert_values(text, [name], [[term_to_sparql(t)] for t in terms])
        return PreparedQuery(self.name, text, bindings, self.form, echo)

    def _check(self, spec: ParamSpec, given: list[str]) -> list[tuple[Term, str]]:
        if not given:
            if spec.required:
                example = f", e.g. {', '.join(_as_strings(spec.example))}" if spec.example is not None else ""
                raise InvalidParameter(
                    spec.name, f"required but not given; expected {spec.expected()}{example}")
            return []
        if not spec.list and len(given) > 1:
            raise InvalidParameter(spec.name, f"given {len(given)} values; this parameter takes one")
        limit = self.list_limits.get(spec.name, DEFAULT_MAX_ITEMS)
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
    """Read one `.rq` file, parse and check its header against its SPARQL text."""
    where = str(file)
    if not NAME.match(file.stem):
        raise InvalidCannedQuery(where, "the file name must be kebab-case (lower-case words and '-')")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidCannedQuery(where, f"cannot read the file: {exc}") from exc
    header = parse_header(text, where)
    try:
        form = query_form(text)
        tokens = significant_tokens(text)
    except QuerySyntaxError as exc:
        raise InvalidCannedQuery(where, exc.message) from exc
    params, limits = _params(header.get("params"), where)
    _check_variables(tokens, form, params, where)
    if form == "SELECT" and not has_clause(text, "ORDER"):
        raise InvalidCannedQuery(where, "a SELECT canned query needs a top-level ORDER BY "
                                 "so that its rows and pages come in a stable order")
    tags = header.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise InvalidCannedQuery(where, "tags: expected a list of words, e.g. [agreements, states]")
    return CannedQuery(name=file.stem, path=file, title=header["title"], summary=header["summary"],
                       description=header.get("description", "").strip(), tags=tuple(tags),
                       params=params, sparql=text, form=form, list_limits=limits)


def parse_header(text: str, where: str = "<query>") -> dict:
    """The YAML mapping written in the leading `#+` comment lines of a query."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#+"):
            lines.append(stripped[2:])
        elif stripped and not stripped.startswith("#"):
            break
    if not lines:
        raise InvalidCannedQuery(where, "no header: start the file with '#+ title: ...' lines")
    try:
        header = yaml.safe_load(textwrap.dedent("\n".join(lines)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (header line {mark.line + 1})" if mark is not None else ""
        raise InvalidCannedQuery(where, f"the header is not valid YAML{at}: "
                                 f"{getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(header, dict):
        raise InvalidCannedQuery(where, "the header must be a YAML mapping (key: value lines)")
    unknown = sorted(set(map(str, header)) - HEADER_KEYS)
    if unknown:
        raise InvalidCannedQuery(where, f"unknown header key(s) {', '.join(unknown)}; "
                                 f"allowed: {', '.join(sorted(HEADER_KEYS))}")
    for key in ("title", "summary"):
        value = header.get(key)
        if not isinstance(value, str) or not value.strip() or "\n" in value.strip():
            raise InvalidCannedQuery(where, f"{key}: required, one line of text")
    if not isinstance(header.get("description", ""), str):
        raise InvalidCannedQuery(where, "description: expected text (Markdown)")
    return header


def _params(declared: object, where: str) -> tuple[dict[str, ParamSpec], dict[str, int]]:
    if declared is None:
        return {}, {}
    if not isinstance(declared, dict):
        raise InvalidCannedQuery(where, "params: expected a mapping of parameter name -> {type: ...}")
    params, limits = {}, {}
    for name, options in declared.items():
        spec, max_items = _param(str(name), options, where)
        params[spec.name] = spec
        if max_items is not None:
            limits[spec.name] = max_items
    return params, limits


def _param(name: str, options: object, where: str) -> tuple[ParamSpec, int | None]:
    def bad(problem: str) -> InvalidCannedQuery:
        return InvalidCannedQuery(where, f"parameter {name}: {problem}")

    if not PARAM_NAME.match(name):
        raise bad("names start with a letter and hold letters, digits and '_' (a SPARQL variable name)")
    if name in RESERVED_NAMES:
        raise bad(f"the name is reserved for paging and output ({', '.join(sorted(RESERVED_NAMES))})")
    if not isinstance(options, dict):
        raise bad("expected a mapping such as {type: iri, required: true, example: SLV}")
    unknown = sorted(set(map(str, options)) - PARAM_KEYS)
    if unknown:
        raise bad(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(PARAM_KEYS))}")
    kind = options.get("type")
    if kind not in TYPES:
        raise bad(f"type must be one of {', '.join(TYPES)}, got {kind!r}")
    misplaced = sorted(k for k in set(options) & set().union(*TYPE_KEYS.values()) if k not in TYPE_KEYS[kind])
    if misplaced:
        raise bad(f"key(s) {', '.join(misplaced)} do not apply to type {kind}")
    for key in ("required", "list", "partial"):
        if not isinstance(options.get(key, False), bool):
            raise bad(f"{key} must be true or false")
    for key in ("min", "max", "max_length", "max_items"):
        if key in options and (isinstance(options[key], bool) or not isinstance(options[key], int)):
            raise bad(f"{key} must be an integer")
    if not isinstance(options.get("description", ""), str):
        raise bad("description must be text")
    prefix = options.get("iri_prefix")
    if prefix is not None:
        if not isinstance(prefix, str):
            raise bad("iri_prefix must be an IRI in quotes")
        try:
            iri_term(prefix)
        except InvalidParameter as exc:
            raise bad(f"iri_prefix: {exc.reason}") from exc
    values = _enum_values(options.get("values"), kind, bad)
    if options.get("required") and options.get("default") is not None:
        raise bad("a required parameter cannot have a default")
    spec = ParamSpec(
        name=name, type=kind, required=options.get("required", False), list=options.get("list", False),
        description=options.get("description", ""), example=options.get("example"),
        default=options.get("default"), iri_prefix=prefix, partial=options.get("partial", False),
        min=options.get("min"), max=options.get("max"), max_length=options.get("max_length", 1000),
        values=values)
    if spec.example is None:
        raise bad("example: required (a value that returns rows on the bundled data)")
    for key in ("example", "default"):
        value = options.get(key)
        if value is None:
            continue
        if isinstance(value, bool) and kind != "boolean":
            raise bad(f"{key}: YAML read {value!r} as a boolean; write the value in quotes")
        strings = _as_strings(value)
        if len(strings) != 1 and not spec.list:
            raise bad(f"{key}: give one value (the parameter is not a list)")
        for raw in strings:
            try:
                to_term(spec, raw)
            except InvalidParameter as exc:
                raise bad(f"{key}: {exc.reason}") from exc
    return spec, options.get("max_items")


def _enum_values(values: object, kind: str, bad) -> dict[str, str | None]:
    if kind != "enum":
        return {}
    if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
        return dict.fromkeys(values)
    if isinstance(values, dict) and values and all(isinstance(k, str) for k in values):
        for key, target in values.items():
            if target is not None:
                try:
                    iri_term(str(target))
                except InvalidParameter as exc:
                    raise bad(f"values: {key}: {exc.reason}") from exc
        return {k: (str(v) if v is not None else None) for k, v in values.items()}
    raise bad("values: expected a list of words, or a mapping word -> IRI, for type enum")


def _as_strings(value: object) -> list[str]:
    """Header values (YAML scalars or lists; YAML reads 2019-09-20 as a date) as request strings."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (dt.date, dt.datetime)):
            out.append(item.isoformat())
        else:
            out.append(str(item))
    return out


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
