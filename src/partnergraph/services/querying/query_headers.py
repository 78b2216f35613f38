"""The YAML header of a canned query (`#+` lines) as pydantic models, and its reading from a `.rq` text.

The models say what a header may hold; `read_header` turns their validation errors into one
`InvalidCannedQuery` per file with a message that names the key and what is wrong with it.
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
import textwrap
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from partnergraph.errors import InvalidCannedQuery

ParamType = Literal["iri", "string", "date", "integer", "boolean", "enum"]
TYPE_KEYS = {"iri": {"iri_prefix"}, "date": {"partial"}, "integer": {"min", "max"},
             "string": {"max_length"}, "enum": {"values"}, "boolean": set()}
RESERVED_NAMES = frozenset({"limit", "offset", "format"})
"""Request parameters the HTTP API and CLI use for themselves (paging, output format)."""
PARAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


class ParamDeclaration(BaseModel):
    """One entry of `params:`: the parameter's type and options, as written."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: ParamType
    required: bool = False
    list: bool = False
    description: str = ""
    example: Any = None
    default: Any = None
    iri_prefix: str | None = None
    partial: bool = False
    min: int | None = None
    max: int | None = None
    max_length: int = 1000
    max_items: int | None = None
    values: builtins.list[str] | dict[str, str | None] | None = None  # `list` is a field name here

    @model_validator(mode="after")
    def _options_fit_the_type(self) -> ParamDeclaration:
        specific = set().union(*TYPE_KEYS.values())
        misplaced = sorted(k for k in self.model_fields_set & specific if k not in TYPE_KEYS[self.type])
        if misplaced:
            raise ValueError(f"key(s) {', '.join(misplaced)} do not apply to type {self.type}")
        if self.type == "enum" and not self.values:
            raise ValueError("values: expected a list of words, or a mapping word -> IRI, for type enum")
        if self.required and self.default is not None:
            raise ValueError("a required parameter cannot have a default")
        if self.example is None:
            raise ValueError("example: required (a value that returns rows on the bundled data)")
        for key in ("example", "default"):
            value = getattr(self, key)
            if isinstance(value, bool) and self.type != "boolean":
                raise ValueError(f"{key}: YAML read {value!r} as a boolean; write the value in quotes")
            if value is not None and len(as_strings(value)) != 1 and not self.list:
                raise ValueError(f"{key}: give one value (the parameter is not a list)")
        return self


class QueryHeader(BaseModel):
    """The header of a `.rq` file."""

    model_config = ConfigDict(extra="forbid")

    title: str
    summary: str
    description: str = ""
    tags: list[str] = []
    params: dict[str, ParamDeclaration] = {}

    @field_validator("title", "summary")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if not value.strip() or "\n" in value.strip():
            raise ValueError("required, one line of text")
        return value

    @field_validator("tags")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        if not all(value):
            raise ValueError("expected a list of words, e.g. [agreements, states]")
        return value

    @field_validator("params", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        for name in value:
            name = str(name)
            if not PARAM_NAME.match(name):
                raise ValueError(f"parameter {name}: names start with a letter and hold letters, digits and "
                                 "'_' (a SPARQL variable name)")
            if name in RESERVED_NAMES:
                raise ValueError(f"parameter {name}: the name is reserved for paging and output "
                                 f"({', '.join(sorted(RESERVED_NAMES))})")
        return value


def as_strings(value: object) -> list[str]:
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


def header_lines(text: str) -> list[str]:
    """The `#+` lines at the top of a query (after ordinary comments), without their `#+`."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#+"):
            lines.append(stripped[2:])
        elif stripped and not stripped.startswith("#"):
            break
    return lines


def parse_header(text: str, where: str = "<query>") -> dict:
    """The YAML mapping written in the leading `#+` comment lines of a query."""
    lines = header_lines(text)
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
    return header


def read_header(text: str, where: str) -> QueryHeader:
    """The checked header of a query text (InvalidCannedQuery naming the first problem)."""
    raw = parse_header(text, where)
    try:
        return QueryHeader.model_validate(raw)
    except ValidationError as exc:
        raise InvalidCannedQuery(where, _problem(exc, raw)) from None


def _problem(exc: ValidationError, raw: dict) -> str:
    errors = exc.errors()
    unknown = [str(e["loc"][-1]) for e in errors if e["type"] == "extra_forbidden"]
    if unknown and len(errors[0]["loc"]) == 1:
        return (f"unknown header key(s) {', '.join(unknown)}; allowed: "
                f"{', '.join(sorted(QueryHeader.model_fields))}")
    error = errors[0]
    loc = [str(part) for part in error["loc"]]
    message = error["msg"].removeprefix("Value error, ")
    if loc[0] == "params" and len(loc) >= 2:
        name = loc[1]
        if error["type"] == "extra_forbidden":
            keys = [str(e["loc"][-1]) for e in errors if e["type"] == "extra_forbidden" and str(e["loc"][1]) == name]
            return (f"parameter {name}: unknown key(s) {', '.join(keys)}; allowed: "
                    f"{', '.join(sorted(ParamDeclaration.model_fields))}")
        key = loc[2] if len(loc) > 2 else None
        if key == "type" and error["type"] == "literal_error":
            got = raw.get("params", {}).get(name, {}).get("type")
            return f"parameter {name}: type must be one of {', '.join(TYPE_KEYS)}, got {got!r}"
        if key in ("required", "list", "partial") and error["type"].startswith("bool"):
            return f"parameter {name}: {key} must be true or false"
        if key in ("min", "max", "max_length", "max_items") and error["type"].startswith("int"):
            return f"parameter {name}: {key} must be an integer"
        if key is None and error["type"] == "model_type":
            return f"parameter {name}: expected a mapping such as {{type: iri, required: true, example: SLV}}"
        if key == "values":
            return f"parameter {name}: values: expected a list of words, or a mapping word -> IRI, for type enum"
        return f"parameter {name}: {key + ': ' if key and error['type'] != 'value_error' else ''}{message}"
    if loc[0] == "params":
        return message if message.startswith("parameter ") else \
            "params: expected a mapping of parameter name -> {type: ...}"
    if loc[0] in ("title", "summary") and error["type"] in ("missing", "value_error", "string_type"):
        return f"{loc[0]}: required, one line of text"
    if loc[0] == "tags":
        return "tags: expected a list of words, e.g. [agreements, states]"
    if loc[0] == "description":
        return "description: expected text (Markdown)"
    return f"{'.'.join(loc)}: {message}"
