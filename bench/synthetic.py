"""Deterministic synthetic data for partnergraph benchmarks, scaled from the real model.

The generator builds a fictional region with the same classes, properties, IRI patterns and concept
schemes as `data/` (see docs/ontology.md): sovereign states with user-assigned ISO codes, government bodies
nested 1-3 levels, posts with timelines of tenures (OWL-Time intervals, some partial dates, some acting,
some open-ended), agreements of every subclass with their parties, signatures, status changes and events,
frameworks and participations, policies, partnerships, places, publishers and source documents. Every
node of a domain class cites at least one source. Data IRIs are `pgid:<kind>/syn-<slug>` so synthetic
data can never be mistaken for, or collide with, curated data.

All dates are generated as true full dates first and only then truncated to gYearMonth/gYear, so no
date rule (signing before entry into force, interval order, participation order) can fail with
certainty. Signatories mostly hold a tenure that certainly covers the signing date; a few have no
recorded tenure (the SignatoryTenureUnknownRule warning), as in real data.

    python bench/synthetic.py --triples 100000 --out bench/out/syn-100k.nt

The size lands within a few triples of the target (every triple is distinct). The same seed and target
always give byte-identical output.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

# --- namespaces (kept local so the generator runs without the package installed) ---------------------
PG = "https://w3id.org/partnergraph/ontology#"
PGC = "https://w3id.org/partnergraph/concept/"
PGID = "https://w3id.org/partnergraph/id/"
ORG = "http://www.w3.org/ns/org#"
TIME = "http://www.w3.org/2006/time#"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _i(iri: str) -> str:
    return f"<{iri}>"


A = _i(RDF + "type")
# classes
C_STATE = _i(PG + "SovereignState")
C_BODY = _i(PG + "GovernmentBody")
C_IO = _i(PG + "InternationalOrganization")
C_NEWS = _i(PG + "NewsOrganization")
C_PLACE = _i(PG + "Place")
C_PERSON = _i(FOAF + "Person")
C_POST = _i(ORG + "Post")
C_TENURE = _i(PG + "PostTenure")
C_SIGNATURE = _i(PG + "Signature")
C_EVENT = _i(PG + "Event")
C_STATUS_CHANGE = _i(PG + "StatusChange")
C_FRAMEWORK = _i(PG + "Framework")
C_PARTICIPATION = _i(PG + "FrameworkParticipation")
C_POLICY = _i(PG + "Policy")
C_PARTNERSHIP = _i(PG + "Partnership")
C_SOURCE = _i(PG + "SourceDocument")
C_INTERVAL = _i(TIME + "Interval")
C_INSTANT = _i(TIME + "Instant")
AGREEMENT_CLASSES = {
    "cooperative": _i(PG + "CooperativeAgreement"),
    "aca": _i(PG + "AsylumCooperativeAgreement"),
    "loi": _i(PG + "LetterOfIntent"),
    "moc": _i(PG + "MemorandumOfCooperation"),
    "declaration": _i(PG + "JointDeclaration"),
    "arrangement": _i(PG + "Arrangement"),
    "agreement": _i(PG + "Agreement"),  # the curated data also types a few agreements with the base class only
}
# properties
P_PREF = _i(SKOS + "prefLabel")
P_ALT = _i(SKOS + "altLabel")
P_NOTE = _i(SKOS + "editorialNote")
P_ISO2 = _i(PG + "isoAlpha2Code")
P_ISO3 = _i(PG + "isoAlpha3Code")
P_SUBORG = _i(ORG + "subOrganizationOf")
P_NAME = _i(FOAF + "name")
P_POST_IN = _i(ORG + "postIn")
P_ROLE = _i(ORG + "role")
P_MEMBER = _i(ORG + "member")
P_POST = _i(PG + "post")
P_ACTING = _i(PG + "isActing")
P_DURING = _i(ORG + "memberDuring")
P_BEGIN = _i(TIME + "hasBeginning")
P_END = _i(TIME + "hasEnd")
P_IN_DATE = {"D": _i(TIME + "inXSDDate"), "M": _i(TIME + "inXSDgYearMonth"), "Y": _i(TIME + "inXSDgYear")}
P_PARTY = _i(PG + "hasParty")
P_TITLE = _i(DCT + "title")
P_SIGNING_DATE = _i(PG + "signingDate")
P_SIGNING_PLACE = _i(PG + "signingPlace")
P_EIF = _i(PG + "entryIntoForceDate")
P_BINDING = _i(PG + "isLegallyBinding")
P_FOLLOWS = _i(PG + "follows")
P_REFERS_TO = _i(PG + "refersTo")
P_IMPLEMENTS = _i(PG + "implements")
P_NEGOTIATED_BY = _i(PG + "negotiatedBy")
P_SUBJECT = _i(DCT + "subject")
P_DESCRIPTION = _i(DCT + "description")
P_OF_AGREEMENT = _i(PG + "ofAgreement")
P_SIGNATORY = _i(PG + "signatory")
P_ON_BEHALF_OF = _i(PG + "onBehalfOf")
P_IN_CAPACITY_OF = _i(PG + "inCapacityOf")
P_CONCERNS = _i(PG + "concerns")
P_EVENT_TYPE = _i(PG + "eventType")
P_NEW_STATUS = _i(PG + "newStatus")
P_DATE = _i(PG + "date")
P_NOT_LATER_THAN = _i(PG + "notLaterThan")
P_PLACE = _i(PG + "place")
P_ACTOR = _i(PG + "actor")
P_FRAMEWORK = _i(PG + "framework")
P_PARTICIPANT = _i(PG + "participant")
P_MODE = _i(PG + "participationMode")
P_START = _i(PG + "startDate")
P_END_DATE = _i(PG + "endDate")
P_ADOPTION_DATE = _i(PG + "adoptionDate")
P_ADOPTED_AT = _i(PG + "adoptedAt")
P_FRAMEWORK_TYPE = _i(PG + "frameworkType")
FRAMEWORK_LINKS = [_i(PG + p) for p in
                   ("regionalApplicationOf", "setOutIn", "incorporates", "contributesTo", "establishedBy")]
P_LOCATED_IN = _i(PG + "locatedIn")
P_IN_STATE = _i(PG + "inState")
P_CONFLICTS = _i(PG + "conflictsWith")
P_DERIVED = _i(PROV + "wasDerivedFrom")
P_PAGE = _i(FOAF + "page")
P_PUBLISHER = _i(DCT + "publisher")
P_ISSUED = _i(DCT + "issued")
P_TYPE = _i(DCT + "type")

TRUE = f'"true"^^<{XSD}boolean>'
FALSE = f'"false"^^<{XSD}boolean>'


def concept(scheme: str, slug: str) -> str:
    """The N-Triples form of the concept pgc:<scheme>/<slug>."""
    return _i(f"{PGC}{scheme}/{slug}")


TOPICS = ["smuggling", "human-trafficking", "border-security", "protection-capacity", "asylum",
          "irregular-migration", "transnational-organized-crime", "information-sharing", "law-enforcement",
          "legal-pathways", "economic-development", "refugee-protection", "migration-governance"]
ROLES = ["secretary", "minister", "president", "ambassador", "commissioner", "foreign-minister"]
STATUSES = ["signed", "in-force", "transfers-paused", "suspended", "termination-initiated", "terminated",
            "never-implemented", "announced", "in-effect", "enrolment-suspended"]
EVENT_TYPES = ["signing", "entry-into-force", "first-transfer", "implementation-accord", "suspension",
               "termination", "announcement", "implementation-memo", "court-decision", "termination-memo",
               "adoption", "launch", "ministerial-meeting", "statement", "vote"]
MODES = ["founding-member", "joined", "endorsed", "signatory-at-launch", "support-platform-member", "chair",
         "pro-tempore-presidency", "voted-in-favour", "voted-against", "abstained", "secretariat"]
DOCUMENT_TYPES = ["press-release", "joint-statement", "agreement-text", "fact-sheet", "news-article",
                  "web-page", "resolution", "legal-analysis", "official-statement", "federal-register-notice",
                  "treaty-series"]
FRAMEWORK_TYPES = ["declaration", "framework", "compact", "regional-framework", "support-platform"]

# ISO 3166-1 user-assigned code elements only (never a real country): alpha-2 AA, QM-QZ, XA-XZ, ZZ.
_ALPHA2 = ["AA"] + [f"Q{c}" for c in "MNOPQRSTUVWXYZ"] + [f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + ["ZZ"]
STATE_CODES = [(a2, a2 + "S") for a2 in _ALPHA2]  # alpha-3 = alpha-2 + "S" (QMS, XAS...), all user-assigned

_ONSETS = ["b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "tr", "ch", "gu"]
_VOWELS = ["a", "e", "i", "o", "u", "ia", "ue"]
_CODAS = ["", "", "n", "r", "s", "l"]
_MINISTRIES = [
    ("Ministry of Foreign Affairs", "Ministerio de Relaciones Exteriores", "foreign-minister"),
    ("Ministry of the Interior", "Ministerio del Interior", "minister"),
    ("Ministry of Security", "Ministerio de Seguridad", "minister"),
    ("Department of Homeland Affairs", "Departamento de Asuntos Internos", "secretary"),
    ("Ministry of Justice", "Ministerio de Justicia", "minister"),
    ("Ministry of Labour", "Ministerio de Trabajo", "minister"),
    ("Ministry of Development", "Ministerio de Desarrollo", "minister"),
]
_AGENCIES = ["Directorate General of Migration", "Border Police", "National Refugee Commission",
             "Coast Guard", "Customs Service", "Immigration Service", "Office of Consular Affairs",
             "Anti-Trafficking Unit", "Intelligence Office", "Office of Policy", "Returns Office",
             "Asylum Office", "Labour Mobility Office", "Regional Office"]
_DOC_TYPE_BY_PUBLISHER = {"gov": ["press-release", "press-release", "joint-statement", "fact-sheet",
                                  "official-statement", "agreement-text", "federal-register-notice"],
                          "news": ["news-article", "news-article", "news-article", "legal-analysis"],
                          "io": ["web-page", "resolution", "treaty-series", "press-release"]}

WINDOW_END = date(2024, 12, 31).toordinal()
MIN_TRIPLES = 1_000  # three states with their presidents, foreign ministries and people need ~600

# Share of triples per kind of activity; the scheduler always grows the kind furthest below its share.
SHARES = {"government": 0.28, "agreement": 0.40, "framework": 0.14, "policy": 0.06, "partnership": 0.04,
          "place": 0.03, "organization": 0.05}


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def lang(text: str, tag: str = "en") -> str:
    """An N-Triples language-tagged literal."""
    return f'"{_esc(text)}"@{tag}'


def plain(text: str) -> str:
    """An N-Triples xsd:string literal."""
    return f'"{_esc(text)}"'


def date_literal(ordinal: int, precision: str) -> str:
    """The literal for a true date truncated to precision D (xsd:date), M (gYearMonth) or Y (gYear)."""
    d = date.fromordinal(ordinal)
    if precision == "D":
        return f'"{d.isoformat()}"^^<{XSD}date>'
    if precision == "M":
        return f'"{d.year:04d}-{d.month:02d}"^^<{XSD}gYearMonth>'
    return f'"{d.year:04d}"^^<{XSD}gYear>'


def bounds(ordinal: int, precision: str) -> tuple[int, int]:
    """Earliest and latest day a truncated date can stand for."""
    d = date.fromordinal(ordinal)
    if precision == "D":
        return ordinal, ordinal
    if precision == "M":
        first = date(d.year, d.month, 1).toordinal()
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1).toordinal()
        return first, nxt - 1
    return date(d.year, 1, 1).toordinal(), date(d.year, 12, 31).toordinal()


class _Tenure:
    __slots__ = ("person", "post", "begin", "begin_prec", "end", "end_prec", "certain_from", "certain_to")

    def __init__(self, person, post, begin, begin_prec, end, end_prec, certain_from, certain_to):
        self.person, self.post = person, post
        self.begin, self.begin_prec, self.end, self.end_prec = begin, begin_prec, end, end_prec
        self.certain_from, self.certain_to = certain_from, certain_to


class _Post:
    __slots__ = ("iri", "slug", "org", "role", "tenures")

    def __init__(self, iri, slug, org, role):
        self.iri, self.slug, self.org, self.role = iri, slug, org, role
        self.tenures: list[_Tenure] = []

    def holder_on(self, day: int) -> _Tenure | None:
        """The tenure that certainly covers `day`, if any."""
        for t in self.tenures:
            if t.certain_from <= day <= t.certain_to:
                return t
        return None


class _Government:
    """A state or international organisation with its bodies, posts and people."""

    __slots__ = ("iri", "slug", "name", "kind", "bodies", "posts", "people", "places", "sources", "code",
                 "parent_of")

    def __init__(self, iri, slug, name, kind, code=""):
        self.iri, self.slug, self.name, self.kind, self.code = iri, slug, name, kind, code
        self.bodies: list[tuple[str, str, int, str]] = []  # (iri, slug, level, label)
        self.posts: list[_Post] = []
        self.people: list[tuple[str, str]] = []  # (iri, slug)
        self.places: list[str] = []
        self.sources: list[str] = []  # official pages, for citing government facts
        self.parent_of: dict[str, str] = {}  # body IRI -> the organisation it is a sub-organisation of

    def below(self, org: str) -> set[str]:
        """`org` and every body whose org:subOrganizationOf chain reaches it."""
        found = {org}
        for b_iri, *_ in self.bodies:  # parents are created before their children
            if self.parent_of.get(b_iri) in found:
                found.add(b_iri)
        return found


class Generator:
    """Emits the N-Triples lines of one synthetic graph; see `generate_lines`."""

    def __init__(self, target: int, seed: int = 0) -> None:
        if target < MIN_TRIPLES:
            raise ValueError(f"target of {target} triples is below the smallest world ({MIN_TRIPLES})")
        self.target = target
        self.rng = random.Random(seed)
        self.out: list[str] = []
        self.count = 0
        self.by_kind = dict.fromkeys(SHARES, 0)
        self.serial: dict[str, int] = {}
        self.used_iris: set[str] = set()
        # the calendar window grows with scale so that timelines stay plausible at every size
        start_year = 2015 if target < 20_000 else 2010 if target < 300_000 else 2000
        self.window_start = date(start_year, 1, 1).toordinal()
        self.states: list[_Government] = []
        self.ios: list[_Government] = []
        self.news: list[str] = []
        self.agreements: list[tuple[str, list[str], int]] = []  # (iri, parties, signing day)
        self.frameworks: list[tuple[str, str, int]] = []  # (iri, slug, adoption day)
        self.policies: list[tuple[str, _Government]] = []
        self.participation_keys: set[str] = set()
        self.loose_people: list[str] = []

    # --- low level ------------------------------------------------------------------------------------
    def t(self, s: str, p: str, o: str) -> None:
        self.out.append(f"{s} {p} {o} .\n")

    def new_iri(self, kind: str, slug: str) -> tuple[str, str]:
        """A fresh pgid:<kind>/syn-<slug> IRI (a counter keeps it unique) and its slug."""
        base = f"syn-{slug}"
        slug = base
        n = 1
        while f"{kind}/{slug}" in self.used_iris:
            n += 1
            slug = f"{base}-{n}"
        self.used_iris.add(f"{kind}/{slug}")
        return _i(f"{PGID}{kind}/{slug}"), slug

    def next(self, key: str) -> int:
        self.serial[key] = self.serial.get(key, 0) + 1
        return self.serial[key]

    def word(self, syllables: int | None = None) -> str:
        rng = self.rng
        n = syllables or rng.choice((2, 2, 3))
        return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(n))

    def day_between(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, max(lo, hi))

    def precision(self, full: float = 0.8, month: float = 0.12) -> str:
        r = self.rng.random()
        return "D" if r < full else "M" if r < full + month else "Y"

    def cite(self, node: str, sources: list[str]) -> None:
        for s in sources:
            self.t(node, P_DERIVED, s)

    # --- sources and publishers -------------------------------------------------------------------------
    def source(self, publisher: str, kind: str, day: int, about: str) -> str:
        """A new SourceDocument published by `publisher` (kind gov/news/io) about `about`."""
        rng = self.rng
        n = self.next("source")
        iri, slug = self.new_iri("source", f"doc-{n}")
        doc_type = rng.choice(_DOC_TYPE_BY_PUBLISHER[kind])
        self.t(iri, A, C_SOURCE)
        title = f"{about} ({doc_type.replace('-', ' ')} {n})"
        self.t(iri, P_TITLE, lang(title) if rng.random() < 0.7 else plain(title))
        self.t(iri, P_PAGE, _i(f"https://example.org/partnergraph-synthetic/{kind}/{slug}"))
        if rng.random() < 0.05:
            self.t(iri, P_PAGE, _i(f"https://web.archive.example/partnergraph-synthetic/{slug}"))
        self.t(iri, P_PUBLISHER, publisher)
        if rng.random() < 0.93:  # a missing issued date is an Info in the shapes, as in real data
            self.t(iri, P_ISSUED, date_literal(day, "D" if rng.random() < 0.9 else "M"))
        self.t(iri, P_TYPE, concept("document-type", doc_type))
        return iri

    def gov_source(self, gov: _Government, day: int, about: str) -> str:
        publisher = gov.iri
        if gov.bodies and self.rng.random() < 0.6:
            publisher = self.rng.choice(gov.bodies)[0]
        return self.source(publisher, "gov" if gov.kind == "state" else "io", day, about)

    def news_source(self, day: int, about: str) -> str:
        return self.source(self.rng.choice(self.news), "news", day, about)

    def news_org(self) -> None:
        name = self.word().capitalize() + " " + self.rng.choice(["Times", "Post", "Radio", "Observer",
                                                                  "Monitor", "Wire", "Research Project"])
        iri, _ = self.new_iri("org", name.lower().replace(" ", "-"))
        self.t(iri, A, C_NEWS)
        self.t(iri, P_PREF, lang(name))
        self.news.append(iri)
        self.cite(iri, [self.source(iri, "news", self.day_between(self.window_start, WINDOW_END),
                                    f"About {name}")])

    # --- governments ------------------------------------------------------------------------------------
    def state(self, index: int) -> _Government:
        rng = self.rng
        a2, a3 = STATE_CODES[index]
        name = "Republic of " + self.word(3).capitalize()
        iri, slug = self.new_iri("state", a3)  # pgid:state/syn-QMS, like pgid:state/SLV
        gov = _Government(iri, slug, name, "state", a3)
        self.t(iri, A, C_STATE)
        self.t(iri, P_PREF, lang(name))
        if rng.random() < 0.6:
            self.t(iri, P_PREF, lang("República de " + name.split(" ", 2)[-1], "es"))
        self.t(iri, P_ISO2, plain(a2))
        self.t(iri, P_ISO3, plain(a3))
        if rng.random() < 0.3:
            self.t(iri, P_ALT, lang(name.split(" ", 2)[-1]))
        self.states.append(gov)
        self.cite(iri, [self.source(iri, "gov", self.window_start, f"Government portal of {name}")])
        return gov

    def international_organization(self) -> _Government:
        rng = self.rng
        name = rng.choice(["Regional", "Inter-American", "International", "Hemispheric", "United"]) + " " + \
            rng.choice(["Office", "Agency", "Organization", "Bank", "Commission"]) + " for " + \
            self.word().capitalize()
        acronym = "".join(w[0] for w in name.split() if w[0].isupper())
        iri, slug = self.new_iri("org", name.lower().replace(" ", "-"))
        gov = _Government(iri, slug, name, "io")
        self.t(iri, A, C_IO)
        self.t(iri, P_PREF, lang(name))
        self.t(iri, P_ALT, lang(acronym))
        self.ios.append(gov)
        self.cite(iri, [self.source(iri, "io", self.window_start, f"About the {name}")])
        self.post(gov, gov.iri, "High Commissioner", "commissioner")
        return gov

    def body(self, gov: _Government, parent: tuple[str, str, int, str] | None = None) -> tuple:
        rng = self.rng
        level = parent[2] + 1 if parent else 1
        if level == 1:
            used = {b[3] for b in gov.bodies if b[2] == 1}
            free = [m for m in _MINISTRIES if m[0] not in used]
            en, es, role = free[0] if free and gov.kind == "state" else (
                rng.choice(_AGENCIES), None, "secretary")
        else:
            en, es, role = rng.choice(_AGENCIES), None, "commissioner"
        label = en if level == 1 and es else f"{en} {self.next('agency')}"
        iri, slug = self.new_iri("body", f"{gov.slug[4:].lower()}-{label.lower().replace(' ', '-')}")
        self.t(iri, A, C_BODY)
        self.t(iri, P_PREF, lang(label))
        if es and rng.random() < 0.5:
            self.t(iri, P_PREF, lang(es, "es"))
        self.t(iri, P_SUBORG, parent[0] if parent else gov.iri)
        gov.parent_of[iri] = parent[0] if parent else gov.iri
        src = self.gov_source(gov, self.window_start, f"Organisation of the {label}")
        gov.sources.append(src)
        self.cite(iri, [src])
        record = (iri, slug, level, label)
        gov.bodies.append(record)
        head = {"foreign-minister": "Minister of Foreign Affairs", "minister": f"Minister ({label})",
                "secretary": f"Secretary ({label})", "commissioner": f"Director ({label})"}[role]
        self.post(gov, iri, head, role)
        if rng.random() < 0.25:
            self.post(gov, iri, f"Deputy {head}", None)
        return record

    def post(self, gov: _Government, org: str, label: str, role: str | None) -> _Post:
        """A post in `org` with a full timeline of tenures over the window."""
        rng = self.rng
        slug_hint = f"{gov.slug[4:].lower()}-" + "".join(ch if ch.isalnum() else "-" for ch in label.lower())
        iri, slug = self.new_iri("post", slug_hint.replace("--", "-").strip("-"))
        self.t(iri, A, C_POST)
        self.t(iri, P_PREF, lang(label))
        self.t(iri, P_POST_IN, org)
        if role:
            self.t(iri, P_ROLE, concept("role", role))
        src = self.gov_source(gov, self.window_start, f"{label}: list of office holders")
        self.cite(iri, [src])
        post = _Post(iri, slug, org, role)
        gov.posts.append(post)
        day = self.window_start - rng.randint(0, 900)
        while day < WINDOW_END - 200:
            acting = rng.random() < 0.15
            length = rng.randint(30, 240) if acting else rng.randint(500, 2400)
            end = day + length
            open_ended = end >= WINDOW_END
            self.tenure(gov, post, day, None if open_ended else end, acting, src)
            day = end + rng.randint(1, 45)
        return post

    def person(self, gov: _Government | None, src: str) -> tuple[str, str]:
        rng = self.rng
        name = f"{self.word().capitalize()} {rng.choice('ABCDEFGHJKLMNPRSTV')}. {self.word().capitalize()}"
        iri, slug = self.new_iri("person", name.lower().replace(". ", "-").replace(" ", "-"))
        self.t(iri, A, C_PERSON)
        self.t(iri, P_NAME, plain(name))
        self.cite(iri, [src])
        if gov is not None:
            gov.people.append((iri, slug))
        return iri, slug

    def tenure(self, gov: _Government, post: _Post, begin: int, end: int | None, acting: bool,
               src: str) -> None:
        rng = self.rng
        if gov.people and rng.random() < 0.2:
            person, person_slug = rng.choice(gov.people)
        else:
            person, person_slug = self.person(gov, src)
        iri, _ = self.new_iri("tenure", f"{person_slug[4:]}-{post.slug[4:]}")
        interval = _i(iri[1:-1] + "#interval")
        self.t(iri, A, C_TENURE)
        self.t(iri, P_MEMBER, person)
        self.t(iri, P_POST, post.iri)
        self.t(iri, P_ACTING, TRUE if acting else FALSE)
        self.t(iri, P_DURING, interval)
        self.cite(iri, [src] if rng.random() < 0.7 else [src, self.news_source(begin, "New appointment")])
        self.t(interval, A, C_INTERVAL)
        begin_prec = self.precision()
        b_iri = _i(iri[1:-1] + "#begin")
        self.t(interval, P_BEGIN, b_iri)
        self.t(b_iri, A, C_INSTANT)
        self.t(b_iri, P_IN_DATE[begin_prec], date_literal(begin, begin_prec))
        certain_from = bounds(begin, begin_prec)[1]
        if begin_prec == "M" and date.fromordinal(certain_from).day < 31:
            certain_from += 1  # the rules read a month's latest day as "YYYY-MM-31" (a string bound)
        if rng.random() < 0.01:
            # two sources disagree on the start: each beginning is its own claim citing its own source
            other = begin + rng.randint(1, 20)
            b2 = _i(iri[1:-1] + "#begin-2")
            self.t(interval, P_BEGIN, b2)
            self.t(b2, A, C_INSTANT)
            self.t(b2, P_IN_DATE["D"], date_literal(other, "D"))
            self.t(b_iri, P_DERIVED, src)
            self.t(b2, P_DERIVED, self.news_source(other, "Appointment reported"))
            self.t(b_iri, P_CONFLICTS, b2)
            self.t(b2, P_CONFLICTS, b_iri)
            certain_from = max(certain_from, other)
        end_prec = None
        certain_to = 10 ** 7
        if end is not None:
            end_prec = self.precision()
            e_iri = _i(iri[1:-1] + "#end")
            self.t(interval, P_END, e_iri)
            self.t(e_iri, A, C_INSTANT)
            self.t(e_iri, P_IN_DATE[end_prec], date_literal(end, end_prec))
            certain_to = bounds(end, end_prec)[0]
        post.tenures.append(_Tenure(person, post, begin, begin_prec, end, end_prec, certain_from, certain_to))

    def place(self, gov: _Government | None) -> str:
        rng = self.rng
        name = self.word().capitalize() + rng.choice(["", " City", "", " Port", " de la Sierra"])
        iri, _ = self.new_iri("place", name.lower().replace(" ", "-"))
        self.t(iri, A, C_PLACE)
        self.t(iri, P_PREF, lang(name))
        if gov is not None and gov.kind == "state":
            if rng.random() < 0.9:
                self.t(iri, P_IN_STATE, gov.iri)
            if gov.places and rng.random() < 0.3:
                self.t(iri, P_LOCATED_IN, rng.choice(gov.places))
            gov.places.append(iri)
            src = rng.choice(gov.sources) if gov.sources else self.gov_source(gov, self.window_start, name)
        else:
            src = self.news_source(self.window_start, name)
        self.cite(iri, [src])
        return iri

    def place_in(self, gov: _Government) -> str:
        if gov.kind != "state" or not gov.places or self.rng.random() < 0.15:
            return self.place(gov if gov.kind == "state" else None)
        return self.rng.choice(gov.places)

    # --- agreements -------------------------------------------------------------------------------------
    def signatory(self, gov: _Government, party: str, day: int, src: str) -> tuple[str, str | None]:
        """A person who signed for `party` on `day`, and the post to name as their capacity (or None)."""
        rng = self.rng
        if rng.random() < 0.92:
            orgs = None if party == gov.iri else gov.below(party)  # every post of a state reaches it
            candidates = [p for p in gov.posts if (orgs is None or p.org in orgs) and p.role]
            rng.shuffle(candidates)
            candidates.sort(key=lambda p: p.role not in ("foreign-minister", "president", "minister",
                                                        "secretary", "commissioner"))
            for post in candidates[:6]:
                tenure = post.holder_on(day)
                if tenure is not None:
                    return tenure.person, post.iri if rng.random() < 0.8 else None
        # no recorded tenure: an ambassador or envoy the sources name without dates (a Warning)
        person, _ = self.person(None, src)
        self.loose_people.append(person)
        return person, None

    def agreement(self) -> None:
        rng = self.rng
        kinds = list(AGREEMENT_CLASSES)
        made = self.next("agreement")
        kind = kinds[made - 1] if made <= len(kinds) else rng.choices(kinds, weights=[18, 10, 14, 24, 18, 16, 4])[0]
        n_parties = rng.choices([2, 3, 4], weights=[78, 14, 8])[0]
        govs = rng.sample(self.states, min(n_parties, len(self.states)))
        if kind == "moc" and self.ios and rng.random() < 0.25:
            govs[-1] = rng.choice(self.ios)
        parties = []
        for gov in govs:
            if kind == "arrangement" and gov.kind == "state" and gov.bodies and rng.random() < 0.3:
                parties.append(rng.choice([b for b in gov.bodies if b[2] == 1] or gov.bodies)[0])
            else:
                parties.append(gov.iri)
        day = self.day_between(self.window_start + 200, WINDOW_END - 60)
        codes = "-".join(g.code.lower() if g.kind == "state" else "io" for g in govs)
        year = date.fromordinal(day).year
        iri, slug = self.new_iri("agreement", f"{codes}-{kind}-{year}")
        sources = [self.gov_source(govs[0], day, f"Signing of the {kind} {slug}")]
        if rng.random() < 0.6:
            sources.append(self.gov_source(govs[1], day, f"Agreement with {govs[0].name}"))
        if rng.random() < 0.4:
            sources.append(self.news_source(day + rng.randint(0, 5), "Governments sign agreement"))
        label = {"cooperative": "Cooperative Agreement", "aca": "Asylum Cooperative Agreement",
                 "loi": "Letter of Intent", "moc": "Memorandum of Cooperation",
                 "declaration": "Joint Declaration", "arrangement": "Security Arrangement",
                 "agreement": "Migration Agreement"}[kind]
        names = " and ".join(g.name.split(" ", 2)[-1] for g in govs)
        self.t(iri, A, AGREEMENT_CLASSES[kind])
        self.t(iri, P_PREF, lang(f"{names} {label} ({year})"))
        if rng.random() < 0.3:
            self.t(iri, P_PREF, lang(f"Acuerdo {names} ({year})", "es"))
        if rng.random() < 0.3:
            self.t(iri, P_ALT, lang("".join(w[0] for w in label.split())))
        if rng.random() < 0.4:
            self.t(iri, P_TITLE, lang(f"{label} between the Governments of {names}"))
        for p in parties:
            self.t(iri, P_PARTY, p)
        dated = rng.random() < 0.92
        sign_prec = self.precision(0.85, 0.1)
        place = None
        if dated:
            self.t(iri, P_SIGNING_DATE, date_literal(day, sign_prec))
            if rng.random() < 0.5:
                place = self.place_in(govs[0])
                self.t(iri, P_SIGNING_PLACE, place)
        eif = None
        if kind in ("cooperative", "aca", "arrangement") and rng.random() < 0.6:
            eif = day + rng.randint(0, 240)
            self.t(iri, P_EIF, date_literal(eif, self.precision(0.9, 0.08)))
        if rng.random() < 0.8:
            self.t(iri, P_BINDING, TRUE if kind in ("cooperative", "aca") else FALSE)
        earlier = [a for a in self.agreements[-200:] if a[2] < day and set(a[1]) & set(parties)]
        if earlier and rng.random() < 0.2:
            self.t(iri, P_FOLLOWS, rng.choice(earlier)[0])
        if self.frameworks and rng.random() < 0.25:
            self.t(iri, P_REFERS_TO, rng.choice(self.frameworks)[0])
        if rng.random() < 0.08:
            if self.policies and rng.random() < 0.5:
                self.t(iri, P_IMPLEMENTS, rng.choice(self.policies)[0])
            elif earlier:
                self.t(iri, P_IMPLEMENTS, rng.choice(earlier)[0])
        for topic in rng.sample(TOPICS, rng.choice((1, 2, 2, 3))):
            self.t(iri, P_SUBJECT, concept("topic", topic))
        if rng.random() < 0.4:
            self.t(iri, P_DESCRIPTION, lang(f"The parties commit to cooperate on {rng.choice(TOPICS)}."))
        if rng.random() < 0.05:
            self.t(iri, P_NOTE, lang("Sources give different titles for this agreement."))
        self.cite(iri, sources)
        negotiators = []
        if dated:
            for gov, party in zip(govs, parties):
                if rng.random() < 0.05:
                    continue  # the sources do not name who signed for this party
                person, capacity = self.signatory(gov, party, day, sources[0])
                negotiators.append(person)
                sig, _ = self.new_iri("signature", f"{slug[4:]}-{gov.code.lower() or gov.slug[4:].lower()}"
                                      if party == gov.iri else f"{slug[4:]}-{party.rsplit('/', 1)[-1][4:-1]}")
                self.t(sig, A, C_SIGNATURE)
                self.t(sig, P_OF_AGREEMENT, iri)
                self.t(sig, P_SIGNATORY, person)
                self.t(sig, P_ON_BEHALF_OF, party)
                if capacity:
                    self.t(sig, P_IN_CAPACITY_OF, capacity)
                self.t(sig, P_SIGNING_DATE, date_literal(day, "D"))
                if place:
                    self.t(sig, P_SIGNING_PLACE, place)
                self.cite(sig, sources[:1] if rng.random() < 0.8 else sources)
        if negotiators and rng.random() < 0.15:
            self.t(iri, P_NEGOTIATED_BY, negotiators[0])
        # what happened to it
        if dated and rng.random() < 0.6:
            self.event([iri], "signing", day, sign_prec, sources[:1], status="signed", place=place,
                       actors=parties)
        if eif is not None and rng.random() < 0.7:
            self.event([iri], "entry-into-force", eif, "D", [self.gov_source(govs[0], eif, "Entry into force")],
                       status="in-force")
        later = max(day, eif or day)
        if kind == "aca" and rng.random() < 0.4 and later < WINDOW_END - 30:
            self.event([iri], "first-transfer", self.day_between(later, later + 200), "D",
                       [self.news_source(later, "First transfer")], actors=parties[:1])
        if rng.random() < 0.15 and later < WINDOW_END - 100:
            change, status = rng.choice([("suspension", "suspended"), ("suspension", "transfers-paused"),
                                         ("termination", "terminated"), ("termination-memo",
                                                                         "termination-initiated"),
                                         ("statement", "never-implemented")])
            self.event([iri], change, self.day_between(later + 30, WINDOW_END), "D",
                       [self.gov_source(rng.choice(govs), later, "Status of the agreement")], status=status,
                       actors=parties[:1], conflict=rng.random() < 0.1)
        if not dated:
            self.event([iri], "announcement", day, "D", sources, not_later_than=True, actors=parties)
        self.agreements.append((iri, parties, day))
        if len(self.agreements) > 5000:
            del self.agreements[:1000]

    def event(self, concerns: list[str], event_type: str, day: int, prec: str, sources: list[str], *,
              status: str | None = None, place: str | None = None, actors: list[str] = (),
              not_later_than: bool = False, conflict: bool = False) -> str:
        rng = self.rng
        iri, slug = self.new_iri("event", f"{event_type}-{self.next('event')}")
        self.t(iri, A, C_STATUS_CHANGE if status else C_EVENT)
        for c in concerns:
            self.t(iri, P_CONCERNS, c)
        self.t(iri, P_EVENT_TYPE, concept("event-type", event_type))
        if status:
            self.t(iri, P_NEW_STATUS, concept("status", status))
        self.t(iri, P_NOT_LATER_THAN if not_later_than else P_DATE, date_literal(day, prec))
        if place and rng.random() < 0.5:
            self.t(iri, P_PLACE, place)
        for actor in actors[:2]:
            if rng.random() < 0.5:
                self.t(iri, P_ACTOR, actor)
        if rng.random() < 0.2:
            self.t(iri, P_SUBJECT, concept("topic", rng.choice(TOPICS)))
        if rng.random() < 0.25:
            self.t(iri, P_DESCRIPTION, lang(f"{event_type.replace('-', ' ').capitalize()} reported."))
        self.cite(iri, sources)
        if conflict:
            # another source gives another date: a second claim, citing its own source, linked both ways
            other, _ = self.new_iri("event", f"{event_type}-{self.next('event')}")
            self.t(other, A, C_STATUS_CHANGE if status else C_EVENT)
            for c in concerns:
                self.t(other, P_CONCERNS, c)
            self.t(other, P_EVENT_TYPE, concept("event-type", event_type))
            if status:
                self.t(other, P_NEW_STATUS, concept("status", status))
            self.t(other, P_DATE, date_literal(day + rng.randint(1, 30), "D"))
            self.cite(other, [self.news_source(day, "Conflicting report")])
            self.t(iri, P_CONFLICTS, other)
            self.t(other, P_CONFLICTS, iri)
        return iri

    # --- frameworks, policies, partnerships --------------------------------------------------------------
    def framework(self) -> None:
        rng = self.rng
        ftype = rng.choice(FRAMEWORK_TYPES)
        word = self.word().capitalize()
        name = {"declaration": f"{word} Declaration on Migration", "framework": f"{word} Response Framework",
                "compact": f"Compact of {word}", "regional-framework": f"{word} Regional Framework",
                "support-platform": f"{word} Support Platform"}[ftype]
        acronym = "".join(w[0] for w in name.split() if w[0].isupper())
        iri, slug = self.new_iri("framework", name.lower().replace(" ", "-"))
        day = self.day_between(self.window_start, WINDOW_END - 365)
        host = rng.choice(self.states + self.ios)
        src = self.gov_source(host, day, f"Adoption of the {name}")
        self.t(iri, A, C_FRAMEWORK)
        self.t(iri, P_PREF, lang(name))
        if rng.random() < 0.4:
            self.t(iri, P_PREF, lang(f"Marco {word}", "es"))
        self.t(iri, P_ALT, lang(acronym))
        self.t(iri, P_FRAMEWORK_TYPE, concept("framework-type", ftype))
        prec = self.precision(0.85, 0.1)
        if rng.random() < 0.9:
            self.t(iri, P_ADOPTION_DATE, date_literal(day, prec))
        place = None
        if host.kind == "state" and rng.random() < 0.6:
            place = self.place_in(host)
            self.t(iri, P_ADOPTED_AT, place)
        if self.frameworks and rng.random() < 0.35:
            self.t(iri, rng.choice(FRAMEWORK_LINKS), rng.choice(self.frameworks)[0])
        for topic in rng.sample(TOPICS, rng.choice((1, 2, 3))):
            self.t(iri, P_SUBJECT, concept("topic", topic))
        if rng.random() < 0.5:
            self.t(iri, P_DESCRIPTION, lang(f"A {ftype.replace('-', ' ')} adopted by the region."))
        self.cite(iri, [src])
        self.frameworks.append((iri, slug, day))
        self.event([iri], "adoption", day, prec, [src], place=place, actors=[host.iri])
        members = rng.sample(self.states, rng.randint(min(2, len(self.states)), min(len(self.states), 10)))
        for gov in members:
            self.participation(iri, slug, gov, "founding-member", day, None, src)
        if self.ios and rng.random() < 0.5:
            self.participation(iri, slug, rng.choice(self.ios), "secretariat", day, None, src)

    def participation(self, fw: str, fw_slug: str, gov: _Government, mode: str, start: int | None,
                      end: int | None, src: str) -> None:
        key = f"{fw_slug[4:]}-{gov.slug[4:].lower()}-{mode}"
        if key in self.participation_keys and mode not in ("chair", "pro-tempore-presidency"):
            return
        self.participation_keys.add(key)
        iri, _ = self.new_iri("participation", key)
        self.t(iri, A, C_PARTICIPATION)
        self.t(iri, P_FRAMEWORK, fw)
        self.t(iri, P_PARTICIPANT, gov.iri)
        self.t(iri, P_MODE, concept("participation-mode", mode))
        if start is not None:
            self.t(iri, P_START, date_literal(start, self.precision(0.85, 0.1)))
        if end is not None:
            self.t(iri, P_END_DATE, date_literal(end, self.precision(0.85, 0.1)))
        self.cite(iri, [src])

    def framework_activity(self) -> None:
        """Later life of a framework: states join, endorse, chair, vote; ministerial meetings."""
        rng = self.rng
        fw, fw_slug, adopted = rng.choice(self.frameworks[-50:])
        if adopted >= WINDOW_END - 60:
            return
        day = self.day_between(adopted + 1, WINDOW_END - 30)
        gov = rng.choice(self.states + self.ios)
        src = self.gov_source(gov, day, "Framework meeting")
        mode = rng.choices(["joined", "endorsed", "chair", "pro-tempore-presidency", "support-platform-member",
                            "voted-in-favour", "voted-against", "abstained", "signatory-at-launch"],
                           weights=[20, 15, 12, 12, 10, 10, 3, 3, 5])[0]
        end = day + rng.randint(180, 400) if mode in ("chair", "pro-tempore-presidency") else None
        if end is not None and end > WINDOW_END:
            end = None
        self.participation(fw, fw_slug, gov, mode, day, end, src)
        if rng.random() < 0.3:
            etype = rng.choice(["ministerial-meeting", "statement", "vote", "launch"])
            self.event([fw], etype, day, "D", [src], place=self.place_in(gov) if gov.kind == "state" else None,
                       actors=[gov.iri])

    def policy(self) -> None:
        rng = self.rng
        gov = rng.choice(self.states)
        word = self.word().capitalize()
        name = rng.choice([f"{word} Protection Protocols", f"{word} Border Programme", f"{word} Return Policy",
                           f"{word} Legal Pathways Programme"])
        iri, _ = self.new_iri("policy", name.lower().replace(" ", "-"))
        day = self.day_between(self.window_start, WINDOW_END - 200)
        src = self.gov_source(gov, day, f"Announcing the {name}")
        self.t(iri, A, C_POLICY)
        self.t(iri, P_PREF, lang(name))
        if rng.random() < 0.5:
            self.t(iri, P_ALT, lang("".join(w[0] for w in name.split())))
        for topic in rng.sample(TOPICS, rng.choice((1, 2))):
            self.t(iri, P_SUBJECT, concept("topic", topic))
        if rng.random() < 0.6:
            self.t(iri, P_DESCRIPTION, lang(f"A programme of {gov.name}."))
        self.cite(iri, [src])
        self.policies.append((iri, gov))
        self.event([iri], "announcement", day, "D", [src], status="announced", actors=[gov.iri])
        later = day + rng.randint(10, 120)
        self.event([iri], "implementation-memo", later, self.precision(0.9, 0.1), [src], status="in-effect",
                   actors=[gov.iri])
        if rng.random() < 0.4:
            court = self.day_between(later + 30, WINDOW_END)
            self.event([iri], "court-decision", court, "D", [self.news_source(court, "Court rules on policy")])
        if rng.random() < 0.3:
            end = self.day_between(later + 60, WINDOW_END)
            status = rng.choice(["enrolment-suspended", "suspended", "terminated"])
            self.event([iri], "termination-memo" if status == "terminated" else "suspension", end, "D",
                       [self.gov_source(gov, end, "Policy update")], status=status, actors=[gov.iri])

    def partnership(self) -> None:
        rng = self.rng
        a, b = rng.sample(self.states + self.ios[:2], 2)
        pa = a.iri if a.kind != "state" or not a.bodies or rng.random() < 0.6 else rng.choice(a.bodies)[0]
        pb = b.iri if b.kind != "state" or not b.bodies or rng.random() < 0.6 else rng.choice(b.bodies)[0]
        iri, _ = self.new_iri("partnership", f"{a.slug[4:].lower()}-{b.slug[4:].lower()}")
        day = self.day_between(self.window_start, WINDOW_END)
        self.t(iri, A, C_PARTNERSHIP)
        if rng.random() < 0.6:
            self.t(iri, P_PREF, lang(f"{a.name} - {b.name} partnership"))
        self.t(iri, P_PARTY, pa)
        self.t(iri, P_PARTY, pb)
        self.t(iri, P_NOT_LATER_THAN, date_literal(day, self.precision(0.7, 0.2)))
        for topic in rng.sample(TOPICS, rng.choice((1, 2))):
            self.t(iri, P_SUBJECT, concept("topic", topic))
        self.cite(iri, [self.gov_source(a, day, "Bilateral meeting")] +
                  ([self.news_source(day, "Partners meet")] if rng.random() < 0.3 else []))

    def ambassador(self, gov: _Government) -> None:
        ministry = next((b for b in gov.bodies if b[3] == "Ministry of Foreign Affairs"), None)
        host = self.rng.choice([s for s in self.states if s is not gov] or self.states)
        self.post(gov, ministry[0] if ministry else gov.iri, f"Ambassador to {host.name}", "ambassador")

    # --- driver -----------------------------------------------------------------------------------------
    def grow_government(self) -> None:
        rng = self.rng
        gov = rng.choice(self.states)
        if rng.random() < 0.15:
            self.ambassador(gov)
        else:
            parents = [b for b in gov.bodies if b[2] < 3]
            level1 = sum(1 for b in gov.bodies if b[2] == 1)
            parent = None if (not parents or (level1 < 4 and rng.random() < 0.4)) else rng.choice(parents)
            self.body(gov, parent)

    def run(self) -> Iterator[list[str]]:
        """Yield batches of N-Triples lines until the target is reached."""
        rng = self.rng
        target = self.target
        n_states = max(3, min(len(STATE_CODES), round(math.sqrt(target) / 10)))
        n_news = max(2, min(40, n_states // 2))
        n_ios = max(1, min(8, n_states // 5))

        def flush(kind: str | None) -> list[str]:
            lines = self.out
            self.out = []
            self.count += len(lines)
            if kind:
                self.by_kind[kind] += len(lines)
            return lines

        for _ in range(n_news):
            self.news_org()
        yield flush("organization")
        for i in range(n_states):
            gov = self.state(i)
            self.post(gov, gov.iri, f"President of {gov.name}", "president")
            self.body(gov, None)  # the foreign ministry
        yield flush("government")
        for _ in range(n_ios):
            self.international_organization()
        yield flush("organization")

        actions = {"government": self.grow_government, "agreement": self.agreement,
                   "framework": self.grow_framework, "policy": self.policy, "partnership": self.partnership,
                   "place": lambda: self.place(rng.choice(self.states)),
                   "organization": self.grow_organization}
        # Near the end only smaller activities run, so the size lands on the target without overshoot:
        # a new body with its posts' timelines is at most ~400 triples, an agreement ~150.
        big, medium = list(SHARES), ["agreement", "policy", "partnership", "place", "organization"]
        small = ["partnership", "place", "organization"]
        while target - self.count > 40:
            remaining = target - self.count
            allowed = big if remaining > 450 else medium if remaining > 160 else small
            kind = max(allowed, key=lambda k: SHARES[k] * self.count - self.by_kind[k])
            actions[kind]()
            yield flush(kind)
        # the tail: small events about existing agreements, then people the sources mention in passing
        while target - self.count > 40:
            iri, parties, day = rng.choice(self.agreements)
            gov = rng.choice(self.states)
            self.event([iri], rng.choice(["statement", "ministerial-meeting", "implementation-accord"]),
                       self.day_between(day, WINDOW_END), "D", [rng.choice(gov.sources)], actors=parties)
            yield flush("agreement")
        while target - self.count > 2:
            gov = rng.choice(self.states)
            self.person(None, rng.choice(gov.sources))
            yield flush("government")

    def grow_framework(self) -> None:
        if not self.frameworks or self.rng.random() < 0.12:
            self.framework()
        else:
            self.framework_activity()

    def grow_organization(self) -> None:
        """A new publisher now and then; otherwise more coverage of an existing agreement."""
        rng = self.rng
        if rng.random() < 0.15 or not self.agreements:
            self.news_org()
        else:
            iri, _, day = rng.choice(self.agreements)
            self.cite(iri, [self.news_source(self.day_between(day, WINDOW_END), "Analysis of the agreement")])


def generate_lines(target_triples: int, seed: int = 0) -> Iterator[str]:
    """The N-Triples lines (each ending in a newline) of a synthetic graph of about `target_triples`."""
    gen = Generator(target_triples, seed)
    for batch in gen.run():
        yield from batch


def generate(target_triples: int, seed: int = 0) -> Iterator:
    """The triples (pyoxigraph.Triple) of a synthetic graph of about `target_triples` triples."""
    import pyoxigraph as ox

    batch: list[str] = []
    for line in generate_lines(target_triples, seed):
        batch.append(line)
        if len(batch) >= 20_000:
            yield from _parse(ox, batch)
            batch = []
    if batch:
        yield from _parse(ox, batch)


def _parse(ox, lines: list[str]):
    for quad in ox.parse("".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES):
        yield quad.triple


def parse_size(text: str) -> int:
    """'10k' -> 10000, '1M' -> 1000000, '2500' -> 2500."""
    text = text.strip()
    factor = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def size_label(n: int) -> str:
    """10000 -> '10k', 1000000 -> '1M'."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def write(target_triples: int, out: Path, seed: int = 0) -> tuple[int, Generator]:
    """Write a synthetic N-Triples file; returns the number of triples written and the generator."""
    out.parent.mkdir(parents=True, exist_ok=True)
    gen = Generator(target_triples, seed)
    n = 0
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="utf-8") as f:
        for batch in gen.run():
            f.writelines(batch)
            n += len(batch)
    tmp.replace(out)
    return n, gen


def default_path(target_triples: int, seed: int = 0) -> Path:
    """bench/out/syn-<size>[-s<seed>].nt"""
    suffix = f"-s{seed}" if seed else ""
    return Path(__file__).resolve().parent / "out" / f"syn-{size_label(target_triples)}{suffix}.nt"


def ensure(target_triples: int, seed: int = 0) -> Path:
    """The default file for this size and seed, generated unless it exists and is up to date."""
    path = default_path(target_triples, seed)
    if not path.exists() or path.stat().st_mtime < Path(__file__).stat().st_mtime:
        write(target_triples, path, seed)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", default="10k", help="target size: 2000, 10k, 100k, 1M (default 10k)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="N-Triples file to write (default bench/out/syn-<size>.nt)")
    parser.add_argument("--stats", action="store_true", help="print triples per activity and per class")
    args = parser.parse_args(argv)
    target = parse_size(args.triples)
    out = args.out or default_path(target, args.seed)
    started = time.perf_counter()
    n, gen = write(target, out, args.seed)
    elapsed = time.perf_counter() - started
    print(f"{out}: {n} triples (target {target}, {100 * (n - target) / target:+.2f}%) "
          f"in {elapsed:.1f} s, seed {args.seed}", file=sys.stderr)
    if args.stats:
        for kind, count in gen.by_kind.items():
            print(f"  {kind:<13} {count:>9} triples  {100 * count / n:5.1f}%", file=sys.stderr)
        classes: dict[str, int] = {}
        with out.open(encoding="utf-8") as f:
            for line in f:
                _, p, o = line.split(" ", 2)
                if p == A:
                    classes[o[:-3]] = classes.get(o[:-3], 0) + 1
        for cls, count in sorted(classes.items(), key=lambda kv: -kv[1]):
            print(f"  {count:>9}  {cls}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
