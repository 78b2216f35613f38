"""Canned-query parameters: what each declared type accepts, and the RDF term a valid value becomes.

A value given by a user never becomes query text by itself: it is checked against its declared type,
turned into a pyoxigraph term here, and then either substituted by the store (`bindings`) or written
into a VALUES block by `sparql.terms`, which escapes every character the SPARQL grammar treats
specially. Reasons in `InvalidParameter` are written for the person who typed the value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from typing import Annotated, Literal as OneOf

from pydantic import Field, TypeAdapter
from pyoxigraph import Literal, NamedNode

from partnergraph import namespaces as ns
from partnergraph.errors import InvalidParameter

XSD_INTEGER = NamedNode(ns.XSD_INTEGER)
XSD_BOOLEAN = NamedNode(ns.XSD_BOOLEAN)
XSD_DATE = NamedNode(ns.XSD_DATE)
XSD_GYEARMONTH = NamedNode(ns.XSD_GYEAR_MONTH)
XSD_GYEAR = NamedNode(ns.XSD_GYEAR)

TYPES = ("iri", "string", "date", "integer", "boolean", "enum")

# Absolute http(s) IRI; no whitespace, control characters or the characters SPARQL/N-Triples forbid in IRIREF.
_IRI = re.compile(r"https?://[^\x00-\x20<>\"{}|^`\\\x7f]+\Z")
_IRI_FORBIDDEN = re.compile(r"[\x00-\x20<>\"{}|^`\\\x7f]")
# A short id appended to a declared prefix: slug segments, optionally one fragment ("agreement/x#end").
_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._~-]*"
_SHORT_ID = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*(?:#[A-Za-z0-9._~-]+)?\Z")
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_DATE = re.compile(r"(-?[0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_YEAR_MONTH = re.compile(r"(-?[0-9]{4})-([0-9]{2})\Z")
_YEAR = re.compile(r"-?[0-9]{4}\Z")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
DEFAULT_MAX_LENGTH = 1000


@dataclass(frozen=True)
class ParamSpec:
    """What a parameter accepts: the declared type and its options, as read from a query header."""

    name: str
    type: str
    required: bool = False
    list: bool = False
    description: str = ""
    example: object = None
    default: object = None
    iri_prefix: str | None = None
    partial: bool = False
    min: int | None = None
    max: int | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    values: Mapping[str, str | None] = field(default_factory=dict)

    def expected(self) -> str:
        """A phrase naming what a valid value looks like, for error messages and docs."""
        if self.type == "iri":
            if self.iri_prefix:
                example = self.example[0] if isinstance(self.example, list) else self.example
                return f"a short id (like {example or 'abc'}) or an absolute http(s) IRI"
            return "an absolute http(s) IRI without spaces or <>\"{}|^`\\ characters"
        if self.type == "string":
            return f"text of at most {self.max_length} characters"
        if self.type == "date":
            return ("a date as YYYY-MM-DD, YYYY-MM or YYYY" if self.partial
                    else "a date as YYYY-MM-DD")
        if self.type == "integer":
            if self.min is not None and self.max is not None:
                return f"an integer between {self.min} and {self.max}"
            if self.min is not None:
                return f"an integer of at least {self.min}"
            if self.max is not None:
                return f"an integer of at most {self.max}"
            return "an integer"
        if self.type == "boolean":
            return "true or false"
        if self.type == "enum":
            return "one of " + ", ".join(self.values)
        return self.type

    def value_schema(self, max_items: int | None = None) -> dict:
        """The JSON Schema of the parameter's value in a request (for the OpenAPI description)."""
        return TypeAdapter(self._value_type(max_items)).json_schema()

    def _value_type(self, max_items: int | None):
        if self.type == "integer":
            kind = Annotated[int, Field(ge=self.min, le=self.max)]
        elif self.type == "boolean":
            kind = bool
        elif self.type == "enum":
            kind = OneOf[tuple(self.values)]
        elif self.type == "date":
            pattern = r"^-?\d{4}(-\d{2}(-\d{2})?)?$" if self.partial else r"^-?\d{4}-\d{2}-\d{2}$"
            kind = Annotated[str, Field(pattern=pattern)]
        elif self.type == "iri" and not self.iri_prefix:
            kind = Annotated[str, Field(json_schema_extra={"format": "uri"})]
        elif self.type == "string":
            kind = Annotated[str, Field(max_length=self.max_length)]
        else:
            kind = str
        default = self.default if not self.list else None
        if default is not None:
            kind = Annotated[kind, Field(default=default)]
        return Annotated[list[kind], Field(max_length=max_items)] if self.list else kind


def to_term(spec: ParamSpec, raw: str) -> NamedNode | Literal:
    """Check one raw value against `spec` and return it as an RDF term; raise InvalidParameter."""
    if not isinstance(raw, str):
        raise InvalidParameter(spec.name, f"expected {spec.expected()}, got a {type(raw).__name__}")
    converter = _CONVERTERS.get(spec.type)
    if converter is None:
        raise InvalidParameter(spec.name, f"unknown parameter type {spec.type!r}")
    return converter(spec, raw)


def typed_value(spec: ParamSpec, term: NamedNode | Literal, raw: str) -> object:
    """The JSON-friendly echo of a validated value: int/bool for those types, the input text otherwise."""
    if spec.type == "integer":
        return int(term.value)
    if spec.type == "boolean":
        return term.value == "true"
    return raw.strip()


def _got(raw: str) -> str:
    shown = raw if len(raw) <= 60 else raw[:57] + "..."
    return repr(shown)


def _fail(spec: ParamSpec, raw: str, extra: str = "") -> InvalidParameter:
    reason = f"expected {spec.expected()}, got {_got(raw)}"
    return InvalidParameter(spec.name, reason + (f" ({extra})" if extra else ""))


def iri_term(value: str, *, param: str | None = None) -> NamedNode:
    """An absolute http(s) IRI as a NamedNode; refuses spaces and characters SPARQL forbids in IRIs."""
    if not _IRI.match(value):
        bad = _IRI_FORBIDDEN.search(value)
        if not value.startswith(("http://", "https://")):
            extra = "it must start with http:// or https://"
        elif bad:
            extra = f"the character {bad.group()!r} is not allowed in an IRI"
        else:
            extra = "it has no host"
        raise InvalidParameter(param, f"expected an absolute http(s) IRI, got {_got(value)} ({extra})")
    try:
        return NamedNode(value)
    except ValueError as exc:
        raise InvalidParameter(param, f"not a valid IRI: {_got(value)} ({exc})") from exc


def _iri(spec: ParamSpec, raw: str) -> NamedNode:
    value = raw.strip()
    if value.startswith(("http://", "https://")) or not spec.iri_prefix:
        return iri_term(value, param=spec.name)
    if not _SHORT_ID.match(value):
        raise _fail(spec, raw, "a short id uses letters, digits, '-', '.', '_', '~', '/' and one '#'")
    return iri_term(spec.iri_prefix + value, param=spec.name)


def _string(spec: ParamSpec, raw: str) -> Literal:
    if len(raw) > spec.max_length:
        raise InvalidParameter(spec.name, f"expected {spec.expected()}, got {len(raw)} characters")
    return Literal(raw)


def _date(spec: ParamSpec, raw: str) -> Literal:
    value = raw.strip()
    match = _DATE.match(value)
    if match:
        try:
            dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError as exc:
            raise _fail(spec, raw, str(exc)) from exc
        return Literal(value, datatype=XSD_DATE)
    if spec.partial:
        match = _YEAR_MONTH.match(value)
        if match:
            if not 1 <= int(match.group(2)) <= 12:
                raise _fail(spec, raw, "month must be 01..12")
            return Literal(value, datatype=XSD_GYEARMONTH)
        if _YEAR.match(value):
            return Literal(value, datatype=XSD_GYEAR)
    elif _YEAR_MONTH.match(value) or _YEAR.match(value):
        raise _fail(spec, raw, "this parameter needs a full date")
    raise _fail(spec, raw)


def _integer(spec: ParamSpec, raw: str) -> Literal:
    value = raw.strip()
    if not _INTEGER.match(value):
        raise _fail(spec, raw)
    number = int(value)
    if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
        raise _fail(spec, raw)
    return Literal(str(number), datatype=XSD_INTEGER)


def _boolean(spec: ParamSpec, raw: str) -> Literal:
    value = raw.strip().lower()
    if value in _TRUE:
        return Literal("true", datatype=XSD_BOOLEAN)
    if value in _FALSE:
        return Literal("false", datatype=XSD_BOOLEAN)
    raise _fail(spec, raw)


def _enum(spec: ParamSpec, raw: str) -> NamedNode | Literal:
    value = raw.strip()
    if value not in spec.values:
        raise _fail(spec, raw)
    target = spec.values[value]
    return iri_term(target, param=spec.name) if target else Literal(value)


_CONVERTERS = {"iri": _iri, "string": _string, "date": _date, "integer": _integer,
               "boolean": _boolean, "enum": _enum}
