"""The canned-query catalogue: header checks, parameter checks and safe binding on a real store."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest

from partnergraph.errors import (InvalidCannedQuery, InvalidParameter, PagingNotSupported,
                                 PartnergraphError, QueryNotFound)
from partnergraph.services.querying.catalogue import Catalogue, load_query
from partnergraph.services.querying.query_headers import parse_header
from partnergraph.settings import Settings
from partnergraph.store import open_store
from partnergraph.store.contract import AskResult, GraphResult, SelectResult
from partnergraph.services.querying.parameters import ParamSpec, to_term
from partnergraph.sparql.terms import term_to_sparql

XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "https://example.org/"

DATA = f"""
@prefix ex: <{EX}> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <{XSD}> .
ex:alice a foaf:Person ; foaf:name "Alice" ; ex:born "1990"^^xsd:integer ; ex:knows ex:bob .
ex:bob a foaf:Person ; foaf:name "Bob" ; ex:born "1985"^^xsd:integer .
ex:carol a foaf:Person ; foaf:name "Carol \\"the quote\\" Smith" ; ex:born "2001"^^xsd:integer .
ex:dave a foaf:Person ; foaf:name "line one\\nline two" ; ex:born "1970"^^xsd:integer .
"""

PERSON_BY_NAME = """\
#+ title: Person by name
#+ summary: Finds people by exact name.
#+ params:
#+   name: {type: string, required: true, example: Alice}
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?person ?name WHERE { ?person foaf:name ?name } ORDER BY ?person
"""

PEOPLE = f"""\
#+ title: People
#+ summary: People, optionally born in a year or among some names.
#+ description: |
#+   Longer text.
#+ tags: [people]
#+ params:
#+   year: {{type: integer, required: false, example: 1990, min: 1900, max: 2100}}
#+   names: {{type: string, list: true, required: false, example: [Alice, Bob]}}
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX ex: <{EX}>
SELECT ?person ?names ?year WHERE {{
  ?person foaf:name ?names ;
          ex:born ?born .
  FILTER(COALESCE(?born = ?year, true))
}}
ORDER BY ?person
"""

KNOWS = f"""\
#+ title: Does one person know another
#+ summary: ASK.
#+ params:
#+   who: {{type: iri, iri_prefix: "{EX}", required: true, example: alice}}
ASK {{ ?who <{EX}knows> ?someone }}
"""

DESCRIBE = f"""\
#+ title: Describe
#+ summary: CONSTRUCT the triples of one node.
#+ params:
#+   node: {{type: iri, iri_prefix: "{EX}", required: true, example: alice}}
CONSTRUCT {{ ?node ?p ?o }} WHERE {{ ?node ?p ?o }}
"""

LIMITED = """\
#+ title: Limited
#+ summary: Has its own LIMIT.
SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.rq"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture()
def catalogue(tmp_path) -> Catalogue:
    for name, text in [("person-by-name", PERSON_BY_NAME), ("people", PEOPLE), ("knows", KNOWS),
                       ("describe", DESCRIBE), ("limited", LIMITED)]:
        write(tmp_path, name, text)
    return Catalogue.from_directory(tmp_path)


@pytest.fixture()
def store():
    store = open_store(Settings(store=":memory:"))
    store.replace_graph(EX + "graph", (ox.Triple(q.subject, q.predicate, q.object)
                                       for q in ox.parse(DATA, format=ox.RdfFormat.TURTLE)))
    yield store
    store.close()


def run(store, prepared) -> list[dict[str, str]]:
    result = store.query(prepared.text, bindings=prepared.bindings)
    assert isinstance(result, SelectResult)
    return [{k: v.value for k, v in row.items() if v is not None} for row in result.rows]


def header_error(tmp_path, text: str, name: str = "bad-query") -> str:
    path = write(tmp_path, name, text)
    with pytest.raises(InvalidCannedQuery) as info:
        load_query(path)
    assert str(path) in info.value.message
    assert info.value.code == "invalid_canned_query"
    return info.value.problem


# --- headers ---------------------------------------------------------------------------------------


def test_header_is_read_from_the_leading_hash_plus_lines(catalogue):
    query = catalogue.get("people")
    assert (query.title, query.summary, query.tags, query.form) == ("People", "People, optionally born "
                                                                    "in a year or among some names.",
                                                                    ("people",), "SELECT")
    assert query.description == "Longer text."
    assert list(query.params) == ["year", "names"]
    assert query.params["year"] == ParamSpec(name="year", type="integer", example=1990, min=1900, max=2100)
    assert query.params["names"].list
    assert query.example_params() == {"year": ["1990"], "names": ["Alice", "Bob"]}


def test_catalogue_lists_names_sorted_and_unknown_name_is_query_not_found(catalogue):
    assert catalogue.names() == ["describe", "knows", "limited", "people", "person-by-name"]
    assert "people" in catalogue and len(catalogue) == 5
    with pytest.raises(QueryNotFound) as info:
        catalogue.get("no-such-query")
    assert info.value.code == "query_not_found"


def test_query_forms_are_detected(catalogue):
    assert catalogue.get("knows").form == "ASK"
    assert catalogue.get("describe").form == "CONSTRUCT"


def test_file_without_header_is_refused(tmp_path):
    assert "no header" in header_error(tmp_path, "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\n")


def test_header_that_is_not_yaml_is_refused_with_its_line(tmp_path):
    problem = header_error(tmp_path, "#+ title: x\n#+ summary: [unclosed\nSELECT ?s {} ORDER BY ?s\n")
    assert "not valid YAML" in problem


def test_unknown_header_key_is_refused(tmp_path):
    problem = header_error(tmp_path, "#+ title: x\n#+ summary: y\n#+ endpoint: z\nASK {}\n")
    assert "unknown header key(s) endpoint" in problem


def test_missing_title_is_refused(tmp_path):
    assert "title: required" in header_error(tmp_path, "#+ summary: y\nASK {}\n")


def test_unknown_param_key_is_refused(tmp_path):
    problem = header_error(tmp_path, """\
        #+ title: x
        #+ summary: y
        #+ params:
        #+   s: {type: iri, required: true, example: "https://e.org/", pattern: ".*"}
        ASK { ?s ?p ?o }
        """)
    assert problem.startswith("parameter s: unknown key(s) pattern")


def test_param_absent_from_the_query_is_refused(tmp_path):
    problem = header_error(tmp_path, """\
        #+ title: x
        #+ summary: y
        #+ params:
        #+   country: {type: string, example: NL}
        ASK { ?s ?p ?o }
        """)
    assert "?country, which the query never uses" in problem


def test_param_only_in_a_comment_is_absent(tmp_path):
    problem = header_error(tmp_path, """\
        #+ title: x
        #+ summary: y
        #+ params:
        #+   country: {type: string, example: NL}
        # ?country is mentioned here only
        ASK { ?s ?p ?o }
        """)
    assert "never uses" in problem


def test_single_valued_param_must_be_projected(tmp_path):
    problem = header_error(tmp_path, """\
        #+ title: x
        #+ summary: y
        #+ params:
        #+   o: {type: string, example: NL}
        SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s
        """)
    assert "?o must be in the SELECT projection" in problem


def test_bound_on_a_param_is_refused(tmp_path):
    problem = header_error(tmp_path, """\
        #+ title: x
        #+ summary: y
        #+ params:
        #+   o: {type: string, example: NL}
        SELECT ?s ?o WHERE { ?s ?p ?z FILTER(!BOUND(?o) || ?z = ?o) } ORDER BY ?s
        """)
    assert "BOUND(?o)" in problem


def test_copying_a_param_with_bind_is_refused(tmp_path):
    problem = header_error(tmp_path, """\
        #+ title: x
        #+ summary: y
        #+ params:
        #+   o: {type: string, example: NL}
        SELECT ?s ?o WHERE { BIND(?o AS ?copy) ?s ?p ?copy } ORDER BY ?s
        """)
    assert "BIND(?o AS ...)" in problem


def test_select_without_order_by_is_refused(tmp_path):
    assert "ORDER BY" in header_error(tmp_path, "#+ title: x\n#+ summary: y\nSELECT * { ?s ?p ?o }\n")


def test_file_name_must_be_kebab_case(tmp_path):
    assert "kebab-case" in header_error(tmp_path, "#+ title: x\n#+ summary: y\nASK {}\n", "Bad_Name")


@pytest.mark.parametrize(("declaration", "expected"), [
    ("{type: iri, example: x}", "example: expected an absolute http(s) IRI"),
    ("{type: number, example: 1}", "type must be one of"),
    ("{type: string}", "example: required"),
    ("{type: integer, example: 5, min: 10}", "example: expected an integer of at least 10"),
    ("{type: string, example: a, min: 1}", "do not apply to type string"),
    ("{type: enum, example: a}", "values: expected a list"),
    ("{type: enum, example: a, values: {a: 'not an iri'}}", "values: a: expected an absolute"),
    ("{type: string, required: yes please, example: a}", "required must be true or false"),
    ("{type: string, required: true, default: a, example: a}", "cannot have a default"),
    ("{type: iri, iri_prefix: 'no scheme', example: a}", "iri_prefix:"),
    ("{type: string, example: [a, b]}", "give one value"),
    ("{type: iri, iri_prefix: 'https://e.org/', example: NO}", "YAML read False as a boolean"),
])
def test_bad_param_declarations_are_refused(tmp_path, declaration, expected):
    problem = header_error(tmp_path, f"""\
        #+ title: x
        #+ summary: y
        #+ params:
        #+   v: {declaration}
        ASK {{ ?s ?p ?v }}
        """)
    assert expected in problem


@pytest.mark.parametrize("name", ["limit", "offset", "format"])
def test_param_names_used_by_paging_and_output_are_reserved(tmp_path, name):
    problem = header_error(tmp_path, f"#+ title: x\n#+ summary: y\n#+ params:\n"
                                     f"#+   {name}: {{type: integer, example: 1}}\nASK {{ ?s ?p ?{name} }}\n")
    assert "reserved" in problem


def test_parse_header_ignores_ordinary_comments_before_it():
    header = parse_header("# a comment\n#+ title: T\n#+ summary: S\nASK {}\n")
    assert header == {"title": "T", "summary": "S"}


# --- parameter checks --------------------------------------------------------------------------------


def test_unknown_parameter_is_refused(catalogue):
    with pytest.raises(InvalidParameter) as info:
        catalogue.get("people").prepare({"yeer": ["1990"]})
    assert info.value.param == "yeer"
    assert info.value.code == "invalid_parameter"
    assert "takes: year, names" in info.value.reason


def test_missing_required_parameter_is_refused(catalogue):
    with pytest.raises(InvalidParameter) as info:
        catalogue.get("person-by-name").prepare({})
    assert info.value.param == "name"
    assert info.value.reason.startswith("required but not given")
    assert "e.g. Alice" in info.value.reason


def test_repeated_value_for_a_single_valued_parameter_is_refused(catalogue):
    with pytest.raises(InvalidParameter) as info:
        catalogue.get("people").prepare({"year": ["1990", "1985"]})
    assert info.value.reason == "given 2 values; this parameter takes one"


def test_wrong_type_gives_a_reason_a_person_can_act_on(catalogue):
    with pytest.raises(InvalidParameter) as info:
        catalogue.get("people").prepare({"year": ["abc"]})
    assert info.value.message == "year: expected an integer between 1900 and 2100, got 'abc'"
    assert info.value.details == [{"param": "year", "reason": "expected an integer between 1900 and "
                                                              "2100, got 'abc'"}]


def test_all_problems_are_reported_in_details(catalogue):
    with pytest.raises(InvalidParameter) as info:
        catalogue.get("people").prepare({"year": ["3000"], "bogus": ["1"]})
    assert {d["param"] for d in info.value.details} == {"year", "bogus"}


def test_empty_value_counts_as_not_given(catalogue, store):
    prepared = catalogue.get("people").prepare({"year": [""]})
    assert prepared.bindings == {}
    assert len(run(store, prepared)) == 4


@pytest.mark.parametrize(("spec", "raw", "value", "datatype"), [
    (ParamSpec("d", "date"), "2019-09-20", "2019-09-20", "date"),
    (ParamSpec("d", "date", partial=True), "2019-07", "2019-07", "gYearMonth"),
    (ParamSpec("d", "date", partial=True), "2019", "2019", "gYear"),
    (ParamSpec("n", "integer"), "+0042", "42", "integer"),
    (ParamSpec("b", "boolean"), "TRUE", "true", "boolean"),
    (ParamSpec("b", "boolean"), "0", "false", "boolean"),
    (ParamSpec("s", "string"), ' "} x\n', ' "} x\n', "string"),
])
def test_values_become_typed_literals(spec, raw, value, datatype):
    term = to_term(spec, raw)
    assert isinstance(term, ox.Literal)
    assert (term.value, term.datatype.value) == (value, XSD + datatype)


@pytest.mark.parametrize(("spec", "raw", "reason"), [
    (ParamSpec("d", "date"), "2019-07", "expected a date as YYYY-MM-DD, got '2019-07' (this parameter "
                                        "needs a full date)"),
    (ParamSpec("d", "date"), "2019-02-30", "day is out of range for month"),
    (ParamSpec("d", "date", partial=True), "2019-13", "month must be 01..12"),
    (ParamSpec("d", "date", partial=True), "20.9.2019", "expected a date as YYYY-MM-DD, YYYY-MM or YYYY"),
    (ParamSpec("b", "boolean"), "maybe", "expected true or false, got 'maybe'"),
    (ParamSpec("e", "enum", values={"a": None, "b": None}), "c", "expected one of a, b, got 'c'"),
    (ParamSpec("s", "string", max_length=3), "abcd", "expected text of at most 3 characters, got 4"),
])
def test_wrong_values_are_refused_with_their_reason(spec, raw, reason):
    with pytest.raises(InvalidParameter) as info:
        to_term(spec, raw)
    assert reason in info.value.reason
    assert info.value.param == spec.name


def test_enum_value_may_map_to_an_iri():
    spec = ParamSpec("mode", "enum", values={"joined": EX + "joined", "plain": None})
    assert to_term(spec, "joined") == ox.NamedNode(EX + "joined")
    assert to_term(spec, "plain") == ox.Literal("plain")


def test_short_id_is_expanded_with_the_declared_prefix():
    spec = ParamSpec("state", "iri", iri_prefix=EX + "state/", example="SLV")
    assert to_term(spec, "SLV") == ox.NamedNode(EX + "state/SLV")
    assert to_term(spec, "tenure/x#begin") == ox.NamedNode(EX + "state/tenure/x#begin")
    assert to_term(spec, "https://other.org/x") == ox.NamedNode("https://other.org/x")


@pytest.mark.parametrize("raw", ["https://e.org/a>b", "https://e.org/a b", "https://e.org/{x}",
                                 'https://e.org/"', "https://e.org/a\\b", "ftp://e.org/x", "e.org/x",
                                 "https://e.org/a\nb", "https://"])
def test_iri_with_forbidden_characters_or_no_scheme_is_refused(raw):
    with pytest.raises(InvalidParameter) as info:
        to_term(ParamSpec("node", "iri"), raw)
    assert info.value.reason.startswith("expected an absolute http(s) IRI")


@pytest.mark.parametrize("raw", ["SLV>", "a b", "../x", "x}", "a#b#c", "", "-x"])
def test_short_id_outside_the_safe_pattern_is_refused(raw):
    with pytest.raises(InvalidParameter):
        to_term(ParamSpec("state", "iri", iri_prefix=EX), raw)


# --- binding on a real store -----------------------------------------------------------------------

INJECTIONS = ['" } ; DROP ALL ; SELECT * { ?s ?p ?o', '\\"', 'x"\n} UNION { ?s ?p ?o', "\n", "Alice\n",
              "' } #", "Alice\\", '"""', "\\u0022 } UNION { ?person ?p ?name } #"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_string_parameter_is_bound_as_a_literal_and_adds_no_rows(catalogue, store, value):
    before = len(list(store.quads()))
    rows = run(store, catalogue.get("person-by-name").prepare({"name": [value]}))
    assert rows == []
    assert len(list(store.quads())) == before


def test_string_parameter_with_quotes_and_newlines_matches_exactly(catalogue, store):
    for name, person in [('Carol "the quote" Smith', "carol"), ("line one\nline two", "dave")]:
        rows = run(store, catalogue.get("person-by-name").prepare({"name": [name]}))
        assert rows == [{"person": EX + person, "name": name}]


@pytest.mark.parametrize("value", INJECTIONS + ['Carol "the quote" Smith'])
def test_list_values_are_written_as_escaped_terms(catalogue, store, value):
    prepared = catalogue.get("people").prepare({"names": ["Alice", value]})
    assert "VALUES" in prepared.text
    names = {row["names"] for row in run(store, prepared)}
    assert names == {"Alice"} | ({value} if value.startswith("Carol") else set())


def test_list_parameter_values_are_deduplicated_and_echoed(catalogue, store):
    prepared = catalogue.get("people").prepare({"names": ["Bob", "Alice", "Bob"]})
    assert prepared.params_echo == {"names": ["Bob", "Alice"]}
    assert [r["person"] for r in run(store, prepared)] == [EX + "alice", EX + "bob"]


def test_too_many_list_values_are_refused(catalogue):
    with pytest.raises(InvalidParameter) as info:
        catalogue.get("people").prepare({"names": [str(i) for i in range(101)]})
    assert info.value.reason == "given 101 values; at most 100 are allowed"


def test_optional_parameter_left_out_stays_unbound_and_does_not_filter(catalogue, store):
    prepared = catalogue.get("people").prepare({})
    assert prepared.bindings == {} and "VALUES" not in prepared.text
    rows = run(store, prepared)
    assert len(rows) == 4
    assert all("year" not in row for row in rows)


def test_optional_parameter_given_filters_and_is_echoed_typed(catalogue, store):
    prepared = catalogue.get("people").prepare({"year": ["1990"]})
    assert prepared.params_echo == {"year": 1990}
    assert prepared.bindings == {"year": ox.Literal("1990", datatype=ox.NamedNode(XSD + "integer"))}
    assert run(store, prepared) == [{"person": EX + "alice", "names": "Alice", "year": "1990"}]


def test_ask_and_construct_queries_run_with_bound_iris(catalogue, store):
    knows = catalogue.get("knows")
    assert store.query(**_call(knows.prepare({"who": ["alice"]}))) == AskResult(True)
    assert store.query(**_call(knows.prepare({"who": ["bob"]}))) == AskResult(False)
    result = store.query(**_call(catalogue.get("describe").prepare({"node": ["bob"]})))
    assert isinstance(result, GraphResult)
    assert {t.predicate.value for t in result.triples} == {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://xmlns.com/foaf/0.1/name", EX + "born"}


def _call(prepared) -> dict:
    return {"sparql": prepared.text, "bindings": prepared.bindings}


@pytest.mark.parametrize("raw", ["alice> . ?s ?p ?o . <x", "https://example.org/a b"])
def test_iri_parameter_with_gt_or_space_is_refused_before_any_query(catalogue, raw):
    with pytest.raises(InvalidParameter) as info:
        catalogue.get("knows").prepare({"who": [raw]})
    assert info.value.param == "who"


# --- term serialisation ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", INJECTIONS + ["é ü 中", "\t\x00\x7f", "\\\\u0022", "\r\n"])
def test_term_to_sparql_round_trips_through_a_values_block(value):
    store = ox.Store()
    for term in [ox.Literal(value), ox.Literal(value, language="en-gb"),
                 ox.Literal(value, datatype=ox.NamedNode(EX + "type"))]:
        rows = list(store.query(f"SELECT ?x WHERE {{ VALUES ?x {{ {term_to_sparql(term)} }} }}"))
        assert [row["x"] for row in rows] == [term]


def test_term_to_sparql_writes_iris_and_refuses_blank_nodes():
    # pyoxigraph itself refuses IRIs with <>"{}|^`\ or spaces, so those never reach a VALUES block.
    assert term_to_sparql(ox.NamedNode(EX + "a#b")) == f"<{EX}a#b>"
    with pytest.raises(PartnergraphError):
        term_to_sparql(ox.BlankNode("b"))
    with pytest.raises(TypeError):
        term_to_sparql("not a term")


# --- paging ----------------------------------------------------------------------------------------


def test_paged_asks_one_row_more_than_the_page(catalogue, store):
    prepared = catalogue.get("people").prepare({})
    text = prepared.paged(2, 1)
    assert text.rstrip().endswith("LIMIT 3 OFFSET 1")
    rows = [r["person"] for r in store.query(text).rows]
    rows = [r.value for r in rows]
    assert rows == [EX + "bob", EX + "carol", EX + "dave"]
    assert prepared.paged(10).rstrip().endswith("LIMIT 11")


def test_paging_is_refused_for_ask_construct_and_queries_with_their_own_limit(catalogue):
    for name, params in [("knows", {"who": ["alice"]}), ("describe", {"node": ["alice"]}),
                         ("limited", {})]:
        with pytest.raises(PagingNotSupported) as info:
            catalogue.get(name).prepare(params).paged(10)
        assert info.value.code == "paging_not_supported"
        assert isinstance(info.value, InvalidParameter)


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (-1, 0), (10, -1), (True, 0)])
def test_paging_refuses_bad_numbers(catalogue, limit, offset):
    with pytest.raises(PagingNotSupported):
        catalogue.get("people").prepare({}).paged(limit, offset)
