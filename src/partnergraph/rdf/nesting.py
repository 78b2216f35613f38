"""How deeply a JSON-LD or RDF/XML document nests, measured before it is parsed.

The JSON measure uses only byte operations that run in C over the whole body (replace, split, join,
translate), so it is fast and never holds the interpreter for long in Python code.

pyoxigraph's JSON-LD parser takes time quadratic in the nesting depth and overflows its stack (the
process dies) near 5,000 levels; its RDF/XML parser is quadratic too (20,000 levels of a 0.9 MB body:
seconds). The Turtle family is linear. So bodies in those two syntaxes are measured first, with passes
whose cost is linear in the body, and refused beyond a depth no real data reaches.
"""

from __future__ import annotations

import re
from xml.parsers import expat

_NOT_SYNTAX = bytes(b for b in range(256) if b not in b'"[]{}')
_AS_PARENS = bytes.maketrans(b"[{]}", b"(())")
_QUOTED = re.compile(rb'"[^"]*"')


def json_depth(data: bytes, limit: int) -> int:
    """The deepest nesting of objects and arrays in JSON text (strings skipped); `limit + 1` past `limit`.

    Every pass removes the innermost bracket pairs (one C-speed `replace`), so the number of passes that
    empties the brackets is the depth; opens never closed count too (the parser recurses into them
    before it finds the error), other unmatched brackets are left for the parser to report.
    """
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")  # escaped backslashes, then escaped quotes
    syntax = unescaped.translate(None, _NOT_SYNTAX)  # quotes and brackets only
    # Quotes alternate, so dropping adjacent ones drops strings without brackets (or joins two strings
    # with nothing between them); what is left of strings holds brackets, and one expression drops it.
    brackets = _QUOTED.sub(b"", syntax.replace(b'""', b"")).translate(_AS_PARENS)
    depth = 0
    while brackets and depth <= limit:
        shorter = brackets.replace(b"()", b"")
        if len(shorter) == len(brackets):  # what is left does not match: the parser reports it
            break
        brackets, depth = shorter, depth + 1
    return min(depth + brackets.count(b"("), limit + 1)  # opens never closed still nest the parser


def xml_depth(data: bytes, limit: int) -> int:
    """The deepest element nesting of an XML document (expat); stops past `limit`, 0 if it does not parse."""
    parser = expat.ParserCreate()
    state = {"depth": 0, "deepest": 0}

    class Deep(Exception):
        pass

    def start(name, attributes) -> None:
        state["depth"] += 1
        if state["depth"] > state["deepest"]:
            state["deepest"] = state["depth"]
            if state["deepest"] > limit:
                raise Deep

    def end(name) -> None:
        state["depth"] -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except Deep:
        pass
    except expat.ExpatError:  # the RDF/XML parser reports the syntax error with its position
        pass
    return state["deepest"]
