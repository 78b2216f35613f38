"""Every canned query runs on the bundled ontology and data, and answers with the sourced facts.

The expected values are written out here from the sourced fact table (facts.md): the U.S.-El Salvador
ACA signed on 2019-09-20 by Kevin K. McAleenan (Acting Secretary of Homeland Security) and Alexandra
Hill Tinoco, suspended with termination initiated on 2021-02-06; MIRPS and its six founding states,
El Salvador joining on 2019-07-25; the conflicting claims the data records; and so on.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from partnergraph.services.querying.catalogue import Catalogue
from partnergraph.settings import Settings
from partnergraph.store import open_store
from partnergraph.store.contract import AskResult, GraphResult, SelectResult
from partnergraph.rdf.parsing import parse_rdf

ROOT = Path(__file__).resolve().parents[2]
ID = "https://w3id.org/partnergraph/id/"
STATUS = "https://w3id.org/partnergraph/concept/status/"
MODE = "https://w3id.org/partnergraph/concept/participation-mode/"
GRAPH = "https://w3id.org/partnergraph/graph/"

US_SLV_ACA = ID + "agreement/us-slv-aca-2019"
US_GTM_ACA = ID + "agreement/us-gtm-aca-2019"
US_HND_ACA = ID + "agreement/us-hnd-aca-2019"
US_SLV_LOI = ID + "agreement/us-slv-loi-2019"
REGIONAL_MOC = ID + "agreement/regional-border-security-moc-2019"
MCALEENAN = ID + "person/kevin-k-mcaleenan"
DHS_SECRETARY = ID + "post/us-secretary-of-homeland-security"
MIRPS = ID + "framework/mirps"
MIRPS_FOUNDERS = {"BLZ", "CRI", "GTM", "HND", "MEX", "PAN"}


def load_files() -> list[tuple[str, Path]]:
    files = [("ontology", ROOT / "ontology" / "partnergraph.ttl")]
    vocabularies = sorted((ROOT / "ontology" / "vocabularies").glob("*.ttl"))
    files += [(f"vocabularies/{p.stem}", p) for p in vocabularies]
    files += [(f"data/{p.stem}", p) for p in sorted((ROOT / "data").glob("*.ttl"))]
    return files


@pytest.fixture(scope="module")
def store():
    store = open_store(Settings(store=":memory:"))
    for name, path in load_files():
        store.replace_graph(GRAPH + name, parse_rdf(path))
    yield store
    store.close()


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.from_directory(ROOT / "queries")


def select(store, catalogue, name: str, params: Mapping[str, list[str] | str]) -> list[dict[str, str]]:
    prepared = catalogue.get(name).prepare(params)
    result = store.query(prepared.text, bindings=prepared.bindings)
    assert isinstance(result, SelectResult)
    return [{k: v.value for k, v in row.items() if v is not None} for row in result.rows]


def ask(store, catalogue, name: str, params) -> bool:
    prepared = catalogue.get(name).prepare(params)
    result = store.query(prepared.text, bindings=prepared.bindings)
    assert isinstance(result, AskResult)
    return result.value


def one(rows: list[dict], **match) -> dict:
    found = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, f"expected one row with {match}, got {len(found)}: {rows}"
    return found[0]


# --- every query ------------------------------------------------------------------------------------


def test_the_catalogue_has_the_queries_researchers_need(catalogue):
    required = {"agreements-of-state", "post-holders-on-date", "partners-of-state", "framework-members",
                "agreements-in-force-on-date", "timeline-of-state", "timeline-of-framework",
                "agreements-by-topic", "signed-by-person", "sources-of-entity",
                "states-joined-framework-after", "agreements-suspended-or-terminated", "conflicting-claims"}
    assert required <= set(catalogue.names())
    forms = {q.form for q in catalogue}
    assert {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"} <= forms
    assert len(catalogue) >= 14


@pytest.mark.parametrize("path", sorted((ROOT / "queries").glob("*.rq")), ids=lambda p: p.stem)
def test_every_query_loads_and_its_examples_return_an_answer_on_the_data(store, catalogue, path):
    query = catalogue.get(path.stem)
    assert query.title and query.summary and query.description and query.tags
    for name, spec in query.params.items():
        assert spec.description, f"{path.stem}: parameter {name} has no description"
    prepared = query.prepare(query.example_params())
    result = store.query(prepared.text, bindings=prepared.bindings)
    if isinstance(result, SelectResult):
        rows = list(result.rows)
        assert rows, f"{path.stem}: its example parameters return no row"
        assert len(set(result.variables)) == len(result.variables)
        text = prepared.paged(2, 0)
        paged = store.query(text, bindings=prepared.bindings)
        assert len(list(paged.rows)) == min(3, len(rows))
    elif isinstance(result, AskResult):
        assert result.value is True, f"{path.stem}: its example parameters answer false"
    else:
        assert isinstance(result, GraphResult)
        assert list(result.triples), f"{path.stem}: its example parameters describe nothing"


@pytest.mark.parametrize("path", sorted((ROOT / "queries").glob("*.rq")), ids=lambda p: p.stem)
def test_every_query_runs_with_its_optional_parameters_left_out(store, catalogue, path):
    query = catalogue.get(path.stem)
    examples = query.example_params()
    params = {k: v for k, v in examples.items() if query.params[k].required}
    prepared = query.prepare(params)
    assert set(prepared.bindings) | {n for n in params if query.params[n].list} == set(params)
    store.query(prepared.text, bindings=prepared.bindings)


@pytest.mark.parametrize("path", sorted((ROOT / "queries").glob("*.rq")), ids=lambda p: p.stem)
def test_every_query_is_documented(path):
    text = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    assert f"## `{path.stem}`" in text, f"{path.stem} has no section in docs/queries.md"
    assert f"GET /api/queries/{path.stem}" in text
    assert f"queries/{path.stem}.rq" in text


def test_iri_columns_come_with_label_columns_where_the_data_has_labels(store, catalogue):
    labelled = {row["x"].value for row in store.query("""
        SELECT DISTINCT ?x WHERE {
          { ?x <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }
          UNION { ?x <http://xmlns.com/foaf/0.1/name> ?l }
        }""").rows}
    for query in catalogue:
        if query.form != "SELECT":
            continue
        prepared = query.prepare(query.example_params())
        result = store.query(prepared.text, bindings=prepared.bindings)
        optional = {n for n, spec in query.params.items() if not spec.required}
        for row in result.rows:
            for column, term in row.items():
                if (term is not None and term.value in labelled and not column.endswith("_label")
                        and column not in optional):
                    assert f"{column}_label" in result.variables, f"{query.name}: {column} has no label"


# --- agreements ------------------------------------------------------------------------------------


def test_agreements_of_el_salvador_include_the_aca_with_signatories_and_current_status(store, catalogue):
    rows = select(store, catalogue, "agreements-of-state", {"state": ["SLV"]})
    aca = one(rows, agreement=US_SLV_ACA)
    assert aca["signing_date"] == "2019-09-20"
    assert aca["type"].endswith("#AsylumCooperativeAgreement")
    assert aca["title"] == ("Agreement between the Government of the United States of America and the "
                            "Government of the Republic of El Salvador for Cooperation in the Examination "
                            "of Protection Claims")
    assert aca["signing_place"] == ID + "place/cbp-headquarters"
    assert set(aca["parties"].split("; ")) == {"El Salvador", "United States of America"}
    assert "Kevin K. McAleenan (Acting Secretary of Homeland Security, for United States of America)" \
        in aca["signatories"]
    assert "Alexandra Hill Tinoco (Minister of Foreign Affairs" in aca["signatories"]
    assert aca["status_date"] == "2021-02-06"
    assert {STATUS + "suspended", STATUS + "termination-initiated"} <= set(aca["status"].split())
    assert "suspended" in aca["status_label"] and "termination initiated" in aca["status_label"]
    assert aca["state_label"] == "El Salvador"
    loi = one(rows, agreement=US_SLV_LOI)
    assert loi["signing_date"] == "2019-08-28"
    assert {US_SLV_ACA, US_SLV_LOI, REGIONAL_MOC} <= {r["agreement"] for r in rows}
    assert [r.get("signing_date", "") for r in rows] == sorted(r.get("signing_date", "") for r in rows)


def test_agreements_of_a_state_include_those_of_its_government_bodies(store, catalogue):
    rows = select(store, catalogue, "agreements-of-state", {"state": ["GTM"]})
    assert ID + "agreement/dhs-gtm-mingob-moc-2019" in {r["agreement"] for r in rows}
    disputed = one(select(store, catalogue, "agreements-of-state", {"state": ["HND"]}), agreement=US_HND_ACA)
    assert "Lisandro Rosales" in disputed["signatories"] and "disputed" in disputed["signatories"]


def test_the_three_acas_were_in_force_on_new_year_2021(store, catalogue):
    rows = select(store, catalogue, "agreements-in-force-on-date", {"date": ["2021-01-01"], "state": ["USA"]})
    assert {r["agreement"] for r in rows} == {US_GTM_ACA, US_HND_ACA, US_SLV_ACA}
    assert {r["certainty"] for r in rows} == {"certain"}
    assert one(rows, agreement=US_SLV_ACA)["in_force_from"] == "not later than 2020-12-15"


def test_in_force_honours_partial_and_not_later_than_dates(store, catalogue):
    rows = select(store, catalogue, "agreements-in-force-on-date", {"date": ["2020-06-01"]})
    certainty = {r["agreement"]: r["certainty"] for r in rows}
    assert certainty == {US_GTM_ACA: "certain", US_HND_ACA: "certain", US_SLV_ACA: "possible"}
    march = select(store, catalogue, "agreements-in-force-on-date", {"date": ["2020-03"]})
    assert {r["agreement"]: r["certainty"] for r in march}[US_HND_ACA] == "possible"
    assert select(store, catalogue, "agreements-in-force-on-date", {"date": ["2021-03-01"]}) == []
    assert select(store, catalogue, "agreements-in-force-on-date", {"date": ["2019-09-01"]}) == []
    october = select(store, catalogue, "agreements-in-force-on-date", {"date": ["2019-10-01"]})
    assert [(r["agreement"], r["certainty"]) for r in october] == [(US_SLV_ACA, "possible")]


def test_agreements_by_topic_accepts_several_topics(store, catalogue):
    asylum = {r["agreement"] for r in select(store, catalogue, "agreements-by-topic", {"topic": ["asylum"]})}
    assert {US_GTM_ACA, US_HND_ACA, US_SLV_ACA} <= asylum
    guatemala = select(store, catalogue, "agreements-by-topic",
                       {"topic": ["asylum", "protection-capacity"], "state": ["GTM"]})
    assert {r["agreement"] for r in guatemala} == {US_GTM_ACA}
    both = select(store, catalogue, "agreements-by-topic", {"topic": ["asylum", "border-security"]})
    assert asylum < {r["agreement"] for r in both}


def test_suspensions_and_terminations_have_their_dates(store, catalogue):
    rows = select(store, catalogue, "agreements-suspended-or-terminated", {})
    changes = {(r["subject"], r["status"].rsplit("/", 1)[1], r["date"]) for r in rows}
    for aca in (US_GTM_ACA, US_HND_ACA, US_SLV_ACA):
        assert (aca, "suspended", "2021-02-06") in changes
        assert (aca, "termination-initiated", "2021-02-06") in changes
    assert (US_GTM_ACA, "transfers-paused", "2020-03-16") in changes
    assert (ID + "policy/mpp", "enrolment-suspended", "2021-01-20") in changes
    guatemala = select(store, catalogue, "agreements-suspended-or-terminated",
                       {"state": ["GTM"], "since": ["2021"]})
    assert {r["subject"] for r in guatemala} == {US_GTM_ACA}
    assert {r["date"] for r in guatemala} == {"2021-02-06"}


def test_signatories_of_the_honduras_aca_show_the_disputed_signature(store, catalogue):
    rows = select(store, catalogue, "signatories-of-agreement", {"agreement": ["us-hnd-aca-2019"]})
    assert {r["signatory_label"] for r in rows} == {"Kevin K. McAleenan", "Lisandro Rosales",
                                                    "María Dolores Agüero"}
    assert one(rows, signatory_label="Lisandro Rosales")["disputed"] == "true"
    assert one(rows, signatory=MCALEENAN)["disputed"] == "false"
    assert one(rows, signatory=MCALEENAN)["acting"] == "true"
    assert {r["signing_date"] for r in rows} == {"2019-09-25"}


def test_describe_agreement_returns_its_signatures_events_and_labels(store, catalogue):
    prepared = catalogue.get("describe-agreement").prepare({"agreement": ["us-slv-aca-2019"]})
    result = store.query(prepared.text, bindings=prepared.bindings)
    triples = {(t.subject.value, t.predicate.value, t.object.value) for t in result.triples}
    assert (US_SLV_ACA, "https://w3id.org/partnergraph/ontology#signingDate", "2019-09-20") in triples
    assert (ID + "signature/us-slv-aca-2019-usa", "https://w3id.org/partnergraph/ontology#signatory",
            MCALEENAN) in triples
    assert (MCALEENAN, "http://xmlns.com/foaf/0.1/name", "Kevin K. McAleenan") in triples
    assert any(s == ID + "event/us-slv-aca-2019-suspension" for s, _, _ in triples)


def test_describe_entity_describes_any_node(store, catalogue):
    prepared = catalogue.get("describe-entity").prepare({"entity": ["state/SLV"]})
    result = store.query(prepared.text, bindings=prepared.bindings)
    triples = {(t.predicate.value, t.object.value) for t in result.triples}
    assert ("https://w3id.org/partnergraph/ontology#isoAlpha3Code", "SLV") in triples


# --- people ----------------------------------------------------------------------------------------


def test_mcaleenan_was_acting_secretary_of_homeland_security_on_2019_09_20(store, catalogue):
    rows = select(store, catalogue, "post-holders-on-date",
                  {"date": ["2019-09-20"], "post": ["us-secretary-of-homeland-security"]})
    assert len(rows) == 1
    assert rows[0]["person"] == MCALEENAN and rows[0]["person_label"] == "Kevin K. McAleenan"
    assert rows[0]["acting"] == "true" and rows[0]["certainty"] == "certain"
    assert rows[0]["state"] == ID + "state/USA" and rows[0]["end"] == "2019-11-13"


def test_post_holders_honour_conflicting_and_partial_dates(store, catalogue):
    first_day = select(store, catalogue, "post-holders-on-date",
                       {"date": ["2019-04-10"], "post": ["us-secretary-of-homeland-security"]})
    assert [(r["person"], r["certainty"]) for r in first_day] == [(MCALEENAN, "possible")]
    assert set(first_day[0]["begin"].split(" | ")) == {"2019-04-10", "2019-04-11"}
    november = select(store, catalogue, "post-holders-on-date",
                      {"date": ["2019-11"], "post": ["us-secretary-of-homeland-security"]})
    assert {r["person"] for r in november} == {MCALEENAN, ID + "person/chad-f-wolf"}
    assert {r["certainty"] for r in november} == {"possible"}


def test_post_holders_of_a_state_on_a_date(store, catalogue):
    rows = select(store, catalogue, "post-holders-on-date", {"date": ["2019-09-20"], "state": ["SLV"]})
    holders = {r["person_label"]: r["post_label"] for r in rows}
    assert holders["Alexandra Hill Tinoco"] == "Minister of Foreign Affairs of El Salvador"
    assert "Nayib Bukele" in holders
    assert {r["state"] for r in rows} == {ID + "state/SLV"}


def test_signed_by_mcaleenan_lists_his_agreements_in_date_order(store, catalogue):
    rows = select(store, catalogue, "signed-by-person", {"person": ["kevin-k-mcaleenan"]})
    dates = {r["agreement"]: r["signing_date"] for r in rows}
    assert dates[US_GTM_ACA] == "2019-07-26"
    assert dates[US_SLV_LOI] == "2019-08-28"
    assert dates[US_SLV_ACA] == "2019-09-20"
    assert dates[US_HND_ACA] == "2019-09-25"
    assert [r["signing_date"] for r in rows] == sorted(r["signing_date"] for r in rows)
    aca = one(rows, agreement=US_SLV_ACA)
    assert aca["acting"] == "true" and aca["capacity"] == DHS_SECRETARY
    assert aca["other_signatories"] == "Alexandra Hill Tinoco"


# --- states, partners, frameworks ------------------------------------------------------------------


def test_partners_of_el_salvador_count_their_agreements_and_partnerships(store, catalogue):
    rows = select(store, catalogue, "partners-of-state", {"state": ["SLV"]})
    usa = one(rows, partner=ID + "state/USA")
    assert int(usa["agreements"]) >= 3 and int(usa["partnerships"]) >= 1
    assert "U.S.-El Salvador Asylum Cooperative Agreement" in usa["links"]
    assert rows[0]["partner"] == ID + "state/USA"
    assert {ID + "state/GTM", ID + "state/HND"} <= {r["partner"] for r in rows}


def test_mirps_has_six_founding_members_and_el_salvador_joined_on_2019_07_25(store, catalogue):
    founders = select(store, catalogue, "framework-members",
                      {"framework": ["mirps"], "mode": ["founding-member"]})
    assert {r["participant"].rsplit("/", 1)[1] for r in founders} == MIRPS_FOUNDERS
    assert {r["mode"] for r in founders} == {MODE + "founding-member"}
    members = select(store, catalogue, "framework-members", {"framework": ["mirps"]})
    slv = one(members, participant=ID + "state/SLV", mode=MODE + "joined")
    assert slv["start_date"] == "2019-07-25"
    assert slv["framework_label"] == "Comprehensive Regional Protection and Solutions Framework"


def test_only_el_salvador_joined_mirps_after_2017(store, catalogue):
    rows = select(store, catalogue, "states-joined-framework-after",
                  {"framework": ["mirps"], "date": ["2017"]})
    assert [(r["state"], r["start_date"], r["certainty"]) for r in rows] == [
        (ID + "state/SLV", "2019-07-25", "certain")]


def test_membership_asks(store, catalogue):
    assert ask(store, catalogue, "state-is-framework-member", {"state": ["SLV"], "framework": ["mirps"]})
    assert ask(store, catalogue, "state-is-framework-member",
               {"state": ["SLV"], "framework": ["mirps"], "date": ["2019-08"]})
    assert not ask(store, catalogue, "state-is-framework-member",
                   {"state": ["SLV"], "framework": ["mirps"], "date": ["2019-06"]})
    assert ask(store, catalogue, "state-is-framework-member",
               {"state": ["PAN"], "framework": ["mirps"], "date": ["2017"]})
    assert not ask(store, catalogue, "state-is-framework-member", {"state": ["USA"], "framework": ["mirps"]})


def test_frameworks_of_el_salvador(store, catalogue):
    rows = select(store, catalogue, "frameworks-of-state", {"state": ["SLV"]})
    assert one(rows, framework=MIRPS, mode=MODE + "joined")["start_date"] == "2019-07-25"
    la = one(rows, framework=ID + "framework/la-declaration")
    assert (la["mode"], la["start_date"]) == (MODE + "signatory-at-launch", "2022-06-10")


def test_timeline_of_el_salvador_is_chronological_and_filtered_by_dates(store, catalogue):
    rows = select(store, catalogue, "timeline-of-state", {"state": ["SLV"]})
    assert [r.get("date", "") for r in rows] == sorted(r.get("date", "") for r in rows)
    entries = {(r.get("date"), r["kind"], r.get("subject")) for r in rows}
    assert ("2019-07-25", "participation start", MIRPS) in entries
    assert ("2019-08-28", "signing", US_SLV_LOI) in entries
    assert ("2019-09-20", "event", US_SLV_ACA) in entries
    assert ("2021-02-06", "event", US_SLV_ACA) in entries
    suspension = one(rows, item=ID + "event/us-slv-aca-2019-suspension")
    assert suspension["what"] == STATUS + "suspended"
    by = one(rows, item=ID + "event/us-slv-aca-2019-entry-into-force")
    assert (by["date"], by["on_or_before"]) == ("2020-12-15", "true")
    window = select(store, catalogue, "timeline-of-state", {"state": ["SLV"], "since": ["2019-09"],
                                                             "until": ["2019-09-30"]})
    assert {r["date"] for r in window} == {"2019-09-20"}


def test_timeline_of_mirps_starts_at_san_pedro_sula(store, catalogue):
    rows = select(store, catalogue, "timeline-of-framework", {"framework": ["mirps"]})
    assert [r.get("date", "") for r in rows] == sorted(r.get("date", "") for r in rows)
    dates = {(r.get("date"), r["kind"], r.get("who")) for r in rows}
    assert ("2019-07-25", "participation start", ID + "state/SLV") in dates
    assert any(d == "2017-10-26" and k == "event" for d, k, _ in dates)
    assert {r["who"] for r in rows if r.get("what") == MODE + "founding-member"} == {
        ID + "state/" + code for code in MIRPS_FOUNDERS}


# --- sources and conflicts -------------------------------------------------------------------------


def test_sources_of_the_aca_include_the_dhs_release_with_its_url(store, catalogue):
    rows = select(store, catalogue, "sources-of-entity", {"entity": ["agreement/us-slv-aca-2019"]})
    s1 = [r for r in rows if r["source"] == ID + "source/dhs-2019-09-20-joint-statement-el-salvador"]
    assert s1
    assert ("https://dhs.gov/news/2019/09/20/joint-statement-between-us-government-and-government-el-salvador"
            in s1[0]["urls"].split())
    assert "Homeland Security" in s1[0]["publisher_label"]
    relations = {r["relation"] for r in rows}
    assert {"the entity itself", "signature of the agreement", "event concerning it"} <= relations
    assert ID + "signature/us-slv-aca-2019-usa" in {r["fact"] for r in rows}


def test_sources_of_a_tenure_include_both_claimed_beginnings(store, catalogue):
    rows = select(store, catalogue, "sources-of-entity",
                  {"entity": ["tenure/kevin-k-mcaleenan-us-secretary-of-homeland-security"]})
    beginnings = {r["fact"] for r in rows if r["relation"] == "beginning of the tenure"}
    assert len(beginnings) == 2
    assert all(r["conflicts_with"] for r in rows if r["fact"] in beginnings)


def test_conflicting_claims_show_both_sides_with_their_sources(store, catalogue):
    rows = select(store, catalogue, "conflicting-claims", {})
    said = {(r["value"], r["rival_says"]) for r in rows if "value" in r and "rival_says" in r}
    assert ("Lisandro Rosales", "María Dolores Agüero") in said
    assert ("María Dolores Agüero", "Lisandro Rosales") in said
    assert ("2019-04-10", "2019-04-11") in said and ("2019-04-11", "2019-04-10") in said
    assert ("Liberia", "Dominican Republic") in said
    assert ("2017-10-26", "2016-10-26") in said
    assert all(r["source"].startswith(ID + "source/") for r in rows)
    honduras = select(store, catalogue, "conflicting-claims", {"entity": ["agreement/us-hnd-aca-2019"]})
    assert {r["about"] for r in honduras} == {US_HND_ACA}
    assert len(honduras) == 2
