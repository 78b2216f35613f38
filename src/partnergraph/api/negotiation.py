"""HTTP content negotiation (RFC 9110 Accept with q-values and wildcards) among representations."""

from __future__ import annotations

from dataclasses import dataclass

from partnergraph.errors import NotAcceptable
from partnergraph.rdf.formats import NAME_ALIASES, Representation

RESPONSE_ALIASES = {**NAME_ALIASES, "n3": "turtle", "text/n3": "turtle"}
"""`?format=` names: N3 is asked for as Turtle, which every N3 reader reads."""


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> int:
        """Specificity of the match (3 exact, 2 type/*, 1 */*), 0 when it does not match."""
        mtype, _, msub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type == mtype and self.subtype == "*":
            return 2
        if self.type == mtype and self.subtype == msub:
            return 3
        return 0


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; an empty or missing header accepts everything."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        mtype, _, msub = media.partition("/")
        ranges.append(MediaRange(mtype.strip(), msub.strip(), q))
    return ranges


def negotiate(accept: str | None, offers: tuple[Representation, ...],
              format_override: str | list[str] | None = None) -> Representation:
    """Choose the representation to send: `?format=` wins, else the best Accept match (offer order breaks ties).

    `format_override` may hold several values, each a short name or a comma-separated list of names or
    media types (as some clients send); the first one available wins.
    """
    overrides = [format_override] if isinstance(format_override, str) else list(format_override or [])
    wanted = [w.strip().lower() for value in overrides for w in value.split(",") if w.strip()]
    if wanted:
        for name in wanted:
            name = RESPONSE_ALIASES.get(name, name)
            for offer in offers:
                if name == offer.name or name in offer.all_types():
                    return offer
        raise NotAcceptable(f"format {', '.join(overrides)!s} is not available for this result; "
                            f"use one of: {', '.join(o.name for o in offers)}")
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, offer in enumerate(offers):
        q, specificity = _quality(ranges, offer)
        if q <= 0:
            continue
        score = (q, specificity, -index)
        if best is None or score > best:
            best, chosen = score, offer
    if chosen is None:
        raise NotAcceptable(
            f"none of the accepted types ({accept}) is available; this result can be sent as: "
            + ", ".join(o.media_type for o in offers))
    return chosen


def _quality(ranges: list[MediaRange], offer: Representation) -> tuple[float, int]:
    """q and specificity of the most specific range matching the offer (aliases match exactly only)."""
    specificity, q = 0, 0.0
    for r in ranges:
        s = r.matches(offer.media_type)
        if not s:
            s = 3 if any(r.matches(alias) == 3 for alias in offer.aliases) else 0
        if s > specificity or (s == specificity and s and r.q > q):
            specificity, q = s, r.q
    return q, specificity
